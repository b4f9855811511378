# The README's two commands: `make demo` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_ENV := DEBUG=1 DATABASE_URL= REDIS_URL=

.PHONY: install test lint demo bench migrate clean

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

clean:
	rm -rf $(VENV) var
