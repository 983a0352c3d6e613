"""The background jobs of data in and out, registered with the jobs app (jobs.registry).

import_check: reads the uploaded file, checks every row, keeps the problems (JobProblem) and
    the counts for the preview; writes nothing.
import_write: reads it again and writes all rows in one transaction, or none.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from audit import events as audit_events
from crm import permissions
from crm.models import Customer
from events import outputs as event_outputs
from jobs.models import Job, JobProblem
from jobs.registry import register
from jobs.tasks import JobFailed

from . import bulk, duplicates, exporting, importing, selection, services
from .columns import TARGETS
from .forms import RecheckForm
from .models import DuplicateGroup
from .reading import FileProblem, open_sheet

PROBLEM_BATCH = 500
PROBLEMS_PER_PAGE = 50

# What each kind needs of its owner when it runs and when its file is downloaded (jobs.access).
IMPORT = {"needs": (permissions.IMPORT_PERMISSION,), "action": pgettext_lazy("job permission", "import")}
EXPORT = {"needs": (permissions.EXPORT_PERMISSION,), "action": pgettext_lazy("job permission", "export")}
BULK_UPDATE = {"needs": ("crm.change_customer",), "action": pgettext_lazy("job permission", "change customers")}
MERGE = {"needs": ("crm.view_customer", "crm.change_customer", "crm.delete_customer"),
         "action": pgettext_lazy("job permission", "merge duplicates")}


def _branch_ids(queryset) -> list[int]:
    """The branches of the customers the rows are (or belong to): what a result file covers."""
    return permissions.branch_ids_of(queryset, "" if queryset.model is Customer else "customer__")


class _Unreadable(Exception):
    """The file or its first row cannot be read: the problems to keep, and the job's message."""

    def __init__(self, message: str, problems: list):
        super().__init__(message)
        self.problems = problems


def _plan(job):
    try:
        sheet = open_sheet(job.input_file.path, encoding=job.params.get("encoding") or None)
        plan = importing.plan_import(sheet, job.params["target"], job.owner)
    except FileProblem as exc:
        raise _Unreadable(str(exc), [importing.Problem(None, "", "", str(exc))]) from None
    except importing.HeaderProblem as exc:
        raise _Unreadable(_("The column names in the first row need fixing."),
                          [importing.Problem(1, "", "", message) for message in exc.messages]) from None
    job.result = {**job.result, "encoding": sheet.encoding, "encoding_label": sheet.encoding_label,
                  "columns": plan.labels, "ignored": plan.ignored}
    return sheet, plan


def _keep_problems(job, problems) -> None:
    JobProblem.objects.bulk_create(
        [JobProblem(job=job, row=p.row, column=p.column[:200], value=p.value[:200], message=p.message[:500])
         for p in problems], batch_size=PROBLEM_BATCH)


def import_result_context(request, job) -> dict:
    problems = Paginator(job.problems.order_by("row", "id"), PROBLEMS_PER_PAGE)
    page = problems.get_page(request.GET.get("page"))
    target = TARGETS.get(job.params.get("target"))
    checked = (job.kind == "import_check" and job.state == Job.State.SUCCEEDED
               and not job.result.get("bad_rows") and job.result.get("rows"))
    confirmation = services.import_confirmation(job) if checked else None
    if confirmation is not None and services.import_may_start_again(confirmation):
        confirmation = None  # its job wrote nothing: the file may be imported again
    return {
        "problems_page": page,
        "problem_count": problems.count,
        "recheck_form": RecheckForm(initial={"encoding": job.params.get("encoding", "")}),
        "can_write": checked and confirmation is None,
        "write_job": confirmation.job if confirmation is not None else None,  # the file's import, confirmed
        "target_title": target.title if target else "",
        "target_url": reverse(f"admin:crm_{target.model._meta.model_name}_changelist") if target else "",
    }


@register("import_check", result_template="dataio/import_result.html", context=import_result_context, **IMPORT)
def import_check(job, reporter) -> None:
    try:
        sheet, plan = _plan(job)
    except _Unreadable as unreadable:
        _keep_problems(job, unreadable.problems)
        raise JobFailed(str(unreadable)) from None
    reporter.start_phase(_("Checking rows"), total=sheet.count_rows())
    pending = []

    def on_problem(problem):
        pending.append(problem)
        if len(pending) >= PROBLEM_BATCH:
            _keep_problems(job, pending)
            pending.clear()

    report = importing.check_rows(plan, on_problem=on_problem, reporter=reporter)
    _keep_problems(job, pending)
    job.total = report.rows
    job.result = {**job.result, **report.as_dict(), "sample": report.sample, "checked": True,
                  "warnings": report.warnings_dicts()}


@register("import_write", result_template="dataio/import_result.html", context=import_result_context, **IMPORT)
def import_write(job, reporter) -> None:
    """The rows of a confirmed preview, all or none, at most once per uploaded file (services.import_claim)."""
    failure = None
    if job.attempts > 1 and services.import_written_by(job):
        job.message = _("The rows were written by this job's earlier run; its worker stopped before it could "
                        "report the result.")
        return
    with transaction.atomic():
        # First, in the transaction the rows are written in: this job is the file's writer, and
        # the file is marked written (committed with the rows, rolled back with them).
        if not services.import_claim(job):
            raise JobFailed(_("This file has already been imported, or another import of it was started. "
                              "Nothing was written by this job."))
        try:
            sheet, plan = _plan(job)
        except _Unreadable as unreadable:
            failure = unreadable
            transaction.set_rollback(True)
        else:
            reporter.start_phase(_("Writing rows"), total=sheet.count_rows())
            report = importing.write_rows(plan, reporter=reporter, file_name=job.input_name)
            if report.bad_rows:
                transaction.set_rollback(True)
            else:
                reporter.hold()  # still this worker's job at the commit, or nothing is written
    if failure is not None:
        _keep_problems(job, failure.problems)
        raise JobFailed(str(failure))
    job.total = report.rows
    job.result = {**job.result, **report.as_dict(), "sample": report.sample, "written": not report.bad_rows}
    if report.bad_rows:
        _keep_problems(job, report.problems)
        raise JobFailed(_("Nothing was imported: %(count)s rows have problems (listed below).")
                        % {"count": report.bad_rows})


def export_result_context(request, job) -> dict:
    params = job.params
    return {
        "problems_page": Paginator(job.problems.order_by("id"), PROBLEMS_PER_PAGE).get_page(request.GET.get("page")),
        "problem_count": job.problems.count(),
        "redo_params": {"target": params.get("target"), "source": params.get("source"), "query": params.get("query", ""),
                        "ids": ",".join(str(i) for i in params.get("ids") or []),
                        # a business event's export (E6) is made again of the same event's rows
                        **{k: params[k] for k in ("event", "links", "links_query") if params.get(k)}},
        "redo_columns": params.get("columns") or [],
        "download_url": reverse("admin:jobs_job_download", args=[job.pk]),
    }


@register("export", result_template="dataio/export_result.html", context=export_result_context, **EXPORT)
def export(job, reporter) -> None:
    """A big export, written to a file its owner downloads from the job page (permission-checked)."""
    import tempfile

    from django.core.files import File



    params = job.params
    target = TARGETS[params["target"]]
    fmt = exporting.FORMATS[params["format"]]
    from django.core.exceptions import PermissionDenied


    try:  # a business event's customers with the event's columns (E6)
        event_selection = event_outputs.EventSelection.from_params(job.owner, params)
    except PermissionDenied as refused:  # the event is no longer the owner's to see
        raise JobFailed(_("You may not export.")) from refused
    if event_selection is not None:
        columns = event_outputs.export_columns(job.owner, params.get("columns"))
        queryset = event_outputs.export_rows(job.owner, event_selection)
    else:
        columns = exporting.export_columns(target, job.owner, params.get("columns"))
        queryset = selection.records(job.owner, target=params["target"],
                                     source=params.get("source") or params["target"],
                                     querystring=params.get("query", ""), ids=params.get("ids"))
    reporter.start_phase(_("Writing the file"), total=job.total)
    covered = set(_branch_ids(queryset))  # and again once written: a customer moved meanwhile counts twice
    header = [c.label for c in columns]
    at_code = exporting.code_position(columns)
    replaced = []

    def note_replaced(cells):
        # CP932 cannot hold some characters (they become 〓) and changes others (− → －): the owner is told where.
        for column, cell in exporting.unencodable_cells(columns, cells):
            replaced.append(importing.Problem(None, column.label, cell[:100],
                                              cells[at_code] if at_code is not None else ""))

    name = f"{target.key}-{job.created_at:%Y%m%d-%H%M}.{fmt.extension}"
    with tempfile.NamedTemporaryFile(suffix="." + fmt.extension) as f:
        if fmt.encoding is None:
            exporting.write_xlsx(f.name, header, exporting.rows(queryset, columns, progress=reporter, guarded=False))
        else:
            records = exporting.rows(queryset, columns, progress=reporter)
            with open(f.name, "wb") as out:
                for chunk in exporting.csv_chunks(header, records, fmt, replace=True, on_replaced=note_replaced):
                    out.write(chunk)
        with open(f.name, "rb") as data:
            job.result_file.save(name, File(data), save=False)
    job.result_name = name
    job.result_branch_ids = sorted(covered | set(_branch_ids(queryset)))
    if replaced:
        # Problem.message holds the customer code here: the page shows 顧客コード / 列 / 値
        JobProblem.objects.bulk_create([JobProblem(job=job, column=p.column[:200], value=p.value[:200],
                                                   message=p.message[:500]) for p in replaced[:MAX_LISTED]])
    job.result = {**job.result, "rows": reporter.done, "replaced": len(replaced), "format_label": str(fmt.label)}
    audit_events.record(audit_events.Action.EXPORT, user=job.owner, row_count=reporter.done,
                        target=event_selection.event if event_selection is not None else None,
                        detail={"what": "event" if event_selection is not None else target.key, "format": fmt.key,
                                "columns": [c.name for c in columns], "replaced": len(replaced), "job": job.pk,
                                **(event_outputs.audit_detail(event_selection) if event_selection else {})})


MAX_LISTED = 10_000


@register("bulk_update", **BULK_UPDATE)
def bulk_update(job, reporter) -> None:
    """A bulk action on more customers than a request should wait for."""
    params = job.params
    queryset = selection.records(job.owner, target="customers", source="customers",
                                 querystring=params.get("query", ""), ids=params.get("ids"))
    reporter.start_phase(_("Changing customers"), total=job.total)
    from django.core.exceptions import ValidationError

    try:
        changed = bulk.bulk_update(user=job.owner, queryset=queryset, values=params["values"],
                                   reason=params["reason"], action=params["action"], reporter=reporter)
    except ValidationError as exc:
        # an input rule (C8) set after the action was confirmed: nothing was written
        raise JobFailed(" ".join(exc.messages)) from None
    job.result = {**job.result, "changed": changed}
    job.message = _("%(count)s customers were changed.") % {"count": changed}


@register("find_duplicates", **MERGE)
def find_duplicates(job, reporter) -> None:
    """名寄せ over the whole database: the groups are kept for the duplicates screen."""
    reporter.start_phase(_("Looking for duplicates"), total=Customer.objects.count())
    groups = duplicates.find_groups(reporter=reporter)
    DuplicateGroup.objects.bulk_create(
        [DuplicateGroup(job=job, position=i, customer_ids=g["ids"], reasons=g["reasons"], size=len(g["ids"]))
         for i, g in enumerate(groups)], batch_size=2000)
    job.result = {**job.result, "groups": len(groups)}
    job.message = _("%(count)s groups of probable duplicates.") % {"count": len(groups)}
