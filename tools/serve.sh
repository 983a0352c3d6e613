#!/usr/bin/env bash
# `make run`: the background worker and the web server (gunicorn) together; Ctrl-C stops both.
set -uo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
.venv/bin/python manage.py db_worker --no-reload &
WORKER=$!
stop() { kill "$WORKER" 2>/dev/null; wait "$WORKER" 2>/dev/null; }
trap stop EXIT INT TERM
# gthread: several requests at once; long streamed exports are not cut off by the worker timeout.
.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:${PORT}" --worker-class gthread \
  --workers "${WEB_WORKERS:-2}" --threads 4 --timeout 600 --access-logfile - --error-logfile -
