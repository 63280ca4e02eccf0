"""The kinds of stream (kinds.py) and how each reads: an object's keyset stream
(objects.py) with its planning, change questions, deletes and lookback window, and the
trial balance (trialbalance.py)."""

__all__: list[str] = []
