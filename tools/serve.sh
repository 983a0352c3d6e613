#!/usr/bin/env bash
# `make run`: the background worker and the web server (gunicorn) together. Ctrl-C, a TERM, or
# either of them ending stops both.
set -uo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
# Scheduled customer changes (C11): the worker applies the due ones at once and every
# SCHEDULED_CHANGES_INTERVAL_MINUTES (10) after that, re-queuing itself; no cron needed.
.venv/bin/python manage.py run_scheduled --queue
.venv/bin/python manage.py db_worker --no-reload &
WORKER=$!
# gthread: several requests at once; long streamed exports are not cut off by the worker timeout.
.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:${PORT}" --worker-class gthread \
  --workers "${WEB_WORKERS:-2}" --threads 4 --timeout 600 --access-logfile - --error-logfile - &
WEB=$!
stop() { trap - INT TERM EXIT; kill "$WEB" "$WORKER" 2>/dev/null; wait 2>/dev/null; }
trap stop INT TERM EXIT
wait -n "$WEB" "$WORKER"
