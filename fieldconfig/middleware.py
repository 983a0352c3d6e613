from . import lookup


class FieldConfigMiddleware:
    """Scopes one configuration snapshot to each request: one cache read at most per page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = lookup.begin_request()
        try:
            return self.get_response(request)
        finally:
            lookup.end_request(token)
