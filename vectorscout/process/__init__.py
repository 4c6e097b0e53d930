"""A floor below the engines: workers with limits, their lifetime, progress and cancel, memory sampling. It
imports nothing of the project above it."""
