from django.core.paginator import InvalidPage
from django.http import Http404
from unfold.sites import UnfoldAdminSite


class KokyakuAdminSite(UnfoldAdminSite):
    def search(self, request, extra_context=None):
        # unfold's command search pages its results without checking ?page= (a 500 for page=abc).
        try:
            return super().search(request, extra_context)
        except (InvalidPage, ValueError) as exc:
            raise Http404 from exc
