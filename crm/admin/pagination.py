"""Honest counts without a blocking COUNT over a million rows.

Up to CAP matches are counted exactly (the count stops there). Beyond it the total is
estimated from how far into the id range the first SAMPLE matches in id order reach, and
shown as 「約」. The largest id among the first CAP+1 matches found bounds that sample and the
pages inside those first CAP rows (crm.search.bounded_stream), so neither makes the database
fetch and sort every match.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from .. import search

CAP = 1000
SAMPLE = 50  # ±14 % on the estimate; read in id order, as cheap as a page


class EstimatingPaginator(Paginator):
    is_estimate = False
    window_last_id = None  # largest id among the first CAP+1 matches, when there are more than CAP
    first_ids: tuple[int, ...] = ()  # the first matches in id order (the estimate's sample), when estimated

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        found, last = search.count_window(queryset, CAP + 1)
        if found <= CAP:
            return found
        self.window_last_id = last
        # The window came in whatever order the database found it (heap order on PostgreSQL),
        # so the estimate takes its sample in id order, up to `last` (at least CAP+1 matches
        # lie there, so the sample is always full). It is also the first page's rows.
        sample = min(max(SAMPLE, self.per_page), CAP + 1)
        in_id_order = search.bounded_stream(search.order_for_streaming(queryset), last)
        self.first_ids = tuple(in_id_order.values_list("id", flat=True)[:sample])
        nth = self.first_ids[-1]
        # two index lookups (SQLite would scan the table for MIN and MAX in one query)
        ids = queryset.model._default_manager.values_list("id", flat=True)
        low, high = ids.order_by("id").first(), ids.order_by("-id").first()
        self.is_estimate = True
        return max(CAP + 1, round(sample * (high - low + 1) / (nth - low + 1)))

    def validate_number(self, number):
        # An estimate may be low: pages past it are still served (an empty one at worst).
        if self.count > CAP:  # only estimates exceed CAP
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
            if top <= len(self.first_ids):  # the sample already holds this page: fetch those rows only
                object_list = object_list.filter(pk__in=self.first_ids[bottom:top])
                bottom, top = 0, top - bottom
        return self._get_page(object_list[bottom:top], number, self)
