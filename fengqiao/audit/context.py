"""Where the current action comes from (an IP and path, or a command), for the audit trail.

A context variable, not module state: each request thread or task sees its own value.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

_origin: ContextVar[str] = ContextVar("fengqiao_audit_origin", default="")


def current_origin() -> str:
    return _origin.get()


@contextmanager
def origin(value: str):
    token = _origin.set(value[:200])
    try:
        yield
    finally:
        _origin.reset(token)
