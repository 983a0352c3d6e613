"""The one place that decides who may see which customers (R2) and do what.

Every path that lists or opens customer data calls `visible_customers` or
`customer_scope_filter`; issue 4 adds roles and restricted fields here.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet


def sees_all_branches(user) -> bool:
    return bool(user.is_active and (user.is_superuser or getattr(user, "is_head_office", False)))


def visible_branch_ids(user) -> list[int]:
    # Cached on the user object for the request: one query, however many lists a page shows.
    cached = getattr(user, "_visible_branch_ids", None)
    if cached is None:
        cached = list(user.branches.values_list("id", flat=True)) if user.is_authenticated else []
        user._visible_branch_ids = cached
    return cached


def customer_scope_filter(user, prefix: str = "") -> Q:
    """A filter for any queryset reaching customers through `prefix` (e.g. 'customer__')."""
    if sees_all_branches(user):
        return Q()
    return Q(**{f"{prefix}branch_id__in": visible_branch_ids(user)})


def visible_customers(user, queryset: QuerySet | None = None) -> QuerySet:
    from .models import Customer

    queryset = Customer.objects.all() if queryset is None else queryset
    return queryset.filter(customer_scope_filter(user))


def visible_related(user, queryset: QuerySet, prefix: str = "customer__") -> QuerySet:
    return queryset.filter(customer_scope_filter(user, prefix))


def can_see_customer(user, customer) -> bool:
    return sees_all_branches(user) or customer.branch_id in visible_branch_ids(user)


def require_customer_visible(user, customer):
    if not can_see_customer(user, customer):
        raise PermissionDenied
    return customer
