from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.paginator import InvalidPage
from django.http import Http404
from unfold.sites import UnfoldAdminSite

from crm import permissions


class ScopedAutocompleteJsonView(AutocompleteJsonView):
    """Every autocomplete answers only what the user may be offered (R2), whatever the searched
    screen's own queryset: the same rule as every pulldown (crm.permissions.visible_choices)."""

    def get_queryset(self):
        return permissions.visible_choices(self.request.user, super().get_queryset())


class KokyakuAdminSite(UnfoldAdminSite):
    def search(self, request, extra_context=None):
        # unfold's command search pages its results without checking ?page= (a 500 for page=abc).
        try:
            return super().search(request, extra_context)
        except (InvalidPage, ValueError) as exc:
            raise Http404 from exc

    def autocomplete_view(self, request):
        return ScopedAutocompleteJsonView.as_view(admin_site=self)(request)
