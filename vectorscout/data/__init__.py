"""Vectors to measure on: bundled, synthetic, imported and downloaded datasets, embeddings, the filter
language and exact ground truth."""
