# Kokyaku: `make run` serves the app, `make test` runs the whole suite. Python >= 3.12.
SHELL := /bin/bash
PYTHON_VERSION := $(shell cat .python-version)
# pyenv's interpreter when there is one, else whatever python3.12+ is on PATH.
PYTHON ?= $(shell p=$$(pyenv prefix $(PYTHON_VERSION) 2>/dev/null) && echo $$p/bin/python3 || command -v python3.13 || command -v python3.12 || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run serve-prod dev test test-browser install bench loadtest messages clean

$(STAMP): requirements.txt requirements-fonts.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "Kokyaku needs Python 3.12 or newer, got " + sys.version' 
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	# The printing font (IPAexGothic, TrueType) from PyPI; --no-deps: the wheel declares matplotlib, which it does not need.
	$(PY) -m pip install --quiet --no-deps -r requirements-fonts.txt
	touch $(STAMP)

install: $(STAMP)

# As an office runs it: DEBUG off, gunicorn, whitenoise, the background worker beside it.
run: export DJANGO_SETTINGS_MODULE = config.settings.office
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py bootstrap_demo --port $(PORT)
	PORT=$(PORT) bash tools/serve.sh

# The production shape on one machine (docs/operations.md): config.settings.prod, configured by the
# environment only (DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, MEDIA_ROOT …);
# WEB_INSTANCES (2) gunicorn instances on PORT, PORT+1, … and JOB_WORKERS (1) workers, supervised.
serve-prod: export DJANGO_SETTINGS_MODULE = config.settings.prod
serve-prod: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput --verbosity 0
	WEB_INSTANCES=$${WEB_INSTANCES:-2} JOB_WORKERS=$${JOB_WORKERS:-1} PORT=$(PORT) bash tools/serve.sh

# For development: Django's runserver (DEBUG on, reloads on change) and the worker.
dev: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py bootstrap_demo --port $(PORT)
	$(PY) manage.py run_scheduled --queue
	$(PY) manage.py jobs_worker & trap "kill $$!" EXIT; $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	bash tests/run_suite.sh $(TEST_ARGS)

test-browser: $(STAMP)
	bash tests/run_suite.sh --browser-only

bench: $(STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

# Many staff at once on the production shape while an import runs (issue 24; docs/performance.md).
# PostgreSQL benchmark database of `make bench` required; locust in its own venv. Not in CI.
LOADTEST_VENV := .venv-loadtest
$(LOADTEST_VENV)/.installed: requirements-loadtest.txt
	test -x $(LOADTEST_VENV)/bin/python || $(PYTHON) -m venv $(LOADTEST_VENV)
	$(LOADTEST_VENV)/bin/pip install --quiet -r requirements-loadtest.txt
	touch $@

loadtest: $(STAMP) $(LOADTEST_VENV)/.installed
	$(PY) -m bench.loadtest $(LOADTEST_ARGS)

# locale/ja/LC_MESSAGES/django.po is the source of the Japanese: after adding strings, run this, fill the
# new empty msgstr entries of the .po (Poedit or any editor), run it again and commit the .po and the .mo.
# Needs GNU gettext (apt-get install gettext); make run and make test do not.
messages: $(STAMP)
	$(PY) manage.py makemessages -l ja --no-obsolete --ignore=.venv --ignore=ui_ja --ignore=tests --ignore=bench --ignore=tools
	cd locale && ../$(PY) ../manage.py compilemessages -l ja

clean:
	rm -rf $(VENV) $(LOADTEST_VENV) db.sqlite3* media var staticfiles
