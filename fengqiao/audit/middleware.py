from fengqiao.audit.context import origin


class AuditOriginMiddleware:
    """Marks every action taken during a request with the client's address and the path."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        address = request.META.get("REMOTE_ADDR", "")
        with origin(f"web {address} {request.method} {request.path}"):
            return self.get_response(request)
