# chorus — émulateur de Chorus Pro. `make run` prépare tout et sert le portail ; `make test` lance la suite.
SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast test-faults test-browser lint fmt migrate demo worker beat lock clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

.env:
	@scripts/make-dotenv > .env
	@echo "Fichier .env créé (clé secrète générée)."

migrate: $(STAMP) .env
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

# DEBUG off unless `make run DEBUG=1` (whatever .env says): debug pages show tracebacks and the
# URL map to anyone who can reach the port. Static files come from WhiteNoise in both modes.
# runserver speaks plain http: session and CSRF cookies cannot carry the Secure flag.
# Links in e-mails point where this server answers (an exported CHORUS_SITE_URL wins).
SITE_HOST := $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST))
DEBUG ?=
run: demo
	DJANGO_DEBUG=$(if $(filter 1 true yes,$(DEBUG)),true,false) \
	DJANGO_SECURE_COOKIES=$${DJANGO_SECURE_COOKIES:-false} \
	CHORUS_SITE_URL="$${CHORUS_SITE_URL:-http://$(SITE_HOST):$(PORT)}" \
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: $(STAMP) .env
	$(VENV)/bin/celery -A chorus worker -l info

beat: $(STAMP) .env
	$(VENV)/bin/celery -A chorus beat -l info

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run --settings=chorus.settings.test
	$(PY) -m pytest $(PYTEST_ARGS)

# Fault injection (R1–R9): own PostgreSQL database, own redis-server, real Celery workers.
# FAULTS_SCALE=0.25 shrinks every count (default 1: 2,000 deposits for R1 and R2).
test-faults: $(STAMP)
	CHORUS_FAULTS=1 $(PY) -m pytest tests/reliability -m faults -s -p no:cacheprovider $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

fmt: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

lock:
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.12 -o requirements.lock

# Performance against the machine's own limits (docs/benchmarks.md). Needs PostgreSQL on
# 127.0.0.1:5432 (user postgres), redis-server and wrk; creates and drops its own database.
.PHONY: bench bench-short
bench: $(STAMP)
	$(PY) -m bench

# CI: 10 k invoices, a few hundred requests, same code paths, never enforces the targets.
bench-short: $(STAMP)
	$(PY) -m bench --short

clean:
	rm -rf $(VENV) var/media var/mail

# Security gates S8 (bandit on our code, pip-audit on requirements.lock with reviewed ignores in
# scripts/pip-audit-ignore.toml) and S7 (fuzzing of the invoice parsers, atheris when installed).
# S1-S5 are tests in tests/security (part of `make test`).
.PHONY: security fuzz
FUZZ_SECONDS ?= 60
security: $(STAMP)
	$(PY) -m bandit -c pyproject.toml -r . -ll -q
	$(PY) scripts/security-audit

fuzz: $(STAMP)
	$(PY) fuzz/fuzz_formats.py $(FUZZ_SECONDS)
