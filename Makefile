# The README's commands. `make run` and `make test` install what is missing first.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench deps system-deps test-system-deps frontend api-types api-types-check clean

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

# ... and for the web UI's browser tests (tests/e2e): Debian's Chromium.
test-system-deps:
	@scripts/install-system-deps.sh --browser

# The web UI, rebuilt when a source is newer than the build (npm ci + npm run build).
FRONTEND_SOURCES := $(shell find frontend/src -type f 2>/dev/null) \
	$(wildcard frontend/index.html frontend/package.json frontend/package-lock.json \
	frontend/vite.config.ts frontend/tsconfig.json)

frontend/dist/index.html: $(FRONTEND_SOURCES)
	@scripts/build-frontend.sh

frontend: frontend/dist/index.html

# The web UI's API types (frontend/src/api/schema.d.ts), generated from the API's OpenAPI
# document: `make api-types` after changing an API schema; `make test` checks they are current.
api-types: deps
	@PYTHON=$(PY) scripts/gen-api-types.sh

api-types-check: deps
	@PYTHON=$(PY) scripts/gen-api-types.sh --check

run: deps system-deps frontend
	$(VENV)/bin/vlad up --data-dir .vlad $(ARGS)

# api-types-check before the build: stale types would fail it with less helpful errors.
test: deps test-system-deps api-types-check frontend
	$(VENV)/bin/ruff check src tests kernels bench
	$(VENV)/bin/lint-imports
	VLAD_E2E_REQUIRED=1 $(PY) -m pytest $(PYTEST_ARGS)

lint: deps
	$(VENV)/bin/ruff check src tests kernels bench
	$(VENV)/bin/ruff format --check src tests kernels bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: deps system-deps
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) -m bench $(BENCH)

clean:
	rm -rf $(VENV) vlad-runs .pytest_cache frontend/dist frontend/node_modules
