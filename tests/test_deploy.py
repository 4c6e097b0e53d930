"""The Kubernetes Job manifest parses, runs the CLI and takes every credential from the Secret."""

from pathlib import Path

import yaml

from adapters.registry import adapter_class
from vectorscout.cli import build_parser

MANIFEST = Path(__file__).resolve().parent.parent / "deploy" / "benchmark-job.yaml"


def test_job_runs_the_cli_with_options_the_adapters_read():
    secret, job = list(yaml.safe_load_all(MANIFEST.read_text()))
    container = job["spec"]["template"]["spec"]["containers"][0]
    command = container["command"]
    assert command[:3] == ["python", "-m", "vectorscout"]
    args = build_parser().parse_args(command[3:])  # the CLI accepts exactly these arguments
    assert args.format == "json" and args.quiet
    known_env = {
        adapter_class(name).connection_env(p)
        for name in ("qdrant", "milvus", "weaviate") for p in adapter_class(name).connection_params
    } | {"VECTORSCOUT_HOME"}
    names = [e["name"] for e in container["env"]] + list(secret["stringData"])
    assert set(names) <= known_env, set(names) - known_env
    secret_params = {adapter_class(n).connection_env(p) for n in ("qdrant", "milvus", "weaviate")
                     for p in adapter_class(n).connection_params if p.secret}
    assert secret_params == set(secret["stringData"])  # every secret comes from the Secret, none inline
