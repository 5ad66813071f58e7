# The two commands a new user needs:  `make run`  and  `make test`.  `make help` lists every target.
# `make check` is everything (what CI runs through .ci/run): `make test`'s tests, the slow ones, lint and types.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
# The app reads the port for its links and its local WeChat stand-in (config/: FLASK_RUN_PORT, PORT).
export PORT
export FLASK_RUN_PORT := $(PORT)

.PHONY: help install run test check mysqlclient check-mysqlclient lint bench corpus-baseline outbox fake-wechat clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

install: $(VENV)/.installed  ## create .venv and install the pinned requirements

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

run: install  ## database to the current schema, demo data, server on http://HOST:PORT (with the local WeChat)
	$(BIN)/flask --app bot db upgrade
	$(BIN)/flask --app bot seed-demo
	$(BIN)/flask --app bot run --host $(HOST) --port $(PORT)

# The fast loop runs on every core (pytest-xdist; tests that share Redis database 15 on one worker: xdist_group),
# fuzzes with a fifth of the examples (ANXIN_FUZZ_EXAMPLES: tests/fuzz/conftest.py) and leaves out the MariaDB half
# of the tests marked mariadb_in_check (ANXIN_TEST_FAST_LOOP: the diary corpus's scoring). make check: one process, all.
TEST_WORKERS ?= auto
test: install  ## the fast loop: every test but the slow ones (benchmarks, deployments, browsers, extra servers), SQLite and MariaDB
	ANXIN_FUZZ_EXAMPLES=$${ANXIN_FUZZ_EXAMPLES:-0.2} ANXIN_TEST_FAST_LOOP=1 \
	  $(BIN)/python -m pytest -m "not slow" -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

check: install  ## everything: lint, types, import rules and every test, the slow ones included (CI runs this)
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	$(MAKE) mysqlclient
	$(BIN)/ruff check bot config miniprogram_api tests bench
	$(BIN)/python -m mypy --strict bot miniprogram_api config tests bench
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(MAKE) check-mysqlclient

# mysqlclient (mysql+mysqldb://), the optional C driver, runs the MariaDB half of the fast tests again. It is built
# against the MariaDB client headers: apt-get install -y pkg-config libmariadb-dev build-essential.
mysqlclient: install  ## install the optional C driver (needs: apt-get install -y pkg-config libmariadb-dev build-essential)
	$(BIN)/python -m pip install --quiet -r requirements-mysqlclient.txt || \
	  { echo "mysqlclient did not build: apt-get install -y pkg-config libmariadb-dev build-essential" >&2; exit 1; }

check-mysqlclient: mysqlclient  ## the MariaDB half of the fast tests on mysqlclient (mysql+mysqldb://)
	ANXIN_TEST_MYSQL_URL='mysql+mysqldb://root@127.0.0.1:3306/?charset=utf8mb4' ANXIN_TEST_BACKENDS=mysql \
	  ANXIN_FUZZ_EXAMPLES=$${ANXIN_FUZZ_EXAMPLES:-0.2} \
	  $(BIN)/python -m pytest -m "not slow" -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: install  ## ruff over the code
	$(BIN)/ruff check bot config miniprogram_api tests bench

bench: install  ## the lookup benchmark (python -m bench.lookup)
	$(BIN)/python -m bench.lookup

corpus-baseline: install  ## record the diary parser's corpus scores (refuses to lower any: tests/diary/corpus/README.md)
	$(BIN)/python -m tests.diary.corpus_score --update-baseline

outbox: install  ## what each person would have received
	$(BIN)/flask --app bot outbox

fake-wechat: install  ## the WeChat API stand-in on its own port (WECHAT_PORT, default 5001)
	$(BIN)/flask --app bot fake-wechat --host $(HOST) --port $(or $(WECHAT_PORT),5001)

clean:  ## remove .venv and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache
