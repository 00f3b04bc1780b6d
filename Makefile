# AutoShop: `make run` serves the demo shop, `make test` runs the whole suite.
# Everything needed is installed here: uv (into .tools), Python packages (into .venv, from uv.lock)
# and front-end packages (from package-lock.json, copied into the static folder).

PYTHON ?= python3
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/autoshop/web/static/vendor
HOST ?= 127.0.0.1
PORT ?= 5000
# The day `make test-future-date` pretends it is (any date libfaketime's faketime takes).
FAKETIME ?= 2027-03-14 10:00:00

.PHONY: run test test-future-date install assets lint format bench prod-check screenshots clean messages

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

$(BIN)/autoshop: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENDOR)/.stamp: node_modules/.package-lock.json
	mkdir -p $(VENDOR)/bootstrap $(VENDOR)/htmx
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map $(VENDOR)/bootstrap/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map $(VENDOR)/bootstrap/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	@touch $@

assets: $(VENDOR)/.stamp

install: $(BIN)/autoshop assets

run: install
	$(BIN)/autoshop db upgrade
	$(BIN)/autoshop seed-demo --if-empty
	@echo ""
	@echo "AutoShop is starting at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@echo "Mail is delivered by the worker to the dev mail server: read it at /dev/inbox/ as staff."
	@echo ""
	PUBLIC_BASE_URL=http://$(HOST):$(PORT) $(BIN)/autoshop dev --host $(HOST) --port $(PORT)

# The strings marked for translation, extracted into every language's catalog (new ones empty).
messages: install
	$(BIN)/python -m autoshop.i18n_catalogs

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install lint
	$(BIN)/pytest

# The suite on a day it was never run on: the app's wall clock (every Python process) set to
# $(FAKETIME) by libfaketime; the monotonic clock and the browser keep the real time (see
# tests/support/faketime/sitecustomize.py and tests/support/browser.py for why).
test-future-date: install lint
	@command -v faketime >/dev/null || { echo "test-future-date needs faketime: apt-get install -y faketime"; exit 1; }
	FAKETIME_DONT_FAKE_MONOTONIC=1 PYTHONPATH=tests/support/faketime faketime '$(FAKETIME)' $(BIN)/pytest

bench: install
	$(BIN)/python -m benchmarks --write docs/PERFORMANCE.md
	$(BIN)/python -m benchmarks.scale --write docs/PERFORMANCE.md
	$(BIN)/python -m benchmarks.booking --write docs/PERFORMANCE.md
	$(BIN)/python -m benchmarks.notifications --write docs/PERFORMANCE.md
	$(BIN)/python -m benchmarks.contention --write docs/PERFORMANCE.md
	$(BIN)/python -m benchmarks.appointment_search --write docs/PERFORMANCE.md

# The production shape on this machine against a fresh PostgreSQL database: gunicorn (2 workers),
# 2 outbox workers, Redis, a local SMTP server; a smoke test over HTTP, the logs checked, a backup
# restored. See deploy/prod_check.py.
prod-check: install
	$(BIN)/python -m deploy.prod_check

# The guides' pictures (docs/screenshots/*.png), taken by Playwright on Debian's chromium from the
# demo shop on a fixed day; tests/unit/test_guide_screenshots.py checks the guides show only these.
screenshots: install
	TEST_DATABASE_URL= AUTOSHOP_REQUIRE_POSTGRES=0 AUTOSHOP_REQUIRE_BROWSER=1 \
		$(BIN)/pytest -q -p no:cacheprovider tests/screenshots/guide_screenshots.py

clean:
	rm -rf $(VENV) .tools node_modules $(VENDOR) test-artifacts instance
	rm -f src/autoshop/web/static/manifest.json
	find src/autoshop/web/static -regextype posix-extended -regex '.*\.[0-9a-f]{12}(\.[^./]+)?' -delete
