"""The Locust user that queries a vector engine: loaded by ``locust -f`` in master and worker processes only.

Never imported by VectorScout itself (Locust patches the standard library with gevent at import). What to
query comes from the environment: VECTORSCOUT_LOAD_SPEC (engine, collection, dataset, k, filter, search
settings) and VECTORSCOUT_LOAD_CONNECTION (kept out of the command line, which other users can read).
Response times are reported to Locust in microseconds: Locust keeps whole numbers, and vector queries
often take less than a millisecond.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from locust import User, constant, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

SPEC: dict[str, Any] = json.loads(os.environ.get("VECTORSCOUT_LOAD_SPEC", "{}"))
_queries: Any = None


def queries() -> Any:
    global _queries
    if _queries is None:  # once per worker process, shared by its users
        from vectorscout.data.datasets import load_dataset

        _queries = load_dataset(SPEC["dataset"]).queries
    return _queries


class VectorQueryUser(User):
    wait_time = constant(0)  # closed loop: each user sends its next query when the last one answers

    def on_start(self) -> None:
        from adapters.registry import adapter_class
        from vectorscout.contract.filters import parse_filter
        from vectorscout.contract.metric import Metric

        connection = json.loads(os.environ.get("VECTORSCOUT_LOAD_CONNECTION", "{}"))
        self.db = adapter_class(SPEC["engine"])(Path(tempfile.mkdtemp(prefix="vs-locust-")), connection)
        self.db.open()
        self.db.attach_collection(SPEC["collection"], int(SPEC["dim"]), Metric(SPEC["metric"]), SPEC["index"],
                                  SPEC["search_params"])
        self.filter = parse_filter(SPEC["filter"]) if SPEC.get("filter") else None
        self.queries = queries()
        self.position = (id(self) // 16) % len(self.queries)

    @task
    def search(self) -> None:
        query = self.queries[self.position % len(self.queries)]
        self.position += 1
        began = time.perf_counter()
        failure: Exception | None = None
        try:
            self.db.search(query, int(SPEC["k"]), self.filter)
        except Exception as exc:  # counted by Locust as a failure, not hidden
            failure = exc
        self.environment.events.request.fire(
            request_type="search", name=SPEC["engine"], response_time=(time.perf_counter() - began) * 1e6,
            response_length=0, exception=failure, context={},
        )

    def on_stop(self) -> None:
        self.db.close()
