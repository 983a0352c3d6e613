"""Starting, reading and cancelling jobs. Views, commands and other apps call these."""

from __future__ import annotations

import time
from typing import NamedTuple

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext as _

from audit import events as audit_events
from crm import permissions

from . import progress, registry
from .models import Job

# A running job whose worker has not reported for this long has died (killed, machine down):
# its transaction was rolled back by the database.
STALE_AFTER_SECONDS = 300


def visible_jobs(user):
    """The jobs a user may open: their own. A job's result (an export file, an import's rows)
    is its owner's, whatever the viewer's role."""
    if user is None or not user.is_authenticated:
        return Job.objects.none()
    return Job.objects.filter(owner=user)


class Refusal(NamedTuple):
    code: str  # crm.permissions.LOST_*
    message: str  # for the owner, in the active language, saying why


def owner_refusal(job: Job, *, user=None, result: bool = False) -> Refusal | None:
    """The one check of a job's owner, asked when the worker starts the job and when its result
    (its file, the job page's result part) is fetched: the owner (`user`, default the job's) is still
    active, still holds what the kind needs, and, for a `result`, still sees every branch whose
    customers it holds (R1, R2). None when they may; else why not."""
    kind = registry.KINDS.get(job.kind)
    owner = job.owner if user is None else user
    code = permissions.lost_access(owner, needs=kind.needs if kind else (), branch_ids=job.result_branch_ids,
                                   rows_held=result)
    if code is None:
        return None
    action = str(kind.action) if kind and kind.action else _("this job")
    if code == permissions.LOST_ACCOUNT:
        message = _("The account that asked for this job is no longer active, so it was not run.")
    elif code == permissions.LOST_PERMISSION and result:
        message = _("You no longer have the permission to %(action)s, so this file cannot be downloaded.") % {
            "action": action}
    elif code == permissions.LOST_PERMISSION:
        message = _("You no longer have the permission to %(action)s, so this job was not run.") % {"action": action}
    elif code == permissions.LOST_BRANCHES:
        message = _("This file holds customers of a branch you may no longer see, so it cannot be downloaded.")
    else:
        message = _("This file does not record which branches' customers it holds, so only someone who sees "
                    "every branch may download it. Make it again.")
    return Refusal(code, message)


def record_refusal(job: Job, refusal: Refusal, *, request=None) -> None:
    """The refused start or download in the audit log (R4), with the reason's code."""
    detail = {"job": job.pk, "kind": job.kind, "reason": refusal.code}
    if request is not None:
        detail["path"] = request.get_full_path()[:500]
    audit_events.record(audit_events.Action.DENIED, request=request, user=None if request else job.owner,
                        target=job, detail=detail)


def start_job(*, kind: str, owner, title: str, params: dict | None = None, input_file: File | None = None,
              input_name: str = "", total: int | None = None, follows: Job | None = None) -> Job:
    """Record a job and queue it for the worker, both in one transaction (no job without its task)."""
    from .tasks import run_job

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
    if state == Job.State.RUNNING and time.time() - live.get("at", job.started_at.timestamp()) > STALE_AFTER_SECONDS:
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
