"""The print screens of the customer list (P1, P3), reached from the list's tools and actions.

They live under the customer admin's URLs (admin:crm_customer_print, admin:crm_customer_print_list),
registered through crm.extensions in PrintoutsConfig.ready(); `model_admin` is the customer admin,
whose changelist gives the current search's customers, scoped like every read.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit import events as audit_events
from crm import extensions, permissions
from dataio import selection
from dataio.selection import ticked_ids
from events import outputs as event_outputs
from jobs import services as job_services

from . import services as printout_services
from .forms import PrintForm


def may_print(request, model_admin) -> bool:
    return model_admin.has_view_permission(request) and permissions.can_print(request.user)


def print_view(request, *, model_admin):
    """印刷 (P1, P3): what to print from the current search, what would not print right, then the PDF."""
    if not may_print(request, model_admin):
        raise PermissionDenied
    # The screen's own choices in the URL (its radios reload it to list the problems of the kind
    # chosen): not customer conditions, so the changelist and the print job never see them.
    choices = {name: request.GET[name] for name in PrintForm.base_fields if name in request.GET}
    if choices:
        request.GET = request.GET.copy()
        for name in choices:
            del request.GET[name]
    shown_kind = choices.get("kind", "list")
    ids = ticked_ids(request.GET.get("ids", ""))
    event_selection = event_outputs.EventSelection.from_params(request.user, request.GET)
    if event_selection is not None:  # a business event's customers (E6): its page or its ticked rows
        queryset = event_outputs.Recipients(request.user, event_selection)
        querystring = event_selection.querystring()
    elif ids is not None:  # the rows ticked on the list (print_selected), scoped like every read
        queryset = selection.records(request.user, target="customers", source="customers", ids=ids or [0])
        querystring = urlencode({"ids": ",".join(map(str, ids))})
    else:
        queryset = model_admin.get_changelist_instance(request).get_queryset(request)
        querystring = request.GET.urlencode()
    form = PrintForm(request.POST if request.method == "POST" else None,
                     initial={**choices, "kind": shown_kind, "with_sender": choices.get("with_sender") == "1"})
    refusal = ""
    if form.is_bound and form.is_valid():
        kind, options = form.cleaned_data["kind"], {"start": form.cleaned_data["start"],
                                                    "with_sender": form.cleaned_data["with_sender"]}
        try:
            count = printout_services.printable_count(queryset, kind)
            if count > printout_services.sync_max():
                job = job_services.start_job(
                    kind="print", owner=request.user, title=printout_services.kind_label(kind), total=count,
                    params={"print_kind": kind, "query": "" if ids is not None else querystring, "ids": ids,
                            **(event_selection.params() if event_selection is not None else {}), **options})
                return redirect(reverse("admin:jobs_job_change", args=[job.pk]))
            pdf, printed = printout_services.print_pdf(kind, user=request.user, queryset=queryset, **options)
        except printout_services.NothingToPrint as refused:
            refusal = str(refused)
        else:
            if event_selection is not None:
                audit_events.record(audit_events.Action.PRINT, request=request, target=event_selection.event,
                                    row_count=printed,
                                    detail={"what": kind, **event_outputs.audit_detail(event_selection)})
            else:
                audit_events.printed(request=request, what=kind, count=printed)
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="{kind}.pdf"'
            return response
    # The screen: how many, and who would not print right (computed only when it is shown).
    kind = form.data.get("kind", "list") if form.is_bound else shown_kind
    count, problems = 0, []
    if not refusal:
        try:
            count, problems = printout_services.problems_of(
                user=request.user, queryset=queryset, kind=kind if kind in extensions.print_kinds() else "list")
        except printout_services.NothingToPrint as refused:
            refusal = str(refused)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Print"), "opts": model_admin.model._meta, "form": form, "count": count,
        "problems": problems[:200], "problem_count": len(problems), "refusal": refusal,
        "changelist_url": reverse("admin:crm_customer_changelist") + ("" if ids is not None else f"?{querystring}"),
    }
    if event_selection is not None:
        context.update(changelist_url=event_selection.event_url(), print_event=event_selection.event,
                       print_event_mourning=event_outputs.mourning_left_out_text(request.user, event_selection),
                       title=_("Print: 「%(event)s」") % {"event": event_selection.event})
    return TemplateResponse(request, "printouts/print_form.html", context)


def print_list_view(request, *, model_admin):
    """リスト印刷 (P1): the current list or search result as an A4 landscape PDF."""
    if not may_print(request, model_admin):
        raise PermissionDenied
    queryset = model_admin.get_changelist_instance(request).get_queryset(request)
    try:
        pdf, count = printout_services.customer_list_pdf(user=request.user, queryset=queryset)
    except printout_services.NothingToPrint as refused:
        messages.error(request, str(refused))
        return redirect(f"{reverse('admin:crm_customer_changelist')}?{request.GET.urlencode()}")
    audit_events.printed(request=request, what="list", count=count)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="customer-list.pdf"'
    return response


@admin.action(description=_("Print the selected customers"), permissions=["print"])
def print_selected(modeladmin, request, queryset):
    """The list's action: the print screen with the ticked rows (or the whole search)."""
    if request.POST.get("select_across") == "1":  # every result of the search: its conditions
        return redirect(f"{reverse('admin:crm_customer_print')}?{request.GET.urlencode()}")
    ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
    return redirect(f"{reverse('admin:crm_customer_print')}?{urlencode({'ids': ids})}")


def print_tool_url(request, querystring: str) -> str:
    return reverse("admin:crm_customer_print") + (f"?{querystring}" if querystring else "")
