#!/usr/bin/env bash
# `make run`: the web server (gunicorn) and the background worker, supervised (tools/supervise.py):
# a process that dies is started again while the other keeps going. Ctrl-C or a TERM stops both.
#   PORT (8000)     the first web port      WEB_INSTANCES (1)  gunicorn instances, on PORT, PORT+1, …
#   WEB_WORKERS (2) processes per instance  JOB_WORKERS (1)    background workers
#   BIND_HOST (127.0.0.1)
set -uo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
PY=.venv/bin/python
# Scheduled customer changes (C11): the worker applies the due ones at once and every
# SCHEDULED_CHANGES_INTERVAL_MINUTES (10) after that, re-queuing itself (also each time a worker starts).
"$PY" manage.py run_scheduled --queue
procs=()
for ((i = 0; i < ${WEB_INSTANCES:-1}; i++)); do
  # gthread: several requests at once; long streamed exports are not cut off by the worker timeout.
  procs+=("web$((i + 1))=.venv/bin/gunicorn config.wsgi:application --bind ${BIND_HOST:-127.0.0.1}:$((PORT + i)) \
--worker-class gthread --workers ${WEB_WORKERS:-2} --threads ${WEB_THREADS:-4} --timeout 600 \
--graceful-timeout 30 --access-logfile - --error-logfile -")
done
for ((i = 0; i < ${JOB_WORKERS:-1}; i++)); do
  procs+=("worker$((i + 1))=$PY manage.py jobs_worker --no-startup-delay")
done
exec "$PY" tools/supervise.py "${procs[@]}"
