# The README's commands. `make run` and `make test` install what is missing first.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench deps system-deps clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch==2.13.0 is the CPU wheel that lies on this machine's disk (see README).
	$(PY) -m pip install -q "torch==2.13.0" || $(PY) -m pip install -q torch
	$(PY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

deps: $(STAMP)

# RabbitMQ: used when no broker is configured (VLAD_BROKER_URL) or answering on 5672,
# and by the tests that stop and start a broker of their own.
system-deps:
	@scripts/install-system-deps.sh

run: deps system-deps
	$(VENV)/bin/vlad up --data-dir .vlad $(ARGS)

test: deps system-deps
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)

lint: deps
	$(VENV)/bin/ruff check src tests kernels bench
	$(VENV)/bin/ruff format --check src tests kernels bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: deps system-deps
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) -m bench $(BENCH)

clean:
	rm -rf $(VENV) vlad-runs .pytest_cache
