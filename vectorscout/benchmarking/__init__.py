"""Measuring engines: engine settings and plans, the runner, worker isolation, concurrent and Locust load."""
