"""Where each stream of each entity stands (runstate.py)."""

__all__: list[str] = []
