"""Starting, reading and cancelling jobs. Views, commands and other apps call these."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import lease, progress
from .models import Job
from .tasks import run_job

# A running job without a lease (started before leases existed) whose worker has not reported for
# this long has died; a job with one is taken back by the reaper once it runs out (jobs.lease).
STALE_AFTER_SECONDS = 300


def visible_jobs(user):
    """The jobs a user may open: their own. A job's result (an export file, an import's rows)
    is its owner's, whatever the viewer's role."""
    if user is None or not user.is_authenticated:
        return Job.objects.none()
    return Job.objects.filter(owner=user)


def start_job(*, kind: str, owner, title: str, params: dict | None = None, input_file: File | None = None,
              input_name: str = "", total: int | None = None, follows: Job | None = None) -> Job:
    """Record a job and queue it for the worker, both in one transaction (no job without its task)."""
    with transaction.atomic():
        # The worker speaks the requester's language (messages, problems, file headers).
        params = {"language": translation.get_language() or settings.LANGUAGE_CODE, **(params or {})}
        job = Job(kind=kind, owner=owner, title=title, params=params, input_name=input_name, total=total,
                  follows=follows)
        if input_file is not None:
            job.input_file.save(input_name or "upload", input_file, save=False)
        job.save()
        run_job.enqueue(job.pk)
    return job


def cancel_job(job: Job) -> None:
    progress.request_cancel(job)
    with transaction.atomic():
        # Not started yet: cancelled at once. Running: the worker stops at its next check.
        Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
            state=Job.State.CANCELLED, finished_at=timezone.now(), message=_("Cancelled. Nothing was changed.")
        )


def job_status(job: Job) -> dict:
    """What the job page shows and polls: state, rows done of total, and whether it looks dead."""
    live = progress.read(job) if job.state == Job.State.RUNNING else {}
    done = live.get("done", job.done)
    total = live.get("total", job.total)
    state = job.state
    message = job.message
    if lease.expired(job):
        message = _("The worker stopped answering. Nothing was changed; the job will be started again or "
                    "marked failed within a minute.")
    elif (state == Job.State.RUNNING and job.lease_expires_at is None
          and time.time() - live.get("at", job.started_at.timestamp()) > STALE_AFTER_SECONDS):
        state = Job.State.FAILED
        message = _("The worker stopped answering while running this job. Nothing was changed.")
    return {
        "id": job.pk,
        "state": state,
        "state_label": Job.State(state).label,
        "finished": state in Job.FINISHED,
        "done": done,
        "total": total,
        "percent": int(100 * done / total) if total else None,
        "phase": live.get("phase", ""),
        "message": message,
        "cancel_requested": progress.cancel_requested(job) and state not in Job.FINISHED,
    }
