"""What workflow adds to the customer core (crm.extensions) and to scheduling's periodic run,
registered in WorkflowConfig.ready()."""

from __future__ import annotations

from django.urls import reverse

from crm import extensions
from scheduling import periodic

from . import mail, selectors, services
from .roles import VIEW, WORK


def home_context(request) -> dict | None:
    """遅延 and due-today handoffs of the person logged in (their branches only), with counts."""
    user = request.user
    if not user.has_perm("workflow.view_handoff"):
        return None
    items = selectors.home_items(user)
    items["changelist_url"] = reverse("admin:workflow_handoff_changelist")
    return {"handoff_panel": items}


def register() -> None:
    extensions.add_home_panel(extensions.HomePanel("workflow", "workflow/home_panel.html", home_context, order=10))
    extensions.grant(extensions.VIEW, [f"workflow.{p}" for p in VIEW])
    extensions.grant(extensions.WORK, [f"workflow.{p}" for p in WORK if p not in VIEW])
    extensions.grant(extensions.ADMIN, ["workflow.*"])
    periodic.add("handoffs flagged late", services.flag_overdue)
    periodic.add("mails sent from the outbox", mail.send_due)
