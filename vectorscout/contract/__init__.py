"""The lowest floor: the types adapters and the core share (metrics, parameters, the filter language, spec
text). It imports nothing of the project."""
