# One entry point for every developer task. `make test` works on a fresh machine:
# it builds .venv from the pinned requirements-dev.txt, then runs the gates.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed

.PHONY: test lint typecheck unit venv lock clean build validate

# Let Python cache bytecode (__pycache__/ is ignored by git) even where the environment says
# PYTHONDONTWRITEBYTECODE: otherwise every pytest worker, drill and tool compiles the
# project's modules and rewrites every test's asserts again, run after run.
unexport PYTHONDONTWRITEBYTECODE

# The three gates run side by side once the venv exists (mypy fills the cores pytest leaves idle).
test: $(STAMP) checkov-venv
	@$(MAKE) --no-print-directory -j3 --output-sync=target lint typecheck unit

include make/gates.mk
include make/estate.mk

$(STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) checkov-venv
	$(BIN)/pytest

build: $(STAMP)
	$(BIN)/sam build --language-extensions --template template.yaml

validate: $(STAMP)
	$(BIN)/sam validate --lint --template template.yaml

# Re-resolve the pinned dependency set after editing requirements-dev.in.
lock: $(STAMP)
	$(BIN)/uv pip compile requirements-dev.in -o requirements-dev.txt --python-version 3.11

clean:
	rm -rf $(VENV) .venv-checkov .aws-sam .pytest_cache .mypy_cache .ruff_cache

# The main job: a local failover drill on an embedded, emulated AWS (no account needed).
# Options: make drill ARGS="--scenario flapping --report out/" (python -m drill --help).
.PHONY: drill
drill: $(STAMP)
	$(BIN)/python -m drill $(ARGS)

# The honest clock (outside make test): the scenario N times, every latency figure and phase
# drawn at random (seeded), p50/p90/max of the five figures. ARGS="--scenario region-down
# --samples 40 --seed 7 --report out/". About a minute of wall time per sample on 2 cores.
.PHONY: samples
samples: $(STAMP)
	$(BIN)/python -m drill --samples 20 $(ARGS)

# The outage's phase swept across the probe period (typical model): the mean detection, and
# with ARGS="--samples out/report.json" its distance from a --samples run's detection p50.
.PHONY: sweep
sweep: $(STAMP)
	$(BIN)/python scripts/phase_sweep.py $(ARGS)

# Each Lambda handler's cold import, timed in fresh interpreters (min, median, x import boto3);
# writes docs/benchmarks/imports.json, which the emulator's cold starts read. ARGS="--runs 30".
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python -m scripts.bench_imports $(ARGS)

# The long tests make test leaves out (pytest marker "scenario"): every drill scenario, the
# report rebuilt from a drill execution, two matrix cells and a soak sample. ~2 min on 2 cores.
.PHONY: scenarios
scenarios: $(STAMP)
	$(BIN)/pytest -m scenario

# The fault matrix (issue 13): every Task x every kind of fault, each judged RECOVERED,
# CLEAN-FAIL or DIRTY (python -m testbed.faultmatrix --help). Minutes; not part of make test.
.PHONY: matrix
matrix: $(STAMP)
	PYTHONPATH=functions:. $(BIN)/python -m testbed.faultmatrix $(ARGS)

# The safety soak (issue 13): hypothesis RuleBasedStateMachine over random interleavings of
# outages, unreachable regions, alarms, operator runs and faults, with the invariants checked
# after every step (python -m testbed.soak --help). ARGS="--examples 1000 -j 2". ~50 min.
.PHONY: soak
soak: $(STAMP)
	PYTHONPATH=functions:. $(BIN)/python -m testbed.soak $(ARGS)
