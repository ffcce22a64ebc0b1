# Two commands: `make run` (set up, then run the nightly DAG through Airflow on the sample inbox) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
DEFAULT_INBOX := $(CURDIR)/var/inbox

export INBOX_DIR ?= $(DEFAULT_INBOX)
export WAREHOUSE_PATH ?= $(CURDIR)/var/warehouse/budget.duckdb
export REPORTS_DIR ?= $(CURDIR)/var/reports
export AIRFLOW_HOME ?= $(CURDIR)/var/airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION := False
export GX_ANALYTICS_ENABLED := False
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
RUN_DATE ?= $(shell TZ=Africa/Bamako date +%F)

.PHONY: run test test-fast lint setup system-packages sample-inbox clean benchmark fuzz layouts

# One line per step as it starts and ends; Airflow's own log goes to the file named on the first line.
run: setup $(AIRFLOW_HOME)/airflow.db sample-inbox
	@$(BIN)/python dags/budget_nightly.py $(RUN_DATE)
	@$(BIN)/python -m warehouse

test: setup system-packages lint
	$(BIN)/pytest

# ruff: the Python code linted and formatted alike (pyproject.toml); sqlfluff: the dbt models through dbt's own
# templater (.sqlfluff; `sqlfluff fix` fixes most); yamllint: one YAML style (.yamllint). `make test` runs it first.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/yamllint --strict .
	DBT_DUCKDB_PATH=$$(mktemp -u --suffix=.duckdb) $(BIN)/sqlfluff lint --disable-progress-bar dbt_project/models

# The fast tests alone: no DAG run through Airflow, no night over the real files, no browser, no production-shaped
# deployment (CI runs everything).
test-fast: setup system-packages
	$(BIN)/pytest -m "not airflow and not real_data and not browser and not production"

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# The Debian packages of debian-packages.txt, at their pinned versions; nothing is done when they are there.
system-packages:
	@mkdir -p var; missing=$$(grep -v '^#' debian-packages.txt | while IFS='=' read -r name version; do \
		[ "$$(dpkg-query -W -f='$${Version}' "$$name" 2>/dev/null)" = "$$version" ] || echo "$$name=$$version"; done); \
	if [ -n "$$missing" ]; then \
		echo "Installation des paquets Debian / installing Debian packages: $$missing"; \
		if [ "$$(id -u)" -ne 0 ]; then echo "Il faut être root / root needed: apt-get install $$missing" >&2; exit 1; fi; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing > var/apt-get.log 2>&1 \
		|| { apt-get update -q > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		     --no-install-recommends $$missing > var/apt-get.log 2>&1; } \
		|| { tail -20 var/apt-get.log >&2; exit 1; }; \
	fi

$(AIRFLOW_HOME)/airflow.db: $(VENV)/.installed
	mkdir -p $(AIRFLOW_HOME)
	$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log

# The bundled sample files go into the default inbox only, never into an inbox you point INBOX_DIR at.
sample-inbox:
	@if [ "$(INBOX_DIR)" = "$(DEFAULT_INBOX)" ]; then mkdir -p $(INBOX_DIR) && cp -rn sample_data/inbox/. $(INBOX_DIR)/; fi

clean:
	rm -rf var dbt_project/target dbt_project/logs expectations/gx/uncommitted

# Benchmarks: ingestion (ratio to DuckDB's read_csv and to a bare lxml pass), the dbt models at 10 M transactions (and
# each slow model against a CREATE TABLE AS SELECT of its output), then a night on the sample task by task, then the
# matching across sources on ../shared/real-data (recall, precision, money counted once).
benchmark: setup $(AIRFLOW_HOME)/airflow.db sample-inbox
	$(BIN)/python -m benchmarks.ingest --rows $(or $(ROWS),2000000)
	$(BIN)/python -m benchmarks.models
	$(BIN)/python -m benchmarks.night --run-date $(RUN_DATE)
	$(BIN)/python -m benchmarks.reconciliation

# The fuzzer at length: FUZZ_FILES_PER_KIND mutated files of each kind through ingestion, then FUZZ_NIGHTS nights of
# the sample plus mutated files through dbt, the gate and the report (the suite runs a seeded sample of both). A
# failure names its seed, file and mutation; FUZZ_SEED starts elsewhere.
fuzz: setup system-packages
	FUZZ_FILES_PER_KIND=$(or $(FUZZ_FILES_PER_KIND),1000) FUZZ_NIGHTS=$(or $(FUZZ_NIGHTS),20) \
	FUZZ_LARGEST_FILE=$(or $(FUZZ_LARGEST_FILE),100000000) FUZZ_SEED=$(or $(FUZZ_SEED),0) \
	$(BIN)/pytest -q -s tests/test_fuzz.py

# Generated layouts at length: LAYOUT_VARIANTS seeded variants of the sample's tables read back by the ingestion, the
# share read exactly and the failures by trait printed (the suite runs a seeded sample).
layouts: setup
	$(BIN)/python -m ingest.layout_evaluation --variants $(or $(LAYOUT_VARIANTS),2000) --seed $(or $(LAYOUT_SEED),34)
