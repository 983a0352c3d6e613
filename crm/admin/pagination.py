"""Honest counts without a blocking COUNT over a million rows.

Up to CAP matches are counted exactly (the count stops there); beyond it the total is
estimated from where the (CAP+1)th match falls in id order, and shown as 「約」.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from .. import search

CAP = 1000


class EstimatingPaginator(Paginator):
    is_estimate = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        exact = queryset.order_by().values("pk")[: CAP + 1].count()
        if exact <= CAP:
            return exact
        nth = next(iter(search.order_for_streaming(queryset).values_list("id", flat=True)[CAP : CAP + 1]), None)
        # two index lookups (SQLite would scan the table for MIN and MAX in one query)
        ids = queryset.model._default_manager.values_list("id", flat=True)
        low, high = ids.order_by("id").first(), ids.order_by("-id").first()
        if nth is None or low is None:
            return exact
        self.is_estimate = True
        return max(CAP + 1, round((CAP + 1) * (high - low + 1) / (nth - low + 1)))
