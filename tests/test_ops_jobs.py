"""Issue 24 point 2: jobs survive their worker, and the worker survives the database.

The worker runs as a process of its own on a scratch database (a file for SQLite, a database of its
own on PostgreSQL) and is killed with SIGKILL in the middle of imports; a short lease (3 s) stands in
for the production 30 s.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import scratch_sql

ROOT = Path(__file__).resolve().parent.parent
ROWS = 3000
TRIALS = 5


@pytest.fixture
def scratch(tmp_path, shared_database):
    env = {**os.environ, "DATABASE_URL": shared_database, "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "MEDIA_ROOT": str(tmp_path / "media"), "JOBS_PROGRESS_DIR": str(tmp_path / "progress"),
           "JOBS_LEASE_SECONDS": "3", "TASK_STALE_SECONDS": "5", "PYTHONPATH": str(ROOT)}
    return shared_database, env


def start_worker(env, log):
    return subprocess.Popen([sys.executable, "manage.py", "jobs_worker", "--no-startup-delay", "--interval", "0.2"],
                            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def wait_for(condition, timeout: float, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    return condition()


def test_i24_2_worker_killed_mid_import_leaves_nothing_half_written_and_job_is_taken_back(scratch, tmp_path):
    url, env = scratch
    out = subprocess.run([sys.executable, "-m", "tests.processes", "imports", str(ROWS), str(TRIALS)], env=env,
                         cwd=ROOT, check=True, timeout=300, capture_output=True, text=True).stdout
    job_ids = json.loads(out.strip().splitlines()[-1])
    running = f"SELECT id FROM jobs_job WHERE state = 'running' AND id IN ({','.join(map(str, job_ids))})"
    killed_mid_job = 0
    with open(tmp_path / "worker.log", "w") as log:
        for _ in range(TRIALS):
            # given a worker in the middle of an import
            worker = start_worker(env, log)
            if not wait_for(lambda: scratch_sql(url, running), timeout=60):
                worker.kill()
                worker.wait()
                break  # every job is done: nothing left to kill
            time.sleep(random.uniform(0, 1.0))
            # when it is killed at once
            killed_mid_job += bool(scratch_sql(url, running))
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
            # then no import is half-written
            for trial in range(TRIALS):
                count = scratch_sql(url, "SELECT count(*) FROM crm_customer WHERE last_name = ?", (f"試験{trial}",))
                assert count[0][0] in (0, ROWS)
        assert killed_mid_job >= 1
        # and a new worker takes back each dead worker's job (run again, or failed) within 60 s
        worker = start_worker(env, log)
        try:
            unfinished = f"SELECT id FROM jobs_job WHERE state IN ('queued', 'running') AND id IN ({','.join(map(str, job_ids))})"
            assert wait_for(lambda: not scratch_sql(url, unfinished), timeout=60, every=0.5), \
                (tmp_path / "worker.log").read_text()[-3000:]
            # and no task is left shown running by the dead workers (a job's row when it is taken back,
            # the periodic run's once it has run longer than TASK_STALE_SECONDS)
            assert wait_for(lambda: not scratch_sql(
                url, "SELECT id FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"),
                timeout=60, every=0.5)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
    states = dict(scratch_sql(url, f"SELECT id, state FROM jobs_job WHERE id IN ({','.join(map(str, job_ids))})"))
    for trial, job_id in enumerate(job_ids):
        count = scratch_sql(url, "SELECT count(*) FROM crm_customer WHERE last_name = ?", (f"試験{trial}",))[0][0]
        assert (states[job_id], count) in (("succeeded", ROWS), ("failed", 0)), (trial, states[job_id], count)
    duplicates = scratch_sql(url, "SELECT last_name, first_name FROM crm_customer GROUP BY last_name, first_name "
                                  "HAVING count(*) > 1")
    assert duplicates == []


def test_i24_2_supervisor_restarts_a_dead_process_and_the_other_keeps_running(tmp_path):
    # given `make run`'s supervisor with a web server and a worker (stand-ins that just wait)
    sleeper = f"{sys.executable} -c 'import time; time.sleep(600)'"
    supervisor = subprocess.Popen([sys.executable, str(ROOT / "tools/supervise.py"), f"web={sleeper}",
                                   f"worker={sleeper}"], stdout=subprocess.PIPE, text=True)
    started = {"web": [], "worker": []}

    def read_until(done):
        for line in supervisor.stdout:
            if ": started (pid " in line:
                who, pid = line.split("supervise: ")[1].split(": started (pid ")
                started[who].append(int(pid.rstrip(")\n")))
            if done():
                return

    try:
        read_until(lambda: started["web"] and started["worker"])
        # when the worker is killed
        os.kill(started["worker"][0], signal.SIGKILL)
        read_until(lambda: len(started["worker"]) == 2)
        # then it is started again, and the web server was never touched
        assert started["worker"][1] != started["worker"][0]
        os.kill(started["web"][0], 0)  # still alive
        assert len(started["web"]) == 1
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(timeout=60)
    # and stopping the supervisor stops both
    for pid in (started["web"][0], started["worker"][-1]):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


# --- the lease rules, in-process ------------------------------------------------------------------

@pytest.fixture
def running_job(db, admin_user):
    import datetime

    from django.utils import timezone

    from jobs.models import Job

    def make(*, attempts=1, expired=True):
        return Job.objects.create(
            kind="export", owner=admin_user, title="t", state=Job.State.RUNNING, worker="elsewhere:1:dead",
            attempts=attempts, started_at=timezone.now(),
            lease_expires_at=timezone.now() + datetime.timedelta(seconds=-5 if expired else 30))

    return make


def test_i24_2_reaper_queues_a_dead_workers_job_again_then_fails_it(running_job, settings):
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from jobs import lease, reaper
    from jobs.models import Job

    settings.JOBS_MAX_ATTEMPTS = 2
    # given a job whose worker stopped renewing its lease, and one whose worker is alive
    dead, alive = running_job(attempts=1), running_job(expired=False)
    # when the reaper looks
    assert reaper.reap() == 1
    # then the dead worker's job waits for a worker again, with a task to run it; the live one is untouched
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.state, dead.worker, dead.lease_expires_at) == (Job.State.QUEUED, "", None)
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY, args_kwargs__args=[dead.pk]).exists()
    assert alive.state == Job.State.RUNNING
    # and a job that has used its attempts is failed, in Japanese
    last = running_job(attempts=2)
    with translation_ja():
        assert reaper.reap() == 1
    last.refresh_from_db()
    assert last.state == Job.State.FAILED and "ワーカーが応答しなくなりました" in last.message


def test_i24_2_a_job_taken_back_cannot_commit_its_writes(running_job):
    from django.db import transaction

    from crm.models import Branch
    from jobs import lease, reaper

    job = running_job(expired=False)  # held by another worker: not this process's
    with pytest.raises(lease.LeaseLost):
        with transaction.atomic():
            Branch.objects.create(code="Z", name="書きかけ")
            lease.hold(job)
    assert not Branch.objects.filter(code="Z").exists()


def translation_ja():
    from django.utils import translation

    return translation.override("ja")
