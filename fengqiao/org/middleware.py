from __future__ import annotations

from django.contrib.auth import SESSION_KEY


class EndRefusedSessionsMiddleware:
    """A session whose account may no longer sign in (disabled, or its person taken off
    duty) is flushed on its next request, so putting the person back on duty later does not
    revive it. Runs after AuthenticationMiddleware, whose backend already refuses the user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session and not request.user.is_authenticated:
            session.flush()
        return self.get_response(request)
