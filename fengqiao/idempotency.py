"""Idempotency keys belong to whoever sent them.

A client's key only ever finds what the same sender sent on the same channel: the key is
stored as a keyed hash of (sender, channel, key), so a key replayed by anyone else is a new
request, never an answer about someone else's record, and nobody can squat a key another
sender will use. The stored value cannot be predicted without the server's secret.

Senders are named by the caller's identity, never by what the request says about itself:
``user:<id>`` for a signed-in account, ``session:<key>`` for an anonymous browser,
``open311:<id>`` for an Open311 key, ``system:<purpose>`` for conversions the server makes.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def sender_of(actor=None, *, session=None) -> str:
    """The sender a key belongs to: the signed-in account, else the browser's session.

    An anonymous visitor without a session gets one here, so a double tap from the same
    browser finds its first report."""
    if getattr(actor, "is_authenticated", False):
        return f"user:{actor.pk}"
    if session is None:
        return ""
    if not session.session_key:
        session.save()
    return f"session:{session.session_key}"


def stored_key(*, key: str | None, sender: str, channel: str) -> str | None:
    """What is kept in a record's unique ``client_key`` column for ``key`` from ``sender``
    on ``channel``: 64 hex characters, or None when there is no key (or no sender to bind
    it to, which makes the request simply not idempotent)."""
    if not key:
        return None
    if not CLIENT_KEY.match(key):
        raise ValidationError({"client_key": _("重复提交标识应为 8–64 位字母、数字、- 或 _")})
    if not sender:
        return None
    message = f"{sender}\x1f{channel}\x1f{key}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
