# The two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint audit docs screenshots clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("BMS needs Python >= 3.11 (found %s)" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/bms migrate --no-input
	$(BIN)/bms seed_demo
	$(BIN)/bms demo

# The whole suite on SQLite; then again on PostgreSQL when BMS_TEST_DATABASE_URL is set (CI sets it).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)
	@if [ -n "$$BMS_TEST_DATABASE_URL" ]; then \
		echo "--- the suite again on PostgreSQL ($$BMS_TEST_DATABASE_URL)"; \
		BMS_TEST_ON=postgres $(BIN)/python -m pytest -n 2 -m "not browser" $(PYTEST_ARGS); \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Known vulnerabilities in the pinned dependencies (says so plainly when it cannot reach the service).
audit: $(STAMP)
	$(BIN)/python .ci/pip_audit.py

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# The guide's pictures, from a freshly seeded demo (needs Debian's chromium).
screenshots: $(STAMP)
	$(BIN)/bms screenshots

clean:
	rm -rf $(VENV) var/*.sqlite3* site
