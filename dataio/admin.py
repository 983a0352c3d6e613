"""データ取込 / データ出力: the import upload and its preview, as background jobs (jobs app).

The import screen uploads the file and starts a check job; its job page shows the progress,
then the preview (counts, the detected encoding with a way to override it, bad rows a page
at a time, the first rows as read) and the button that starts the writing job.
"""

import tempfile

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobs import services as job_services
from jobs.admin import JobAdmin
from jobs.models import Job

from audit import events as audit_events

from . import exporting, permissions, selection, services
from .columns import TARGETS
from .forms import ExportForm, ImportForm, RecheckForm
from .models import EXPORT_KINDS, IMPORT_KINDS, ExportJob, ImportJob


def job_url(job) -> str:
    return reverse("admin:jobs_job_change", args=[job.pk])


class KindJobAdmin(JobAdmin):
    """The jobs of some kinds as a screen of their own; 追加 is that screen's form; a job opens on its job page."""

    kinds: tuple[str, ...] = ()

    def allowed_targets(self, user) -> list[str]:
        raise NotImplementedError

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind__in=self.kinds)

    def has_module_permission(self, request):
        return super().has_module_permission(request) and bool(self.allowed_targets(request.user))

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect(reverse("admin:jobs_job_change", args=[object_id]))


@admin.register(ImportJob)
class ImportJobAdmin(KindJobAdmin):
    list_display = ["title", "input_name", "state", "created_at", "finished_at"]
    kinds = IMPORT_KINDS

    def allowed_targets(self, user):
        return permissions.importable_targets(user)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/recheck/", wrap(require_POST(self.recheck_view)), name="dataio_importjob_recheck"),
            path("<int:pk>/write/", wrap(require_POST(self.write_view)), name="dataio_importjob_write"),
        ] + super().get_urls()

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
            params={**job.params, "encoding": form.cleaned_data["encoding"], "upload": services.upload_id(job)},
            follows=job,
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
        write_job, started = services.import_confirm(preview=job, user=request.user)
        if not started:  # a double click, the back button, a second tab: the file's one import
            messages.info(request, _("The import of this file was already confirmed. This is its job."))
        return redirect(job_url(write_job))


@admin.register(ExportJob)
class ExportJobAdmin(KindJobAdmin):
    """データ出力: the export screen (columns, format) for a list's current search or its ticked rows."""

    list_display = ["title", "state", "created_at", "finished_at"]
    kinds = EXPORT_KINDS

    def allowed_targets(self, user):
        return permissions.exportable_targets(user)

    def add_view(self, request, form_url="", extra_context=None):
        allowed = permissions.exportable_targets(request.user)
        params = request.POST if request.method == "POST" else request.GET
        source = params.get("source") or "customers"
        target = params.get("target") or source
        if source not in allowed or target not in allowed or (source != "customers" and target != source):
            raise PermissionDenied
        querystring = params.get("query", "")
        ids = _ids(params.get("ids", ""))
        from events import outputs as event_outputs

        event_selection = event_outputs.EventSelection.from_params(request.user, params)
        if event_selection is not None:  # a business event's customers, with the event's columns (E6)
            if target != "customers":
                raise PermissionDenied
            columns = event_outputs.export_columns(request.user)
        else:
            columns = exporting.export_columns(TARGETS[target], request.user)
        data = None
        if request.method == "POST":
            data = request.POST.copy()
            if data.get("as_format"):  # "download as UTF-8 / xlsx instead" on the warning
                data["format"] = data["as_format"]
                data.pop("replace", None)
        form = ExportForm(data, columns=columns)
        if event_selection is not None:
            queryset = event_outputs.export_rows(request.user, event_selection)
        else:
            queryset = selection.records(request.user, target=target, source=source, querystring=querystring,
                                         ids=ids)
        count = queryset.count()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Export: %(what)s") % {"what": TARGETS[target].title},
            "opts": self.model._meta, "form": form, "count": count, "source": source, "target": target,
            "targets": [(key, TARGETS[key].title) for key in allowed if source == "customers" or key == source],
            "query": querystring, "ids": params.get("ids", ""),
            "back_url": _export_back_url(source=source, querystring=querystring, ids=ids),
        }
        if event_selection is not None:
            context.update(title=_("Export: 「%(event)s」") % {"event": event_selection.event}, targets=[],
                           export_event=event_selection.params(), event_url=event_selection.event_url(),
                           export_event_mourning=event_outputs.mourning_left_out_text(request.user, event_selection),
                           event_columns=[c.name for c in event_outputs.event_columns()])
        if request.method != "POST" or not form.is_valid():
            return TemplateResponse(request, "dataio/export_form.html", context)
        fmt = exporting.FORMATS[form.cleaned_data["format"]]
        chosen = [c for c in columns if c.name in set(form.cleaned_data["columns"])]
        replace = form.cleaned_data["replace"]
        if count > stream_limit():
            job = job_services.start_job(
                kind="export", owner=request.user, total=count,
                title=_("Export: %(what)s") % {"what": TARGETS[target].title},
                params={"target": target, "source": source, "query": querystring, "ids": ids,
                        "columns": [c.name for c in chosen], "format": fmt.key,
                        **(event_selection.params() if event_selection is not None else {})},
            )
            return redirect(job_url(job))
        if fmt.encoding == "cp932" and not replace:
            found, examples = exporting.unencodable(queryset, chosen)
            if found:
                context.update(unencodable=found, examples=examples, chosen=[c.name for c in chosen])
                return TemplateResponse(request, "dataio/export_form.html", context)
        if event_selection is not None:
            return export_response(request, queryset, chosen, fmt, what="event", count=count, replace=replace,
                                   target=event_selection.event, extra=event_outputs.audit_detail(event_selection))
        return export_response(request, queryset, chosen, fmt, what=target, count=count, replace=replace)


def stream_limit() -> int:
    return getattr(settings, "EXPORT_STREAM_MAX_ROWS", 50_000)


def _ids(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip().isdigit()][:100_000]


def export_response(request, queryset, columns, fmt, *, what: str, count: int, replace: bool, target=None,
                    extra: dict | None = None):
    """The file, streamed as it is written; one audit entry (R4) with rows, format and columns."""
    audit_events.record(
        audit_events.Action.EXPORT, request=request, row_count=count, target=target,
        detail={"what": what, "format": fmt.key, "columns": [c.name for c in columns], "replaced": replace,
                **(extra or {})},
    )
    header = [c.label for c in columns]
    name = f"{what}-{timezone.localtime():%Y%m%d-%H%M}.{fmt.extension}"
    if fmt.encoding is None:
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
            exporting.write_xlsx(f.name, header, exporting.rows(queryset, columns, guarded=False))
            data = open(f.name, "rb").read()
        response = HttpResponse(data, content_type=fmt.content_type)
    else:
        chunks = exporting.csv_chunks(header, exporting.rows(queryset, columns), fmt, replace=replace)
        response = StreamingHttpResponse(chunks, content_type=fmt.content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
def _export_back_url(*, source: str, querystring: str, ids) -> str:
    """Where 「一覧に戻る」 leads from the export screen (issue 22, point 22): the list it was opened
    from, with its search; the export jobs' list when it was opened there."""
    if not querystring and not ids:
        return reverse("admin:dataio_exportjob_changelist")
    opts = TARGETS[source].model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return f"{url}?{querystring}" if querystring else url


from . import admin_duplicates  # noqa: E402,F401  (名寄せ screens)
