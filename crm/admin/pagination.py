"""Honest counts without a blocking COUNT over a million rows.

Up to CAP matches are counted exactly (the count stops there); beyond it the total is
estimated from the largest id among the first CAP+1 matches found, and shown as 「約」.
The same id bounds the pages inside those first CAP rows (crm.search.bounded_stream), so a
page of a large result never makes the database fetch and sort every match.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from .. import search

CAP = 1000


class EstimatingPaginator(Paginator):
    is_estimate = False
    window_last_id = None  # largest id among the first CAP+1 matches, when there are more than CAP

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        found, last = search.count_window(queryset, CAP + 1)
        if found <= CAP:
            return found
        self.window_last_id = last
        # two index lookups (SQLite would scan the table for MIN and MAX in one query)
        ids = queryset.model._default_manager.values_list("id", flat=True)
        low, high = ids.order_by("id").first(), ids.order_by("-id").first()
        self.is_estimate = True
        return max(CAP + 1, round((CAP + 1) * (high - low + 1) / (last - low + 1)))

    def validate_number(self, number):
        # An estimate may be low: pages past it are still served (an empty one at worst).
        if self.count > CAP and self.is_estimate:
            try:
                number = int(number)
            except (TypeError, ValueError):
                return super().validate_number(number)
            if number >= 1:
                return number
        return super().validate_number(number)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page if self.is_estimate else min(bottom + self.per_page, self.count)
        object_list = self.object_list
        if self.window_last_id is not None and top <= CAP + 1 and search.is_streamed_in_id_order(object_list):
            object_list = search.bounded_stream(object_list, self.window_last_id)
        return self._get_page(object_list[bottom:top], number, self)
