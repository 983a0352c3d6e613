"""A background job as its owner sees it: what it does, how far it got, what it left behind.

The worker runs it as a task of Django's Tasks framework (jobs.tasks); this row is the
user-facing record. Live progress while a job runs is in jobs.progress, not here: on SQLite
a job that writes holds the database's only write lock until it commits.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def job_input_path(job, filename: str) -> str:
    return f"jobs/in/{job.owner_id}/{filename}"


def job_output_path(job, filename: str) -> str:
    return f"jobs/out/{job.owner_id}/{filename}"


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    FINISHED = (State.SUCCEEDED, State.FAILED, State.CANCELLED)

    kind = models.CharField(_("Kind"), max_length=40, db_index=True)
    title = models.CharField(_("Title"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Requested by"), on_delete=models.CASCADE,
                              related_name="jobs")
    state = models.CharField(_("State"), max_length=10, choices=State.choices, default=State.QUEUED, db_index=True)
    params = models.JSONField(_("Parameters"), default=dict, blank=True)
    input_file = models.FileField(_("Input file"), upload_to=job_input_path, max_length=300, blank=True)
    input_name = models.CharField(_("File name"), max_length=255, blank=True)
    result_file = models.FileField(_("Result file"), upload_to=job_output_path, max_length=300, blank=True)
    result_name = models.CharField(_("Download name"), max_length=255, blank=True)
    result = models.JSONField(_("Result"), default=dict, blank=True)
    # The branches whose customers the result file holds, recorded when it is made: its download
    # is refused once the owner no longer sees one of them (jobs.access.owner_refusal).
    result_branch_ids = models.JSONField(_("Branches of the result"), null=True, blank=True)
    total = models.PositiveIntegerField(_("Total"), null=True, blank=True)
    done = models.PositiveIntegerField(_("Done"), default=0)
    message = models.TextField(_("Message"), blank=True)
    follows = models.ForeignKey("self", verbose_name=_("Follows"), null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    # The lease of a running job (jobs.lease): the worker running it and until when it holds it.
    worker = models.CharField(_("Worker"), max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(_("Lease expires at"), null=True, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("Attempts"), default=0)
    created_at = models.DateTimeField(_("Requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("Started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Background job")
        verbose_name_plural = _("Background jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED


class JobProblem(models.Model):
    """One problem a job found (an import's bad row, an export's unencodable value), shown a page at a time."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="problems")
    row = models.PositiveIntegerField(_("Row"), null=True, blank=True)
    column = models.CharField(_("Column"), max_length=200, blank=True)
    value = models.CharField(_("Value"), max_length=200, blank=True)
    message = models.CharField(_("Reason"), max_length=500)

    class Meta:
        verbose_name = _("Problem")
        verbose_name_plural = _("Problems")
        ordering = ["job", "row", "id"]
        indexes = [models.Index(fields=["job", "row", "id"], name="jobproblem_job_row")]
