"""A page's records as the engine emits them: typed one by one (typed.py) or by column
(columnar.py), the same values either way."""

__all__: list[str] = []
