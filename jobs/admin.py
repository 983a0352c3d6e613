"""バックグラウンド処理: each user's own jobs, the job page with its progress bar, cancel and download."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from unfold.admin import ModelAdmin

from crm.admin.base import AuditedAdminMixin

from . import access, registry, services
from .models import Job


@admin.register(Job)
class JobAdmin(AuditedAdminMixin, ModelAdmin):
    list_display = ["title", "state", "created_at", "finished_at"]
    list_filter = ["state"]
    list_display_links = ["title"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request):
        return services.visible_jobs(request.user)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and (obj is None or obj.owner_id == request.user.pk)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        if self.model is not Job:  # the screens of one kind (dataio's) share the job page's URLs
            return super().get_urls()
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/status/", wrap(self.status_view), name="jobs_job_status"),
            path("<int:pk>/cancel/", wrap(require_POST(self.cancel_view)), name="jobs_job_cancel"),
            path("<int:pk>/download/", wrap(self.download_view), name="jobs_job_download"),
        ] + super().get_urls()

    def _job(self, request, pk) -> Job:
        if not self.has_module_permission(request):
            raise PermissionDenied
        job = self.get_queryset(request).filter(pk=pk).first()
        if job is None:
            raise Http404
        return job

    def change_view(self, request, object_id, form_url="", extra_context=None):
        try:
            job = self._job(request, int(object_id))
        except ValueError:
            raise Http404 from None
        return self._page(request, job)

    def _page(self, request, job: Job, *, status: int = 200):
        """The job page. A finished result its owner may no longer have (access.owner_refusal)
        is not shown: the page says why instead."""
        kind = registry.KINDS.get(job.kind)
        refusal = access.owner_refusal(job, user=request.user, result=True) if job.result_file else None
        context = {
            **self.admin_site.each_context(request),
            "title": job.title,
            "opts": self.model._meta,
            "job": job,
            "status": services.job_status(job),
            "result_template": kind.result_template if kind and refusal is None else "",
            "refusal": refusal.message if refusal else "",
        }
        if kind and kind.context and job.finished and refusal is None:
            context.update(kind.context(request, job))
        return TemplateResponse(request, "jobs/job.html", context, status=status)

    def status_view(self, request, pk):
        return JsonResponse(services.job_status(self._job(request, pk)))

    def cancel_view(self, request, pk):
        job = self._job(request, pk)
        services.cancel_job(job)
        return redirect(reverse("admin:jobs_job_change", args=[job.pk]))

    def download_view(self, request, pk):
        job = self._job(request, pk)
        if job.state != Job.State.SUCCEEDED or not job.result_file:
            raise Http404
        refusal = access.owner_refusal(job, user=request.user, result=True)
        if refusal is not None:  # the role or the branches changed since the file was made
            access.record_refusal(job, refusal, request=request)
            return self._page(request, job, status=403)
        return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=job.result_name or None)


# django-tasks-db's own screen of the queue is the stock admin's; the job screens above are what
# users and admins open (the queue holds job ids only).
try:
    from django_tasks_db.models import DBTaskResult

    admin.site.unregister(DBTaskResult)
except (ImportError, admin.exceptions.NotRegistered):
    pass
