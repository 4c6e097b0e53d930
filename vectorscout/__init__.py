"""VectorScout core: benchmark runner, metrics, ground truth, datasets, results store and CLI.

Importable without Streamlit, so the CLI, the tests and the dashboard share one implementation.
"""

__version__ = "0.1.0"
