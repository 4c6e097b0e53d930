"""Reports a workshop hands around: the sections, charts and one renderer per format."""
