"""The one task the worker runs: a Job, by its kind's registered function (jobs.registry).

`python manage.py jobs_worker` (django-tasks-db's worker, kept alive through database restarts,
jobs/management/commands/jobs_worker.py) picks these up; `make run` starts one beside the web
server. A job's own writes are in one transaction, so a cancel (JobCancelled) or a crash of the
worker leaves the database as it was. While it runs, the job's lease is renewed (jobs.lease): a job
whose worker died is taken back and run again, or marked failed.
"""

import contextlib
import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.tasks import task
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext as _

from fieldconfig import lookup

from . import access, lease, registry
from .models import Job
from .progress import JobCancelled, Reporter, cancel_requested

logger = logging.getLogger(__name__)


class JobFailed(Exception):
    """A job that cannot finish, with a message for its owner (in their language)."""


@task()
def run_job(job_id: int) -> str:
    language = Job.objects.filter(pk=job_id).values_list("params__language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE), lookup.one_snapshot():
        return execute(job_id)


def execute(job_id: int) -> str:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != Job.State.QUEUED:
            return job.state if job else "missing"
        if cancel_requested(job):
            job.state = Job.State.CANCELLED
            job.finished_at = timezone.now()
            job.save(update_fields=["state", "finished_at"])
            return job.state
        # The owner's role and account as they are now, not as they were when the job was asked for
        # (branches: the kind rebuilds its rows as the owner sees them now).
        refusal = access.owner_refusal(job)
        if refusal is not None:
            job.state, job.message, job.finished_at = Job.State.FAILED, refusal.message, timezone.now()
            job.save(update_fields=["state", "message", "finished_at"])
            access.record_refusal(job, refusal)
            return job.state
        job.state, job.started_at = Job.State.RUNNING, timezone.now()
        job.worker, job.lease_expires_at, job.attempts = lease.worker_id(), lease.expiry(), job.attempts + 1
        job.save(update_fields=["state", "started_at", "worker", "lease_expires_at", "attempts"])
    # Inside a caller's transaction (the tests' run of the worker) no other connection sees the row.
    heartbeat = lease.Heartbeat(job.pk) if not connection.in_atomic_block else contextlib.nullcontext()
    with heartbeat:
        reporter = Reporter(job, total=job.total, lost=getattr(heartbeat, "lost", None))
        try:
            registry.get(job.kind).run(job, reporter)
            job.state = Job.State.SUCCEEDED
        except lease.LeaseLost:
            # Taken back after the lease ran out (this worker was stalled): another run owns it now.
            logger.warning("job %s: lease lost, its writes rolled back", job_id)
            return "lease lost"
        except (OperationalError, InterfaceError):
            # The database went away (a restart, a dropped connection): the job's transaction is gone with
            # it. Not the job's fault: the worker reconnects and the reaper runs the job again.
            raise
        except JobCancelled:
            job.state, job.message = Job.State.CANCELLED, _("Cancelled. Nothing was changed.")
        except JobFailed as exc:
            job.state, job.message = Job.State.FAILED, str(exc)
        except Exception:
            logger.exception("job %s (%s) failed", job_id, job.kind)
            job.state = Job.State.FAILED
            job.message = _("The job stopped because of an error. Nothing was changed.")
        reporter.finish()
        job.done, job.finished_at, job.lease_expires_at = reporter.done, timezone.now(), None
        with transaction.atomic():
            # Only while this worker still holds it: a job taken back meanwhile is another run's now.
            if not lease.renew(job.pk):
                return "lease lost"
            job.save()
    return job.state
