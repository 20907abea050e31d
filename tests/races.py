"""Races made deterministic: another request's write lands right after a service has checked
that its own write is allowed, and before it writes, the window two simultaneous requests
share. No mock: the other write is a real service call on the same database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def lands_after(*fragments: str, write: Callable[[], object]) -> Iterator[list[str]]:
    """Run ``write`` right after the first query whose SQL holds every one of ``fragments``
    (the service's check) has run. Yields the list of the matched queries: a test asserts
    it is not empty, so it cannot pass without the race having happened."""
    matched: list[str] = []

    def after_check(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not matched and all(fragment in sql for fragment in fragments):
            matched.append(sql)
            write()
        return result

    with connection.execute_wrapper(after_check):
        yield matched
