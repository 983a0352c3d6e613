"""データ取込 / データ出力: the import upload and its preview, as background jobs (jobs app).

The import screen uploads the file and starts a check job; its job page shows the progress,
then the preview (counts, the detected encoding with a way to override it, bad rows a page
at a time, the first rows as read) and the button that starts the writing job.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobs import services as job_services
from jobs.admin import JobAdmin
from jobs.models import Job

from . import permissions
from .columns import TARGETS
from .forms import ImportForm, RecheckForm
from .models import IMPORT_KINDS, ImportJob


def job_url(job) -> str:
    return reverse("admin:jobs_job_change", args=[job.pk])


@admin.register(ImportJob)
class ImportJobAdmin(JobAdmin):
    list_display = ["title", "input_name", "state", "created_at", "finished_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind__in=IMPORT_KINDS)

    def has_module_permission(self, request):
        return super().has_module_permission(request) and bool(permissions.importable_targets(request.user))

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/recheck/", wrap(require_POST(self.recheck_view)), name="dataio_importjob_recheck"),
            path("<int:pk>/write/", wrap(require_POST(self.write_view)), name="dataio_importjob_write"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect(reverse("admin:jobs_job_change", args=[object_id]))

    def add_view(self, request, form_url="", extra_context=None):
        targets = permissions.importable_targets(request.user)
        if not targets:
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None, targets=targets)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            target = form.cleaned_data["target"]
            job = job_services.start_job(
                kind="import_check", owner=request.user,
                title=_("Import check: %(what)s") % {"what": TARGETS[target].title},
                params={"target": target, "encoding": form.cleaned_data["encoding"]},
                input_file=upload, input_name=upload.name[:255],
            )
            return redirect(job_url(job))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import a file"),
            "opts": self.model._meta,
            "form": form,
            "formats": {key: [c.label for c in TARGETS[key].columns(request.user)] for key in targets},
        }
        return TemplateResponse(request, "dataio/import_form.html", context)

    def _own_import(self, request, pk) -> Job:
        if not self.has_module_permission(request):
            raise PermissionDenied
        job = job_services.visible_jobs(request.user).filter(pk=pk, kind__in=IMPORT_KINDS).first()
        if job is None:
            raise PermissionDenied
        if job.params.get("target") not in permissions.importable_targets(request.user):
            raise PermissionDenied
        return job

    def recheck_view(self, request, pk):
        """The same file, checked again with the encoding the user chose."""
        job = self._own_import(request, pk)
        form = RecheckForm(request.POST)
        if not form.is_valid() or not job.finished:
            return redirect(job_url(job))
        new = job_services.start_job(
            kind="import_check", owner=request.user, title=job.title, input_name=job.input_name,
            params={**job.params, "encoding": form.cleaned_data["encoding"]}, follows=job,
        )
        new.input_file.name = job.input_file.name
        new.save(update_fields=["input_file"])
        return redirect(job_url(new))

    def write_view(self, request, pk):
        job = self._own_import(request, pk)
        result = job.result
        if job.kind != "import_check" or job.state != Job.State.SUCCEEDED or result.get("bad_rows") \
                or not result.get("rows"):
            messages.error(request, _("Only a checked file without problems can be imported."))
            return redirect(job_url(job))
        new = job_services.start_job(
            kind="import_write", owner=request.user, input_name=job.input_name, follows=job,
            title=_("Import: %(what)s") % {"what": TARGETS[job.params["target"]].title},
            params={**job.params, "encoding": result.get("encoding") if result.get("encoding") != "xlsx" else ""},
            total=result.get("rows"),
        )
        new.input_file.name = job.input_file.name
        new.save(update_fields=["input_file"])
        return redirect(job_url(new))
