"""Limits on what anonymous visitors may submit in a window, counted in Django's cache.

Pages: ``refused`` before a write, ``counted`` after one. A browser (its sender, see
``fengqiao.idempotency.sender_of``) and a network address each have a share per window;
a retry of a submission already made (the same client key) is never refused and, like
taps of the same thing, counts once. The limits are a dict ``{"per_sender": n,
"per_address": n, "seconds": n}``; ``limits_for`` merges a settings override over the
defaults.

API: ``ClientRateThrottle`` and ``AddressRateThrottle`` are DRF throttles on POST only,
with their rates (``{"client": "10/min", "address": "120/min"}``) overridable in settings.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle


def limits_for(defaults: dict, setting: str) -> dict:
    """The defaults with ``settings.<setting>`` (a dict, perhaps partial) over them."""
    return {**defaults, **(getattr(settings, setting, None) or {})}


def address_of(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _counters(scope: str, sender: str, address: str, limits: dict) -> list[tuple[str, int]]:
    return [
        (f"{scope}-rate:sender:{sender}", limits["per_sender"]),
        (f"{scope}-rate:address:{address}", limits["per_address"]),
    ]


def refused(scope: str, *, sender: str, address: str, limits: dict, key: str = "") -> bool:
    """Whether this sender or address has used its share of ``scope`` in the window; a
    retry of a submission already counted (the same ``key``) never is."""
    if key and cache.get(f"{scope}-rate:key:{sender}:{key}"):
        return False
    return any(
        (cache.get(name) or 0) >= limit for name, limit in _counters(scope, sender, address, limits)
    )


def counted(
    scope: str, *, sender: str, address: str, limits: dict, key: str = "", made: object = ""
) -> None:
    """Count one submission for the sender and the address. ``key`` (the client key) lets
    its retries through; ``made`` (what it made, e.g. a pk) counts it once however often
    it was sent."""
    seconds = limits["seconds"]
    if key:
        cache.set(f"{scope}-rate:key:{sender}:{key}", 1, seconds)
    if made != "" and not cache.add(f"{scope}-rate:made:{made}:{sender}", 1, seconds):
        return
    for name, _limit in _counters(scope, sender, address, limits):
        if not cache.add(name, 1, seconds):
            try:
                cache.incr(name)
            except ValueError:  # expired between the two calls
                cache.add(name, 1, seconds)


# --- the API's throttles -----------------------------------------------------------------


class _PostThrottle(SimpleRateThrottle):
    """A throttle on POSTs only (a stray GET, answered 405, spends nothing). Subclasses set
    ``scope``, ``rates`` (the defaults), ``setting`` (the settings override) and may set
    ``exempt_perm``: a user with it is never throttled (staff taking applications)."""

    rates: dict[str, str] = {}
    setting = ""
    which = ""
    exempt_perm = ""

    def get_rate(self) -> str:
        return limits_for(self.rates, self.setting)[self.which]

    def allow_request(self, request, view) -> bool:
        if request.method != "POST":
            return True
        if self.exempt_perm and request.user.has_perm(self.exempt_perm):
            return True
        return super().allow_request(request, view)


class ClientRateThrottle(_PostThrottle):
    """Per client: the signed-in account, else the browser session, else the address."""

    which = "client"

    def get_cache_key(self, request, view) -> str:
        if request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        elif request.session.session_key:
            ident = f"session:{request.session.session_key}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AddressRateThrottle(_PostThrottle):
    """Per network address, looser: many phones may share one (a carrier's NAT), but a
    client that drops its session each time is still held back."""

    which = "address"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
