"""Leases: a running job belongs to the worker that renews it; a job whose lease ran out is taken back.

django-tasks-db marks a task RUNNING when a worker claims it and has no lease, heartbeat or reaper
(django-tasks issue 46, django-tasks-db issue 7): a worker killed mid-job leaves it RUNNING for ever.
The Job row carries the lease instead (docs/decisions/job-leases.md):

- `Heartbeat` (a thread beside the running job, its own connection) pushes `lease_expires_at`
  forward every third of `JOBS_LEASE_SECONDS`.
- `hold(job)` is called by a job that writes, last thing inside its write transaction: it renews
  the lease in that transaction, or raises `LeaseLost` (and the writes roll back) when the job was
  taken back meanwhile. A write is therefore committed only by the worker that still holds the job.
- `jobs.reaper.reap()` (every worker, every few seconds) takes back each RUNNING job whose lease ran out: its
  transaction died with its worker, so nothing of it was written. It runs again (a new task) while it
  has attempts left (`JOBS_MAX_ATTEMPTS`), else it is marked failed. Both are compare-and-set on the
  row: a job whose worker renewed in time is left alone.
"""

from __future__ import annotations

import datetime
import logging
import os
import secrets
import socket
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from .models import Job

logger = logging.getLogger(__name__)

_ID: tuple[int, str] | None = None


class LeaseLost(Exception):
    """This worker no longer holds the job (it was taken back after its lease ran out)."""


def lease_seconds() -> float:
    return float(getattr(settings, "JOBS_LEASE_SECONDS", 30))


def max_attempts() -> int:
    return int(getattr(settings, "JOBS_MAX_ATTEMPTS", 2))


def worker_id() -> str:
    """This process, as a lease holder: host, pid and a random part (pids are reused)."""
    global _ID
    if _ID is None or _ID[0] != os.getpid():
        _ID = (os.getpid(), f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}")
    return _ID[1]


def expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=lease_seconds())


def _mine(job_id: int):
    return Job.objects.filter(pk=job_id, state=Job.State.RUNNING, worker=worker_id())


def renew(job_id: int) -> bool:
    """Push the lease forward. False when the job is no longer this worker's."""
    return _mine(job_id).update(lease_expires_at=expiry()) == 1


def hold(job) -> None:
    """Inside a job's write transaction, just before it commits: the job is still this worker's, and
    stays so until the commit (its lease renewed in the same transaction, its row locked on PostgreSQL).
    Raises LeaseLost otherwise: the transaction rolls back and nothing of this run is written."""
    if not renew(job.pk):
        raise LeaseLost


def expired(job) -> bool:
    """The job shows RUNNING but its worker stopped renewing it (the reaper will take it back)."""
    return (job.state == Job.State.RUNNING and job.lease_expires_at is not None
            and job.lease_expires_at < timezone.now())


class Heartbeat:
    """Renews a running job's lease from a thread until the job ends. `lost` is set when the job was
    taken back (the job stops at its next check); a database that does not answer is tried again."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)  # a beat waiting for a busy database ends by itself

    def _run(self) -> None:
        every = lease_seconds() / 3
        try:
            while not self._stop.wait(every):
                try:
                    if not renew(self.job_id):
                        self.lost.set()
                        return
                except DatabaseError as exc:  # a restart, a dropped connection, SQLite busy: next beat
                    logger.warning("job %s: lease not renewed (%s)", self.job_id, exc)
                    connection.close()
        finally:
            connection.close()


def close_all_connections() -> None:
    for conn in connections.all(initialized_only=True):
        conn.close()
