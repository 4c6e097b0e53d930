"""The deployment modes: how an engine would run for the client. One vocabulary for the questionnaire, the feature
matrix's columns, the recommendation, the cost model's shapes, the pages and the reports."""

from __future__ import annotations

from enum import StrEnum


class DeploymentMode(StrEnum):
    """How the engine would run for the client; each engine is judged, shaped and priced as it runs in this mode.
    A str: the questionnaire's value, the feature matrix's column and JSON all read the same."""

    EMBEDDED = "embedded"
    SINGLE_SERVER = "single_server"
    CLUSTER = "cluster"
    MANAGED_CLOUD = "managed_cloud"
