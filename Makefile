# Two commands: `make run` (set up + start the dashboard) and `make test` (set up + the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 8501
# Root installs system packages directly; anyone else through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup dev system-deps run test lint typecheck mutation clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Re-install only when the pinned requirements change: quick the second time.
# torch first and pinned: the CPU wheel pip finds locally; left to the resolver it pulls a multi-GB CUDA build.
# Then VectorScout itself, editable and without dependencies (they are the pins above): .venv/bin/vectorscout.
# (setuptools warns that an editable install lets folders in the working directory win imports: they are this code)
$(VENV)/.requirements.stamp: requirements.txt pyproject.toml | $(PY)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -r requirements.txt
	PYTHONWARNINGS=ignore::Warning $(PIP) install --quiet --no-deps --no-build-isolation --editable .
	touch $@

$(VENV)/.requirements-dev.stamp: requirements-dev.txt $(VENV)/.requirements.stamp
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.requirements.stamp

dev: $(VENV)/.requirements-dev.stamp

# Debian chromium: renders the PDF report's charts (kaleido) and runs the real-browser tests (Playwright drives
# it; Playwright's own browser download fails offline). poppler-utils: pdftotext, to check PDF reports.
system-deps:
	@command -v chromium >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium poppler-utils; }

# On 127.0.0.1: Streamlit itself. Any other HOST: Streamlit on a private loopback port behind VectorScout's
# authenticating proxy (VECTORSCOUT_PASSWORD required), so no endpoint answers before the password.
run: setup system-deps
	$(PY) -m vectorscout serve --host $(HOST) --port $(PORT)

lint: dev
	$(PY) -m ruff check .

typecheck: dev
	$(PY) -m mypy

test: setup dev system-deps lint typecheck
	$(PY) -m pytest

# Mutation testing of every function that computes or formats a figure a user reads (outside `make test`), the
# twenty planted bugs, then every number of the knowledge files perturbed alone, one copy per core. Only the
# mutants in score.py's scope are run (set -f: the patterns are for mutmut, not the shell). One OpenMP thread:
# FAISS's OpenMP pool deadlocks in the processes mutmut forks from a parent that used it.
mutation: dev
	rm -rf mutants
	set -f; OMP_NUM_THREADS=1 $(PY) -m mutmut run --max-children 2 $$($(PY) tests/mutation/score.py --globs)
	$(PY) tests/mutation/score.py
	$(PY) tests/mutation/planted_bugs.py
	$(PY) tests/mutation/knowledge_mutation.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache mutants
