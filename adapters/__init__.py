"""Engine adapters: one module per engine behind the contract in ``adapters.base``."""
