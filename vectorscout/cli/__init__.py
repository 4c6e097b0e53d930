"""``python -m vectorscout``: run benchmarks and manage stored runs from the shell.

Exit status: 0 success, 1 when an engine failed (its row says why), 2 for bad input (nothing stored).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vectorscout.cli import decide, measure
from vectorscout.cli.common import UsageError
from vectorscout.home import HomeError
from vectorscout.results.store import ReadOnlyHome, StoreError


def cmd_serve(args: argparse.Namespace) -> int:
    from vectorscout.serve import ServeError, serve

    try:
        return serve(args.host, args.port)
    except ServeError as exc:
        raise UsageError(str(exc)) from None


def _add_serve_command(sub: Any) -> None:
    serve = sub.add_parser("serve", help="the dashboard; beyond loopback behind a password on every endpoint")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine)")
    serve.add_argument("--port", type=int, default=8501)
    serve.set_defaults(handler=cmd_serve)


def build_parser() -> argparse.ArgumentParser:
    # the name it was called by: the installed `vectorscout` command, or the module from a checkout
    prog = "vectorscout" if Path(sys.argv[0]).name == "vectorscout" else "python -m vectorscout"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    measure.add_commands(sub)
    decide.add_commands(sub)
    _add_serve_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
        return code
    except (UsageError, HomeError, ReadOnlyHome) as exc:
        print(f"vectorscout: error: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"vectorscout: error: {exc}", file=sys.stderr)
        return 1
