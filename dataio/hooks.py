"""What dataio adds to the customer core (crm.extensions), registered in DataioConfig.ready()."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm import extensions
from crm import permission_codes as codes

from . import bulk_actions
from .columns import OWN_TARGETS


@admin.action(description=_("Export the selected customers"), permissions=["export"])
def export_selected(modeladmin, request, queryset):
    """The list's action: the export screen (X2) with the ticked rows (or the whole search)."""
    if request.POST.get("select_across") == "1":  # every result of the search: its conditions
        params = {"source": "customers", "query": request.GET.urlencode()}
    else:  # the rows ticked on this page
        params = {"source": "customers", "ids": ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))}
    return redirect(f"{reverse('admin:dataio_exportjob_add')}?{urlencode(params)}")


def export_tool_url(request, querystring: str) -> str:
    return f"{reverse('admin:dataio_exportjob_add')}?source=customers&query={quote(querystring, safe='/')}"


def import_tool_url(request, querystring: str) -> str:
    return reverse("admin:dataio_importjob_add")


def register() -> None:
    extensions.add_list_action(extensions.ListAction("export_selected", export_selected, order=10))
    extensions.add_list_action(extensions.ListAction("update_company_block", bulk_actions.update_company_block,
                                                     order=30))
    extensions.add_list_action(extensions.ListAction("set_checkboxes", bulk_actions.set_checkboxes, order=40))
    extensions.add_list_tool(extensions.ListTool(
        "export-link", _("Export (CSV / Excel)"), export_tool_url, order=20, whole_result=True,
        allowed=lambda request: request.user.has_perm(codes.EXPORT_CUSTOMERS)))
    extensions.add_list_tool(extensions.ListTool(
        "import-link", _("Import a file"), import_tool_url, order=30,
        allowed=lambda request: request.user.has_perm(codes.IMPORT_CUSTOMERS)))
    for key, target in OWN_TARGETS.items():
        extensions.add_export_target(key, target)
