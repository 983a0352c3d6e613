"""Writes of data in and out that screens and jobs share: confirming an import (X1).

An uploaded file is written at most once (issue 22 point 13). Its preview may be confirmed any
number of times (a double click, the back button, a second tab, a preview checked again with
another encoding): the first confirmation starts the writing job, and the others are shown that
job. Another job is started only when the earlier one certainly wrote nothing and never will:
it failed or was cancelled (its transaction was rolled back), or its worker died mid-way.
"""

from __future__ import annotations

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs import services as job_services
from jobs.models import Job

from .columns import TARGETS
from .models import ImportConfirmation


def upload_id(preview: Job) -> int:
    """The check job the file was uploaded with (a preview checked again follows it)."""
    return preview.params.get("upload") or preview.pk


def import_confirmation(preview: Job) -> ImportConfirmation | None:
    return ImportConfirmation.objects.select_related("job").filter(upload_id=upload_id(preview)).first()


def import_may_start_again(confirmation: ImportConfirmation) -> bool:
    """The confirmed job wrote nothing and never will: it failed or was cancelled, or it is marked
    running but its transaction is gone (the worker was killed)."""
    if confirmation.written:
        return False
    state = confirmation.job.state
    if state in (Job.State.FAILED, Job.State.CANCELLED):
        return True
    if state != Job.State.RUNNING:
        return False  # queued: the worker will run it; succeeded: it wrote
    if connection.features.has_select_for_update_nowait:
        # The running job holds this row locked from the start of its transaction to its end. Taken
        # here, the lock stays with the caller's transaction: no job claims the row until it ends.
        try:
            with transaction.atomic():
                list(ImportConfirmation.objects.select_for_update(nowait=True).filter(pk=confirmation.pk))
        except DatabaseError:
            return False  # locked: the write is alive
        return True
    # SQLite has no row locks: the job is dead once its worker stopped answering (jobs.services).
    return job_services.job_status(confirmation.job)["state"] == Job.State.FAILED


def import_confirm(*, preview: Job, user) -> tuple[Job, bool]:
    """The writing job of this checked file: (the job, whether this call started it)."""
    confirmation = import_confirmation(preview)
    if confirmation is not None and not import_may_start_again(confirmation):
        return confirmation.job, False  # nothing to write: no write lock taken (SQLite)
    try:
        with transaction.atomic():
            # One confirmation of a file at a time: a second request waits here, then sees the first's job.
            Job.objects.select_for_update().filter(pk=upload_id(preview)).first()
            confirmation = import_confirmation(preview)
            if confirmation is not None and not import_may_start_again(confirmation):
                return confirmation.job, False
            job = _start_write(preview, user)
            if confirmation is None:
                ImportConfirmation.objects.create(upload_id=upload_id(preview), job=job)
            else:
                earlier = confirmation.job
                # The row is this transaction's (locked by import_may_start_again): nothing changes it meanwhile.
                ImportConfirmation.objects.filter(pk=confirmation.pk, written=False).update(job=job)
                # A job marked running whose transaction is gone: its worker died, it wrote nothing.
                Job.objects.filter(pk=earlier.pk, state=Job.State.RUNNING).update(
                    state=Job.State.FAILED, finished_at=timezone.now(),
                    message=_("The worker stopped answering while running this job. Nothing was changed."))
    except IntegrityError:  # confirmed at the same moment elsewhere (the unique upload): that one is the job
        return import_confirmation(preview).job, False
    return job, True


def _start_write(preview: Job, user) -> Job:
    result = preview.result
    job = job_services.start_job(
        kind="import_write", owner=user, input_name=preview.input_name, follows=preview,
        title=_("Import: %(what)s") % {"what": TARGETS[preview.params["target"]].title},
        params={**preview.params, "upload": upload_id(preview),
                "encoding": result.get("encoding") if result.get("encoding") != "xlsx" else ""},
        total=result.get("rows"),
    )
    job.input_file.name = preview.input_file.name
    job.save(update_fields=["input_file"])
    return job


def import_claim(job: Job) -> bool:
    """Called first inside the transaction the job writes its rows in: true when the job may write
    (it is the upload's job in charge, and nothing was written). The row is then locked until the
    transaction ends, and marked written if it commits."""
    return ImportConfirmation.objects.filter(upload_id=job.params.get("upload"), job=job, written=False) \
        .update(written=True) == 1


def import_written_by(job: Job) -> bool:
    """This job's file was written by this very job: an earlier run of it committed, and its worker died
    before it could record that (the job was then taken back and run again, jobs.lease)."""
    return ImportConfirmation.objects.filter(upload_id=job.params.get("upload"), job=job, written=True).exists()
