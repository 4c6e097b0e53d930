from contract import AdapterContract


class TestHnswlib(AdapterContract):
    engine = "hnswlib"
