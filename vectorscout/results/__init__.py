"""What a run produced: result records and their JSON documents, the SQLite store, Pareto analysis."""
