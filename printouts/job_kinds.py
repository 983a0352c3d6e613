"""Prints past settings.PRINT_SYNC_MAX_ROWS customers, drawn by the background worker (jobs.registry)."""

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from audit import events as audit_events
from crm import permissions
from dataio import selection
from events import outputs as event_outputs
from jobs.registry import register
from jobs.tasks import JobFailed

from . import services


def print_result_context(request, job) -> dict:
    return {"download_url": reverse("admin:jobs_job_download", args=[job.pk])}


@register("print", result_template="printouts/print_result.html", context=print_result_context,
          needs=(permissions.PRINT_PERMISSION,), action=pgettext_lazy("job permission", "print"))
def print_job(job, reporter) -> None:
    """Its owner's role is checked again when it starts and when its PDF is downloaded (jobs.access)."""
    params = job.params
    kind = params["print_kind"]

    try:  # a business event's customers (E6)
        event_selection = event_outputs.EventSelection.from_params(job.owner, params)
    except PermissionDenied as refused:  # the event is no longer the owner's to see
        raise JobFailed(_("You may not print.")) from refused
    if event_selection is not None:
        queryset = event_outputs.Recipients(job.owner, event_selection)
    else:
        queryset = selection.records(job.owner, target="customers", source="customers",
                                     querystring=params.get("query", ""), ids=params.get("ids"))
    rows = queryset.links if event_selection is not None else queryset  # the links' customers, or customers
    prefix = "customer__" if event_selection is not None else ""
    covered = set(permissions.branch_ids_of(rows, prefix))  # and again once drawn (a customer moved meanwhile)
    reporter.start_phase(_("Drawing the pages"), total=job.total)
    try:
        pdf, printed = services.print_pdf(kind, user=job.owner, queryset=queryset, start=params.get("start", 1),
                                          with_sender=params.get("with_sender", False), progress=reporter)
    except services.NothingToPrint as refused:
        raise JobFailed(str(refused)) from refused
    name = f"{kind}-{job.created_at:%Y%m%d-%H%M}.pdf"
    job.result_file.save(name, ContentFile(pdf), save=False)
    job.result_name = name
    job.result_branch_ids = sorted(covered | set(permissions.branch_ids_of(rows, prefix)))
    job.result = {**job.result, "printed": printed}
    job.message = _("%(count)s customers printed.") % {"count": f"{printed:,}"}
    audit_events.record(audit_events.Action.PRINT, user=job.owner, row_count=printed,
                        target=event_selection.event if event_selection is not None else None,
                        detail={"what": kind, "job": job.pk,
                                **(event_outputs.audit_detail(event_selection) if event_selection else {})})
