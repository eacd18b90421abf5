# Accord — `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_WORKERS ?= 2

.PHONY: setup run serve worker test lint format messages messages-check e2e fuzz bench clean

# The page checkers (axe-core, the Nu HTML Checker), pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Accord needs Python 3.11 or newer"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "python3 -m venv failed: on Debian install it with: apt-get install -y python3-venv"; exit 1; }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[test]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

setup: $(STAMP)
	$(BIN)/python -m accord.lib.i18n compile

run: setup
	$(BIN)/accord init
	$(BIN)/accord migrate --noinput
	$(BIN)/accord demo
	@echo "Starting the background worker and the web app on http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	@$(BIN)/accord worker & WORKER=$$!; trap "kill $$WORKER 2>/dev/null" EXIT INT TERM; \
	  ACCORD_DEBUG=1 $(BIN)/python -m gunicorn accord.wsgi:application --bind $(HOST):$(PORT) --workers 2 --threads 4 \
	    --no-control-socket --access-logfile - ; kill $$WORKER 2>/dev/null || true

serve: setup
	$(BIN)/accord serve --host $(HOST) --port $(PORT)

worker: setup
	$(BIN)/accord init
	$(BIN)/accord worker

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: setup
	$(BIN)/python -m accord.lib.i18n extract
	$(BIN)/python -m accord.lib.i18n compile

messages-check: setup
	$(BIN)/python -m accord.lib.i18n check

test: setup lint messages-check
	$(BIN)/accord init
	$(BIN)/python manage.py makemigrations --check --dry-run >/dev/null || { echo "Model changes without a migration: run manage.py makemigrations"; exit 1; }
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q --ignore=tests/fuzz

e2e: setup node_modules/.installed
	$(BIN)/pytest e2e -q -p no:xdist

fuzz: setup
	$(BIN)/pytest tests/fuzz -q -p no:xdist -s

# `make bench BENCH_SIZE=small` for iteration; full is the size the performance targets are set at.
BENCH_SIZE ?= full
bench: setup
	$(BIN)/python -m bench.run --size $(BENCH_SIZE)

clean:
	rm -rf $(VENV) data e2e/artifacts node_modules
