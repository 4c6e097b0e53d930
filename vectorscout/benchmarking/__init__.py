"""Measuring engines: engine settings and plans, the runner, serial timing, concurrent and Locust load."""
