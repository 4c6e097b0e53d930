"""Vectors to measure on: bundled, synthetic, imported and downloaded datasets, embeddings and exact
ground truth."""
