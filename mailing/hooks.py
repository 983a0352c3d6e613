"""What bulk mail adds to the customer core (crm.extensions) and to scheduling's periodic run,
registered in MailingConfig.ready()."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm import dates, extensions
from events import outputs as event_outputs
from scheduling import periodic

from . import sending, services, views
from .permission_codes import MAIL_WORK


def opt_out_card_context(request, customer, *, may_change: bool) -> dict | None:
    """配信停止 on the card: the customer asked for no more bulk mail (and when)."""
    if customer.mail_opted_out_at is None:
        return None
    return {"mail_opted_out_at": dates.format_datetime(customer.mail_opted_out_at),
            "clear_url": reverse("admin:crm_customer_mail_opt_out_clear", args=[customer.pk]) if may_change else ""}


def register() -> None:
    extensions.add_customer_url(extensions.CustomerUrl("mail/", views.mail_view, "crm_customer_mail"))
    extensions.add_customer_url(extensions.CustomerUrl("<path:object_id>/mail-opt-out/clear/", views.opt_out_clear_view,
                                                       "crm_customer_mail_opt_out_clear"))
    extensions.add_list_action(extensions.ListAction(
        "mail_selected", views.mail_selected, order=60, allowed=lambda request: services.may_send(request.user)))
    extensions.add_list_tool(extensions.ListTool(
        "mail-link", _("Bulk mail"), views.mail_tool_url, allowed=lambda request: services.may_send(request.user),
        order=30, whole_result=True))
    extensions.add_card_panel(extensions.CardPanel("mail_opt_out", "mailing/card_opt_out.html",
                                                   opt_out_card_context, order=90))
    event_outputs.add_event_output(event_outputs.EventOutput(
        "event-mail", _("Bulk mail"), views.event_mail_url, allowed=services.may_send))
    extensions.grant(extensions.WORK, MAIL_WORK)
    extensions.grant(extensions.ADMIN, ["mailing.*"])
    periodic.add("bulk mails resumed", sending.resume_due)
