# Guanxi: `make run` starts the CRM with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/guanxi/web/static/vendor
LOCALE := src/guanxi/locale
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/guanxi_ci
PYTEST_ARGS ?=

.PHONY: run test test-postgres install assets messages browser lint check clean

run: install
	$(BIN)/guanxi migrate --no-input -v 0
	$(BIN)/guanxi demo --if-empty --url http://$(HOST):$(PORT)
	$(BIN)/guanxi serve --host $(HOST) --port $(PORT) --no-migrate --with-worker

install: $(VENV)/.installed assets messages

$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Guanxi needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js and npm (Debian: apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Front-end packages come from npm and are copied into static files; nothing third-party is committed.
# Only the files the templates load (and their source maps) are copied: collectstatic's manifest
# storage rewrites every url() in every CSS file, and Tabler's extra sheets point at images that
# are not shipped, which would make `guanxi serve` fail with DEBUG off.
assets: $(VENDOR)/.built
$(VENDOR)/.built: node_modules/.installed Makefile
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/htmx $(VENDOR)/tabler/css $(VENDOR)/tabler/js $(VENDOR)/tabler-icons
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/@tabler/core/dist/css/tabler.min.css node_modules/@tabler/core/dist/css/tabler.min.css.map $(VENDOR)/tabler/css/
	cp node_modules/@tabler/core/dist/js/tabler.min.js node_modules/@tabler/core/dist/js/tabler.min.js.map $(VENDOR)/tabler/js/
	cp node_modules/@tabler/icons-webfont/dist/tabler-icons.min.css $(VENDOR)/tabler-icons/
	cp -r node_modules/@tabler/icons-webfont/dist/fonts $(VENDOR)/tabler-icons/
	touch $@

# The zh_Hans catalog is compiled at build time (Babel, no system gettext needed).
messages: $(VENV)/.installed
	$(BIN)/python -m guanxi.core.i18n_compile $(LOCALE)

# Chromium for the browser tests, and a CJK font so Chinese pages render (and screenshot) legibly.
browser:
	@if { command -v chromium >/dev/null || [ -x /usr/bin/chromium ]; } && fc-list 2>/dev/null | grep -qi "noto.*cjk"; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		echo "Installing Debian's chromium and fonts-noto-cjk for the browser tests…"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	elif command -v chromium >/dev/null || [ -x /usr/bin/chromium ]; then \
		echo "Note: install fonts-noto-cjk for legible Chinese in browser screenshots."; \
	else \
		echo "The browser tests need Chromium: run 'sudo apt-get install chromium fonts-noto-cjk' (Debian/Ubuntu) and try again."; exit 1; \
	fi

test: install browser
	$(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

test-postgres: install browser
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src/guanxi

check: install
	$(BIN)/guanxi check

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
