"""Who may take a handoff and which status may follow which: the checks the form and the services share."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from crm import permissions


def assignee_problem(*, assignee, customer) -> str | None:
    """Why `assignee` cannot take an inquiry of `customer` (a Japanese sentence), or None."""
    if assignee is None:
        return _("Choose the person to hand it to.")
    if not assignee.is_active:
        return _("%(name)s is no longer an active user.") % {"name": assignee}
    if not (permissions.sees_all_branches(assignee) or customer.branch_id in permissions.visible_branch_ids(assignee)):
        return _("%(name)s cannot see this customer's branch.") % {"name": assignee}
    if not assignee.has_perm("workflow.view_handoff"):
        return _("%(name)s may not work on handoffs.") % {"name": assignee}
    return None


def eligible_assignees(*, customer):
    """The people an inquiry of `customer` may be handed to, as one query: active, seeing the
    customer's branch, allowed to work on handoffs. The pulldown offers these; `assignee_problem`
    refuses anyone else (the same three rules, asked of one person)."""
    return (get_user_model().objects
            .filter(permissions.staff_seeing_branch_filter(customer.branch_id), is_active=True)
            .filter(permissions.staff_with_permission_filter("workflow.view_handoff"))
            .order_by("display_name_kana", "username"))


def transition_problem(*, current, target) -> str | None:
    if target is None:
        return _("Choose a status.")
    if current is not None and target.pk != current.pk and not current.next_statuses.filter(pk=target.pk).exists():
        return _("A handoff cannot go from %(current)s to %(target)s.") % {"current": current, "target": target}
    return None
