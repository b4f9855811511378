# The README's two commands: `make demo` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_ENV := DEBUG=1 DATABASE_URL= REDIS_URL=

.PHONY: install test lint security demo bench bench-scale migrate clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	DEBUG=1 DATABASE_URL=sqlite:///$(CURDIR)/var/lint-check.sqlite3 \
		$(BIN)/python manage.py makemigrations --check --dry-run

# Static security checks (CI runs them): bandit must find nothing of high severity; pip-audit
# reports known vulnerabilities in the pinned set (docs/operations.md: when the advisory
# service is unreachable it can only say so).
security: install
	$(BIN)/bandit -q -r dps providers referrals calloffs contracts monitoring reports invoicing \
		documents notices sufficiency workspace \
		-x '*/migrations/*' --severity-level high --confidence-level medium
	$(BIN)/python bin/pip_audit_check.py

migrate: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput

# Embedded defaults: SQLite and kombu's filesystem broker; web, worker and beat together.
demo: install
	mkdir -p var
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	$(DEMO_ENV) $(BIN)/python manage.py rundemo

bench: install
	$(BIN)/python bench/admission.py
	$(BIN)/python bench/calloffs.py

# Regional scale (200,000 placements, 2,000 providers): needs DATABASE_URL=postgres://… naming a
# database it may fill (bench/README.md).
bench-scale: install
	$(BIN)/python bench/placements.py --seed-if-empty
	$(BIN)/python bench/monitoring.py --seed-if-empty
	$(BIN)/python bench/spend.py --seed-if-empty
	$(BIN)/python bench/dashboard.py

clean:
	rm -rf $(VENV) var
