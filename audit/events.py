"""Audit events, written by explicit calls from the code that does the thing (never inferred)."""

from __future__ import annotations

from .models import AuditEvent

Action = AuditEvent.Action


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str, *, request=None, user=None, username: str = "", target=None, customer=None,
    history_id: int | None = None, row_count: int | None = None, detail: dict | None = None,
    branches=None,
) -> AuditEvent:
    """Write one entry. `branches`: the ids of the branches whose data the entry concerns, when
    more than the target's (a merge: every merged customer's); by default the target's."""
    user = user if user is not None else getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    customer = customer if customer is not None else _customer_of(target)
    branch_id = _branch_of(target, customer)
    concerned = {b for b in (branches or ()) if b is not None} | ({branch_id} if branch_id is not None else set())
    return AuditEvent.objects.create(
        branch_id=branch_id if branch_id is not None else (min(concerned) if concerned else None),
        cross_branch=len(concerned) > 1,
        action=action,
        user=user,
        username=username or (user.get_username() if user else ""),
        ip_address=client_ip(request),
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        customer_code=getattr(customer, "code", "") or "",
        history_id=history_id,
        row_count=row_count,
        detail=detail or {},
    )


def _customer_of(target):
    if target is None:
        return None
    if target._meta.label == "crm.Customer":
        return target
    return getattr(target, "customer", None) or getattr(getattr(target, "contact", None), "customer", None)


def _branch_of(target, customer) -> int | None:
    """The branch whose data the entry is about: the customer's, a branch-owned record's (a business
    event), the branch itself; None for anything else (a master, a staff member, a setting)."""
    if customer is not None:
        return getattr(customer, "branch_id", None)
    if target is None:
        return None
    if target._meta.label == "crm.Branch":
        return target.pk
    return getattr(target, "branch_id", None)


def latest_history_id(obj) -> int | None:
    history = getattr(obj, "history", None)
    if history is None or obj.pk is None:
        return None
    record_ = history.order_by("-history_id").only("history_id").first()
    return record_.history_id if record_ else None


def object_saved(*, request, obj, created: bool, changes: dict | None = None,
                 action: str | None = None) -> AuditEvent:
    """`changes`: what changed, by field NAME, never by label (a restricted field's label is shown
    only to its group: the log's screen names them for each viewer): {"fields": [names of obj's
    fields], "related": {"app.Model": [names]} (rows of the card's editors), "form_fields": [labels
    of the form's own fields, which are no model's]}."""
    changes = changes or {}
    detail = {"fields": list(changes.get("fields", [])), "created": created}
    detail.update({key: changes[key] for key in ("related", "form_fields") if changes.get(key)})
    return record(
        action or (Action.CREATE if created else Action.UPDATE), request=request, target=obj,
        history_id=latest_history_id(obj), detail=detail,
    )


def object_deleted(*, request, obj, action: str | None = None) -> AuditEvent:
    return record(action or Action.DELETE, request=request, target=obj, history_id=latest_history_id(obj),
                  detail={"deleted": True})


def exported(*, request, what: str, rows: int, file_format: str) -> AuditEvent:
    return record(Action.EXPORT, request=request, row_count=rows, detail={"what": what, "format": file_format})


def printed(*, request, what: str, count: int) -> AuditEvent:
    return record(Action.PRINT, request=request, row_count=count, detail={"what": what})


def imported(*, request, file_name: str, rows: int) -> AuditEvent:
    return record(Action.IMPORT, request=request, row_count=rows, detail={"file": file_name})


def bulk_action(*, request, name: str, rows: int) -> AuditEvent:
    return record(Action.BULK, request=request, row_count=rows, detail={"action": name})


def access_refused(*, request, path: str) -> AuditEvent:
    return record(Action.DENIED, request=request, detail={"path": path})
