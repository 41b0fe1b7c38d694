# Two commands: `make run` sets up and serves Tråd with its demo organisation on SQLite;
# `make test` runs the whole suite against SQLite and PostgreSQL.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NODE_DEPS := var/node/node_modules/axe-core/axe.min.js var/node/node_modules/@microsoft/app-manifest/package.json
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench bench-memory bench-tenants clean browser fuzz

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check uv
	@$(VENV)/bin/uv pip install -q --python $(PY) -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	@mkdir -p -m 700 var
	@$(VENV)/bin/trad migrate
	@$(VENV)/bin/trad demo --if-empty
	@$(VENV)/bin/trad serve --host $(HOST) --port $(PORT) --banner

# Headless Chromium (Debian's package) and axe-core (npm) for the browser tests; Microsoft's Teams
# manifest JSON schemas (npm @microsoft/app-manifest) for the app package test.
browser: $(NODE_DEPS)
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

$(NODE_DEPS):
	@mkdir -p var/node
	@npm install --silent --no-audit --no-fund --prefix var/node axe-core@4 @microsoft/app-manifest@1 >/dev/null

test: $(STAMP) browser
	@$(PY) -m pytest $(PYTEST_ARGS)

# The long fuzz run: hypothesis on the parsers and importers, schemathesis on every route (profile `long`).
# `make test` runs the same tests small (profile `ci`).
fuzz: $(STAMP)
	@$(PY) -m pytest tests/security -m fuzz --db sqlite --hypothesis-profile=long $(PYTEST_ARGS)

lint: $(STAMP)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/mypy

bench: $(STAMP)
	@$(PY) bench/domain.py

# Peak memory of `trad serve` over 10 minutes at 100 req/s of Slack traffic (issue 15; not in `make test`).
# The server runs on core 0, the load generator on core 1.
bench-memory: $(STAMP)
	@flock /tmp/trad-bench.lock taskset -c 1 $(PY) bench/memory.py --minutes 10 --rate 100 --json var/bench-memory.json

# Many kommuner on PostgreSQL (issue 13): 1, 10 and 50 kommuner, up to 100,000 staff and 1,000,000 avvik.
# Long (builds the data, then acks, fan-out and summaries); not part of `make test`. See bench/README.md.
bench-tenants: $(STAMP)
	@mkdir -p var/bench
	@$(PY) bench/tenants.py --size full --json var/bench/tenants-full.json $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
