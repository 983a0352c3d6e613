"""Which records an export (or a bulk action) covers: the current search of a list screen, or
the rows ticked on it. The list's own admin class builds the queryset, so its branch scope,
filters and search are exactly what the user saw; the worker rebuilds it the same way."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import QueryDict
from django.test import RequestFactory

from crm import permissions
from crm.models import Customer

from .columns import TARGETS

MAX_TICKED = 100_000


def ticked_ids(value) -> list[int] | None:
    """The ids of ticked rows as a URL or a job carries them (`1,2,3`); None when none are given
    (the output covers the search instead). Anything but ids is a forged URL: refused."""
    if value in (None, ""):
        return None
    parts = value if isinstance(value, (list, tuple)) else [p for p in str(value).split(",") if p.strip()]
    try:
        return [int(part) for part in parts][:MAX_TICKED]
    except ValueError:
        raise PermissionDenied from None


# Admin parameters that are not conditions (the page, the sort is kept: it orders the file).
NOT_CONDITIONS = {"p", "e", "_changelist_filters"}


def list_request(user, model, querystring: str):
    """A GET of `model`'s list screen with `querystring`, as `user` (for the worker, too)."""
    query = QueryDict(querystring, mutable=True)
    for key in NOT_CONDITIONS:
        query.pop(key, None)
    request = RequestFactory().get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/", query)
    request.user = user
    return request


def list_queryset(user, model, querystring: str):
    model_admin = admin.site._registry[model]
    request = list_request(user, model, querystring)
    try:
        changelist = model_admin.get_changelist_instance(request)
        return changelist.get_queryset(request)
    except IncorrectLookupParameters:
        # the list itself answers these with ?e=1; a file of them is a bad request (400, in Japanese)
        raise BadRequest from None


def records(user, *, target: str, source: str, querystring: str = "", ids: list[int] | None = None):
    """The queryset an export of `target` covers, started from the `source` list (customers,
    contacts or purchases) with its conditions or its ticked `ids`."""
    source_model = TARGETS[source].model
    if ids:
        base = source_model._default_manager.filter(pk__in=ids)
        base = permissions.visible_customers(user, base) if source_model is Customer else \
            permissions.visible_related(user, base)
        base = base.order_by(*(source_model._meta.ordering or ["pk"]))
    else:
        base = list_queryset(user, source_model, querystring)
    target_model = TARGETS[target].model
    if target_model is source_model:
        return base
    # The contact histories or purchases of the customers in the customer list's result.
    related = permissions.visible_related(user, target_model._default_manager.all())
    return related.filter(customer__in=base.order_by().values("pk")).order_by("customer__code", "date", "id")


def checked_action_count(request, queryset) -> int | None:
    """How many records a list action covers, or None (with a Japanese message) when a ticked
    id lies outside the user's scope: a forged form is refused whole, and nothing changes."""
    from django.contrib import messages
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
    from django.utils.translation import gettext as _

    count = queryset.count()
    across = request.POST.get("select_across") == "1"
    if not across and count != len(set(request.POST.getlist(ACTION_CHECKBOX_NAME))):
        messages.error(request, _("Some of the selected customers are not yours to change. Nothing was changed."))
        return None
    return count
