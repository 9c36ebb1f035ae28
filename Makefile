# Gradient — the two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test lint typecheck imports check-services worker beat clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py sync_content
	$(PY) manage.py create_demo_accounts
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: $(VENV)/.dev
	$(PY) -m ruff check .

typecheck: $(VENV)/.dev
	$(PY) -m mypy grading content adaptive

imports: $(VENV)/.dev
	$(VENV)/bin/lint-imports

test: $(VENV)/.dev lint typecheck imports
	$(PY) -m pytest

worker: $(VENV)/.runtime
	$(VENV)/bin/celery -A config worker -Q grading,default -l info

beat: $(VENV)/.runtime
	$(VENV)/bin/celery -A config beat -l info

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
