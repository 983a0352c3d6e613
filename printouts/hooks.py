"""What printouts adds to the customer core (crm.extensions), registered in PrintoutsConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm import extensions, permissions

from . import services, views


def register() -> None:
    for kind in services.print_kinds():
        extensions.add_print_kind(kind)
    extensions.add_customer_url(extensions.CustomerUrl("print/", views.print_view, "crm_customer_print"))
    extensions.add_customer_url(extensions.CustomerUrl("print/list/", views.print_list_view,
                                                       "crm_customer_print_list"))
    extensions.add_list_action(extensions.ListAction("print_selected", views.print_selected, order=20))
    extensions.add_list_tool(extensions.ListTool("print-link", _("Print (lists, labels)"), views.print_tool_url,
                                                 allowed=lambda request: permissions.can_print(request.user),
                                                 order=10, whole_result=True))
