"""The reaper: every worker, every few seconds, takes back the running jobs whose lease ran out
(jobs.lease). Their transaction died with their worker, so nothing of them was written: each runs
again (a new task) while it has attempts left, else it is marked failed. Both are compare-and-set
on the row: a job whose worker renewed in time is left alone."""

from __future__ import annotations

import datetime
import logging
import time

from django.conf import settings
from django.db import connection, transaction
from django.tasks import TaskResultStatus
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from .lease import LeaseLost, max_attempts
from .models import Job
from .tasks import run_job

logger = logging.getLogger(__name__)


def reap(*, job_ids=None) -> int:
    """Take back the running jobs whose lease ran out, and close the rows of other tasks (the periodic
    run) left running longer than any of them takes. Returns how many jobs were taken back."""
    now = timezone.now()
    _close_stale_task_rows(now)
    stale = Job.objects.filter(state=Job.State.RUNNING, lease_expires_at__lt=now)
    if job_ids is not None:
        stale = stale.filter(pk__in=job_ids)
    taken = 0
    for job in stale.only("pk", "attempts", "worker", "params"):
        if _take_back(job, now):
            taken += 1
    return taken


def _take_back(job, now) -> bool:
    again = job.attempts < max_attempts()
    started = time.monotonic()
    with transaction.atomic():
        if connection.vendor == "sqlite" and time.monotonic() - started > 1:
            # The write lock was long in coming: other workers could not renew their leases either.
            # Look again on the next round rather than take back a job whose worker is alive.
            return False
        # Compare-and-set: still running under the same worker, still out of time.
        rows = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, worker=job.worker, lease_expires_at__lt=now)
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            if again:
                changed = rows.update(state=Job.State.QUEUED, worker="", lease_expires_at=None)
            else:
                changed = rows.update(
                    state=Job.State.FAILED, finished_at=timezone.now(), lease_expires_at=None,
                    message=_("The worker stopped answering while running this job. Nothing was changed."))
        if not changed:
            return False
        _close_task_rows(job.pk)
        if again:
            run_job.enqueue(job.pk)  # in the same transaction: no queued job without its task
    logger.warning("job %s: worker %s stopped; %s", job.pk, job.worker, "queued again" if again else "failed")
    return True


def _close_stale_task_rows(now) -> None:
    """A task that is not a job (the periodic run: 遅延 flags, mail, daily figures) holds no lease: when its
    worker is killed, django-tasks-db's row would show it running for ever. Such a task finishes within
    TASK_STALE_SECONDS (10 minutes by default); a row running longer is closed as failed (the periodic run
    is idempotent and runs again on its next turn)."""
    limit = now - datetime.timedelta(seconds=settings.TASK_STALE_SECONDS)
    stale = (DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=limit)
             .exclude(task_path=run_job.module_path))
    for row in stale:
        row.set_failed(LeaseLost(f"worker {row.worker_ids[-1] if row.worker_ids else '?'} stopped"))
        logger.warning("task %s (%s): worker stopped; closed as failed", row.pk, row.task_path)


def _close_task_rows(job_id: int) -> None:
    """django-tasks-db's row of the dead run: finished as failed, so its own views do not show it running."""
    for row in DBTaskResult.objects.filter(task_path=run_job.module_path, status=TaskResultStatus.RUNNING):
        if row.args_kwargs.get("args") == [job_id]:
            row.set_failed(LeaseLost(f"worker {row.worker_ids[-1] if row.worker_ids else '?'} stopped"))
