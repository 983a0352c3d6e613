"""Live progress and cancel requests of running jobs, shared between the worker and the web.

Kept in a cache of its own (settings.CACHES["jobs"]), not in the Job row: a job that writes
holds SQLite's single write lock for its whole transaction, and on PostgreSQL its own updates
stay invisible until it commits. The default cache is a folder (one machine); a deployment
with web and workers on several machines points "jobs" at Redis or Memcached.
"""

from __future__ import annotations

import time

from django.core.cache import caches

from .lease import LeaseLost, hold

REPORT_EVERY_SECONDS = 0.5
KEEP_SECONDS = 7 * 24 * 3600


class JobCancelled(Exception):
    """Raised inside a job when its owner asked to cancel; the job's transaction rolls back."""


def _cache():
    return caches["jobs"]


def _key(job, what: str) -> str:
    # The request time too: a database restored from a backup reuses job ids.
    return f"job:{job.pk}:{job.created_at.timestamp():.6f}:{what}"


def read(job) -> dict:
    return _cache().get(_key(job, "progress")) or {}


def request_cancel(job) -> None:
    _cache().set(_key(job, "cancel"), True, KEEP_SECONDS)


def cancel_requested(job) -> bool:
    return bool(_cache().get(_key(job, "cancel")))


class Reporter:
    """What a running job calls as it goes: `advance(n)`, and `check()` between chunks."""

    def __init__(self, job, *, total: int | None = None, phase: str = "", lost=None):
        self.job = job
        self.lost = lost  # set by the job's heartbeat when the job was taken back (jobs.lease)
        self.total = total
        self.done = 0
        self.phase = phase
        self._last = 0.0
        self._write(force=True)

    def start_phase(self, phase: str, *, total: int | None) -> None:
        self.phase, self.total, self.done = phase, total, 0
        self._write(force=True)

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._write()

    def check(self) -> None:
        if self.lost is not None and self.lost.is_set():

            raise LeaseLost
        if cancel_requested(self.job):
            raise JobCancelled

    def hold(self) -> None:
        """Last thing inside a job's write transaction: the job is still this worker's until the commit
        (jobs.lease.hold), or LeaseLost rolls the writes back."""

        hold(self.job)

    def finish(self) -> None:
        self._write(force=True)

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < REPORT_EVERY_SECONDS:
            return
        self._last = now
        _cache().set(_key(self.job, "progress"),
                     {"done": self.done, "total": self.total, "phase": self.phase, "at": time.time()}, KEEP_SECONDS)
