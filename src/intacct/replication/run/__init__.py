"""Running the engine: the Replicator (engine.py), what streams are handed (context.py),
its threads (workers.py), memory (memory.py) and what a run costs (cost.py, estimate.py)."""

__all__: list[str] = []
