"""Whether a job's owner may still have it done, and its result: asked when the worker starts a
job (jobs.tasks) and when its file is downloaded or its result shown (jobs.admin).

A role changed, an account switched off or a branch taken away after the job was asked for counts
(R1, R2). The kinds declare what they need (jobs.registry); crm.permissions decides.
"""

from __future__ import annotations

from typing import NamedTuple

from django.utils.translation import gettext as _

from audit import events as audit_events
from crm import permissions

from . import registry
from .models import Job


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
