from . import events


class DeniedRequestAuditMiddleware:
    """R4: a refused request (403) by a logged-in user is written to the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403 and getattr(request, "user", None) is not None and request.user.is_authenticated:
            events.access_refused(request=request, path=request.get_full_path()[:500])
        return response
