# The two commands a new user needs:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install run test lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

## run: install, bring the SQLite database to the current schema, load demo data, serve on 127.0.0.1:5000
run: install
	$(BIN)/flask --app bot db upgrade
	$(BIN)/flask --app bot seed-demo
	$(BIN)/flask --app bot run --host $(HOST) --port $(PORT)

## test: install and run the whole suite (SQLite, and MariaDB when it can be reached)
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check bot config miniprogram_api tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
