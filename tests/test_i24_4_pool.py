"""Issue 24, point 4: psycopg's connection pool by setting. DB_POOL_MAX_SIZE=N builds a pooled PostgreSQL
connection (at most N per process, health-checked, not also persistent); unset, or on SQLite, nothing is
pooled. On PostgreSQL (DATABASE_URL), the settings are built in a fresh process as a server would build
them, threads share the pool, and a gunicorn gthread server answers through it."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="pooling is PostgreSQL's")

SETTINGS = """
import json, django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({"pool": db.get("OPTIONS", {}).get("pool"), "max_age": db["CONN_MAX_AGE"],
                  "checks": db["CONN_HEALTH_CHECKS"], "engine": db["ENGINE"]}))
"""

THREADS = """
import json, threading, django
django.setup()
from django.db import connection, connections
pids, lock = [], threading.Lock()
def work():
    for _ in range(5):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            with lock:
                pids.append(cursor.fetchone()[0])
        connection.close()  # back to the pool, as Django does at the end of each request
threads = [threading.Thread(target=work) for _ in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
pool = connection.pool
print(json.dumps({"pooled": pool is not None, "max_size": pool.max_size, "pids": len(set(pids)),
                  "queries": len(pids), "opened": pool.get_stats().get("connections_num", 0)}))
"""


def environment(**values) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **values}
    for name, value in values.items():
        if value is None:
            env.pop(name)
    return env


def run(script: str, **values) -> dict:
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment(**values), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_i24_4_no_pool_unless_asked_and_never_on_sqlite():
    built = run(SETTINGS, DB_POOL_MAX_SIZE=None, DB_CONN_MAX_AGE=None, DATABASE_URL="postgres://postgres@127.0.0.1:5432/kokyaku")
    assert built["pool"] is None and built["checks"] is True and built["max_age"] == 60
    built = run(SETTINGS, DB_POOL_MAX_SIZE="4", DATABASE_URL="sqlite:///" + str(ROOT / "unused.sqlite3"))
    assert built["pool"] is None and built["engine"].endswith("sqlite3")


def test_i24_4_the_setting_builds_a_health_checked_pool_that_is_not_persistent():
    built = run(SETTINGS, DB_POOL_MAX_SIZE="4", DB_POOL_MIN_SIZE="2",
                DATABASE_URL="postgres://postgres@127.0.0.1:5432/kokyaku")
    assert built["pool"] == {"min_size": 2, "max_size": 4, "timeout": 5.0, "name": "kokyaku"}
    assert built["max_age"] == 0 and built["checks"] is True  # checked on checkout (check_connection)


def database_url() -> str:
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    auth = f"{user}:{settings['PASSWORD']}" if settings["PASSWORD"] else user
    return f"postgres://{auth}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


@postgresql_only
def test_i24_4_threads_share_the_pool_on_postgresql(db):
    used = run(THREADS, DB_POOL_MAX_SIZE="2", DB_POOL_MIN_SIZE="1", DATABASE_URL=database_url())
    assert used["pooled"] and used["max_size"] == 2 and used["queries"] == 20
    assert used["pids"] <= 2  # 4 threads, 20 queries, at most 2 server connections


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@postgresql_only
def test_i24_4_gunicorn_gthread_answers_through_the_pool_on_postgresql(db):
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread",
         "--workers", "1", "--threads", "4"],
        cwd=ROOT, env=environment(DB_POOL_MAX_SIZE="2", DATABASE_URL=database_url()),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
                time.sleep(0.3)

        def fetch(_):
            with urllib.request.urlopen(url, timeout=20) as response:
                return response.status

        with ThreadPoolExecutor(8) as executor:
            statuses = list(executor.map(fetch, range(24)))
        assert statuses == [200] * 24  # 4 threads, 2 connections: they wait their turn, none refused
    finally:
        server.terminate()
        server.wait(timeout=30)
