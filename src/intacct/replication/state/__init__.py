"""Where each stream of each entity stands (runstate.py) and a JSON file that keeps it
between runs (statefile.py)."""

__all__: list[str] = []
