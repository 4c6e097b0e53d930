"""How similarity is measured: the metric names every engine, dataset and ground truth shares."""

from __future__ import annotations

from enum import StrEnum

import numpy as np


class Metric(StrEnum):
    COSINE = "cosine"
    L2 = "l2"
    IP = "ip"


def normalized(vectors: np.ndarray) -> np.ndarray:
    """Unit-length rows (zero rows stay zero), for engines that do cosine as inner product."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    unit: np.ndarray = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    return unit
