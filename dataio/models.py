"""データ取込 and データ出力 as screens of their own: background jobs (jobs.Job) of those kinds."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jobs.models import Job

IMPORT_KINDS = ("import_check", "import_write")
EXPORT_KINDS = ("export",)
DUPLICATE_KINDS = ("find_duplicates",)


class ImportJob(Job):
    class Meta:
        proxy = True
        verbose_name = _("Data import job")
        verbose_name_plural = _("Data imports")


class ExportJob(Job):
    class Meta:
        proxy = True
        verbose_name = _("Data export job")
        verbose_name_plural = _("Data exports")


class DuplicateGroup(models.Model):
    """One group of probable duplicates found by a 名寄せ job (dataio.duplicates)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="duplicate_groups")
    position = models.PositiveIntegerField(_("Order"))
    customer_ids = models.JSONField(_("Customers"))
    reasons = models.JSONField(_("Matched by"), default=list)
    size = models.PositiveIntegerField(_("Customers"))

    class Meta:
        verbose_name = _("Duplicate group")
        verbose_name_plural = _("Duplicates (名寄せ)")
        ordering = ["job", "position"]
        indexes = [models.Index(fields=["job", "position"], name="dupgroup_job_position")]

    def __str__(self):
        return f"#{self.position + 1}"


class MergeRecord(models.Model):
    """A merge of customers into one, with everything needed to undo it exactly."""

    at = models.DateTimeField(_("Merged at"), auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Merged by"), null=True,
                             on_delete=models.SET_NULL, related_name="+")
    survivor = models.ForeignKey("crm.Customer", verbose_name=_("Kept customer"), null=True,
                                 on_delete=models.SET_NULL, related_name="+")
    survivor_code = models.CharField(_("Customer code"), max_length=20)
    survivor_before = models.JSONField(_("Kept customer before the merge"))
    merged = models.JSONField(_("Merged customers"))  # their rows as they were, to re-create them
    moved = models.JSONField(_("Moved records"))  # {"app.Model": [[id, former customer id], …]}
    undone_at = models.DateTimeField(_("Undone at"), null=True, blank=True)
    # Whose customers were merged (the kept one's and every merged one's branch at the time): a
    # record is read only by those who see all of them (R2, crm.permissions.visible_branch_ids).
    branches = models.ManyToManyField("crm.Branch", verbose_name=_("Branches"), related_name="+", blank=True)

    class Meta:
        verbose_name = _("Merge")
        verbose_name_plural = _("Merges")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.survivor_code} ← {', '.join(m.get('code', '') for m in self.merged)}"


class ImportConfirmation(models.Model):
    """An uploaded file's import, confirmed on its preview: one per upload, so its rows are written
    at most once (issue 22 point 13), whatever a double click, the back button or a second tab send.

    `job` is the writing job in charge. It marks `written` as the first thing inside the transaction
    its rows are written in, on the condition that it is still the job in charge and nothing was
    written: committed with the rows, rolled back with them. While that transaction runs, the row
    stays locked, which tells a confirmation of the same file that the write is alive.
    """

    upload = models.OneToOneField(Job, verbose_name=_("Checked file"), on_delete=models.CASCADE,
                                  related_name="import_confirmation")  # the check job the file came with
    job = models.ForeignKey(Job, verbose_name=_("Import job"), on_delete=models.CASCADE, related_name="+")
    written = models.BooleanField(_("Written"), default=False)
    confirmed_at = models.DateTimeField(_("Confirmed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Import confirmation")
        verbose_name_plural = _("Import confirmations")

    def __str__(self):
        return f"{self.upload_id} → {self.job_id}"
