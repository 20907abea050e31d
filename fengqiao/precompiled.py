"""Hot reads compiled to SQL once per process, then run with each call's values (issue 20).

Django builds and compiles a queryset's SQL again every time it is evaluated. For the few
reads every report makes (its routing, its reporter), building and compiling was a third of
a report's CPU in a web worker, more than the database's own work on the statement. A
``precompiled`` read is an ordinary function that builds a queryset from its arguments. The
first call per *shape* (the type of each argument, and of each item of a list argument)
builds it with marker values, compiles it, and notes which of the SQL's parameters stand
for which argument; later calls put their own values in those places and run the same SQL
through the queryset's own iterable, so rows become models, values or annotations exactly
as the queryset makes them.

The contract, checked where it can be:

- the function's queryset depends on its arguments only (no clock, no settings read at call
  time), and never on their values beyond the shape: it is built once with markers in
  their place, and its SQL is kept for the life of the process;
- arguments are int, str or date, or lists, tuples or sets of those (a None, a bool or an
  empty list runs the queryset uncompiled: those change the SQL's shape or its meaning);
- a function keeps at most ``MAX_SHAPES`` statements, and a list longer than ``MAX_ITEMS``
  (say, a report naming hundreds of parties) runs uncompiled: what a caller sends cannot
  make the process keep ever more SQL;
- every argument must reach the SQL as a parameter of its own. One that a lookup transforms
  (``__startswith`` adds a wildcard) or that the ORM folds into the SQL text is refused at
  the first call with ``ImproperlyConfigured``, never run with the wrong value;
- no ``prefetch_related`` (it runs beside the SQL, not in it).

Each call returns a list.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections
from django.db.models import QuerySet

# Markers: values no real argument takes, each kept intact by the field that compiles it
# (inside the 32-bit range, which Django checks for integer lookups, and positive, which
# it checks for positive fields).
_FIRST_INT_MARKER = 2_147_000_000
MAX_SHAPES = 64
MAX_ITEMS = 32
_FIRST_DATE_MARKER = dt.date(1001, 1, 1)


@dataclass(frozen=True)
class _Compiled:
    template: QuerySet
    alias: str  # the queryset's database (``QuerySet.db`` asks the routers every time)
    compiler: object
    sql: str
    params: tuple
    slots: tuple[tuple[int, int, int | None], ...]  # (param index, argument, list position)


def precompiled(build: Callable[..., QuerySet]) -> Callable[..., list]:
    """Decorate a queryset-building function so its SQL is compiled once per shape."""
    compiled: dict[tuple, _Compiled] = {}
    lock = threading.Lock()

    @functools.wraps(build)
    def run(*args) -> list:
        shape = _shape(args)
        if shape is None:
            return list(build(*args))
        entry = compiled.get(shape)
        if entry is None:
            if len(compiled) >= MAX_SHAPES:
                return list(build(*args))
            with lock:
                entry = compiled.get(shape) or _compile(build, args)
                compiled[shape] = entry
        return _run(entry, args)

    return run


def _shape(args: tuple) -> tuple | None:
    shape = []
    if len(args) > MAX_ITEMS:
        return None
    for value in args:
        if isinstance(value, list | tuple | set | frozenset):
            if not 0 < len(value) <= MAX_ITEMS or not all(_markable(item) for item in value):
                return None
            shape.append(tuple(type(item).__name__ for item in value))
        elif _markable(value):
            shape.append(type(value).__name__)
        else:
            return None
    return tuple(shape)


def _markable(value) -> bool:
    return type(value) in (int, str, dt.date)


def _compile(build: Callable[..., QuerySet], args: tuple) -> _Compiled:
    counter = iter(range(10**6))
    marked = []
    wanted: dict[object, tuple[int, int | None]] = {}
    for position, value in enumerate(args):
        if isinstance(value, list | tuple | set | frozenset):
            markers = [_marker(item, next(counter)) for item in value]
            for index, marker in enumerate(markers):
                wanted[marker] = (position, index)
            marked.append(markers)
        else:
            marker = _marker(value, next(counter))
            wanted[marker] = (position, None)
            marked.append(marker)
    template = build(*marked)
    if template._prefetch_related_lookups:
        raise ImproperlyConfigured(f"{build.__qualname__}: prefetch_related runs beside the SQL")
    compiler = template.query.get_compiler(using=template.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet as empty:
        raise ImproperlyConfigured(f"{build.__qualname__}: the markers made no SQL") from empty
    ops = compiler.connection.ops
    adapted = {
        (ops.adapt_datefield_value(marker) if isinstance(marker, dt.date) else marker): where
        for marker, where in wanted.items()
    }
    slots = tuple(
        (index, *adapted[param])
        for index, param in enumerate(params)
        if isinstance(param, int | str | dt.date) and param in adapted
    )
    found = {(position, item) for _index, position, item in slots}
    if found != set(adapted.values()):
        raise ImproperlyConfigured(
            f"{build.__qualname__}: an argument does not reach the SQL as a parameter of its own"
        )
    return _Compiled(template, template.db, compiler, sql, tuple(params), slots)


def _marker(value, n: int):
    if isinstance(value, dt.date):
        return _FIRST_DATE_MARKER + dt.timedelta(days=n)
    if isinstance(value, int):
        return _FIRST_INT_MARKER + n
    return f"\u2063fengqiao-marker-{n}\u2063"


def _run(entry: _Compiled, args: tuple) -> list:
    connection = connections[entry.alias]
    params = list(entry.params)
    ops = connection.ops
    values = [list(arg) if isinstance(arg, set | frozenset) else arg for arg in args]
    for index, position, item in entry.slots:
        value = values[position] if item is None else values[position][item]
        params[index] = ops.adapt_datefield_value(value) if isinstance(value, dt.date) else value
    # A compiler of this run: the template's select and converters, this thread's
    # connection, and the SQL with this call's values.
    compiler = object.__new__(type(entry.compiler))
    compiler.__dict__.update(entry.compiler.__dict__)
    compiler.connection = connection
    compiler.as_sql = lambda *_args, **_kwargs: (entry.sql, tuple(params))
    template = entry.template
    query = _RunQuery(template.query, compiler)
    view = SimpleNamespace(
        query=query,
        db=entry.alias,
        model=template.model,
        _fields=template._fields,
        _known_related_objects={},
    )
    return list(template._iterable_class(view))


class _RunQuery:
    """The template's query for one run: its attributes, and this run's compiler."""

    def __init__(self, query, compiler):
        self._query = query
        self._compiler = compiler

    def __getattr__(self, name):
        return getattr(self._query, name)

    def get_compiler(self, *_args, **_kwargs):
        return self._compiler
