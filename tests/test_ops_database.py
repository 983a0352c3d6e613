"""Issue 24 point 4: PostgreSQL going away during traffic. The app server (gunicorn) and the worker run as
processes of their own on a scratch database; the outage is made by refusing new connections to that
database and terminating those it has (pg_terminate_backend), as a restart does to them."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from tests.helpers import scratch_sql
from tests.test_ops_jobs import ROOT, scratch, start_worker, wait_for  # noqa: F401  (scratch: a fixture)

pytestmark = pytest.mark.skipif(not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
                                reason="a database server to restart: PostgreSQL only")


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except urllib.error.URLError:  # not listening yet
        return 0, ""


def outage(admin_url: str, name: str, *, on: bool) -> None:
    scratch_sql(admin_url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if on else "true"}')
    if on:
        scratch_sql(admin_url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = ? AND pid <> pg_backend_pid()", (name,))


def test_i24_4_database_outage_answers_503_in_japanese_then_200_without_restart(scratch, tmp_path):
    url, env = scratch
    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    port = 18000 + os.getpid() % 1000
    env = {**env, "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}
    with open(tmp_path / "servers.log", "w") as log:
        web = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "--bind",
                                f"127.0.0.1:{port}", "--worker-class", "gthread", "--workers", "1", "--threads", "2"],
                               env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        worker = start_worker(env, log)
        try:
            health = f"http://127.0.0.1:{port}/healthz"
            login = f"http://127.0.0.1:{port}/admin/login/"
            # given a server that answers, its connection kept (CONN_MAX_AGE)
            assert wait_for(lambda: get(health)[0] == 200 if web.poll() is None else True, timeout=60, every=0.3)
            assert get(health) == (200, "ok")
            # when the database goes away
            outage(admin_url, name, on=True)
            try:
                for _ in range(3):
                    status, body = get(health)
                    # then each request inside the outage that needs the database gets the Japanese 503 page
                    assert status == 503, body[:500]
                    assert "データベースが応答していません" in body and "何も保存されていません" in body
                assert get(login)[0] == 200  # a page without the database is served all along
            finally:
                outage(admin_url, name, on=False)
            # and once it is back, the same processes serve again: no restart
            assert get(health) == (200, "ok")
            assert get(login)[0] == 200
            time.sleep(2)  # the worker meets the dead connection on its next poll and reconnects
            out = subprocess.run([sys.executable, "-m", "tests.processes", "imports", "20", "1"], env=env, cwd=ROOT,
                                 check=True, timeout=300, capture_output=True, text=True).stdout
            job_id = json.loads(out.strip().splitlines()[-1])[0]
            state = f"SELECT state FROM jobs_job WHERE id = {job_id}"
            assert wait_for(lambda: scratch_sql(url, state)[0][0] == "succeeded", timeout=60, every=0.3)
            assert web.poll() is None and worker.poll() is None
            assert not scratch_sql(url, "SELECT id FROM jobs_job WHERE state = 'running'")
        finally:
            for process in (web, worker):
                process.send_signal(signal.SIGTERM)
            for process in (web, worker):
                process.wait(timeout=60)
    # (whether the worker logged 「reconnecting」 depends on whether it polled inside the outage or its
    # connection's health check replaced the dead one first: either way the same worker ran the job)
