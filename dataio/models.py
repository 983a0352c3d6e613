"""データ取込 and データ出力 as screens of their own: background jobs (jobs.Job) of those kinds."""

from django.utils.translation import gettext_lazy as _

from jobs.models import Job

IMPORT_KINDS = ("import_check", "import_write")
EXPORT_KINDS = ("export",)


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
