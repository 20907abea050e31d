"""``insert_together``: new rows of several models, written in one statement on PostgreSQL.

A service that creates a handful of rows in one transaction (a case, its party, its
handlers, its first timeline entry, the report that opened it) pays a round trip for each
``save``. PostgreSQL runs several ``INSERT``s as one statement when they are data-modifying
``WITH`` items (``WITH t0 AS (INSERT ... RETURNING id), t1 AS (INSERT ...) SELECT ...``);
SQLite cannot, so there the same inserts run one after another. Either way each ``INSERT``
is built by Django's own insert compiler (``Model.save`` and ``bulk_create`` use it too), so
every value is converted as Django converts it, and ``pre_save`` and ``post_save``
(``created=True``) are sent for every object, as ``save`` sends them: the listeners
(analytics' facts, among others) hear these rows like any other.

What ``save`` does beyond that is not done, as with ``bulk_create``: a model's own ``save``
override is not called (set what it would set, such as a ``scope_path``, before the call),
and ``m2m_changed`` is not sent for through rows.

A ``Take`` is a statement that changes one row and returns one value (a counter's upsert):
on PostgreSQL it is the first ``WITH`` item, and the rows' values may read it through an
expression, so the row it locks stays locked only from this statement to the commit; on
SQLite it runs first, and its ``found`` puts the value in the rows before they are written.

Inside one PostgreSQL statement every ``WITH`` item sees the database as it was before the
statement: a read given to ``insert_together`` does not see its rows, and nothing may
depend on one row being in before another (Django declares foreign keys ``DEFERRABLE
INITIALLY DEFERRED``, so they are checked at the commit, not row by row).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery


@dataclass(frozen=True)
class Read:
    """A one-value read (``sql`` is an SQL expression) to run with the inserts; ``found``
    is called with its value once the rows are written."""

    sql: str
    params: Sequence[Any]
    found: Callable[[Any], None]


@dataclass(frozen=True)
class Take:
    """A statement that changes a row and returns one value (``... RETURNING x``), taken
    before the rows are written. On PostgreSQL it is the ``WITH`` item ``name``, which the
    rows' values read as an expression (``RawSQL("(SELECT ... FROM name)")``); elsewhere
    it runs alone first. ``found`` gets its value before the rows are written (SQLite:
    it must put plain values in place of those expressions) or after (PostgreSQL), and
    before ``post_save`` either way."""

    name: str
    sql: str
    params: Sequence[Any]
    found: Callable[[Any], None]


def insert_together(
    objs: Sequence[Model], *, reads: Sequence[Read] = (), takes: Sequence[Take] = ()
) -> None:
    """Insert ``objs`` (all new), in the order given: one ``INSERT`` for each run of
    objects of the same model, all in one statement on PostgreSQL, ``takes`` and ``reads``
    included.

    An object may refer (by a foreign key set to the object itself) to an object before it
    in ``objs`` that has no key yet: on PostgreSQL that key is read from the earlier
    ``INSERT`` inside the statement, which needs the earlier object to be the only one of
    its run. The keys the database gives are set on the objects, as ``save`` sets them.
    On SQLite each read is a statement of its own, after the inserts.
    """
    runs = _runs(objs)
    _check_references(runs)
    alias = connection.alias
    together = connection.vendor == "postgresql" and len(runs) + len(reads) + len(takes) > 1
    if not together:
        for take in takes:
            with connection.cursor() as cursor:
                cursor.execute(take.sql, take.params)
                take.found(cursor.fetchone()[0])
    for obj in objs:
        pre_save.send(sender=type(obj), instance=obj, raw=False, using=alias, update_fields=None)
    if together:
        _in_one_statement(runs, reads, takes)
    else:
        for run in runs:
            _insert_run(run)
        for read in reads:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {read.sql}", read.params)
                read.found(cursor.fetchone()[0])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
        post_save.send(
            sender=type(obj),
            instance=obj,
            created=True,
            update_fields=None,
            raw=False,
            using=alias,
        )


def _runs(objs: Sequence[Model]) -> list[list[Model]]:
    runs: list[list[Model]] = []
    for obj in objs:
        if not obj._state.adding:
            raise ValueError(f"{obj!r} is already saved: insert_together writes new rows")
        if runs and type(runs[-1][0]) is type(obj):
            runs[-1].append(obj)
        else:
            runs.append([obj])
    return runs


def _check_references(runs: list[list[Model]]) -> None:
    """Refuse, on every database alike, a foreign key to a new object that the statement
    cannot give its key: one later in ``objs``, or one of several in its run."""
    where = {id(obj): n for n, run in enumerate(runs) for obj in run}
    for n, run in enumerate(runs):
        for obj in run:
            for field, earlier in _new_objects_named(obj, where):
                m = where[id(earlier)]
                if m >= n or len(runs[m]) != 1 or field.target_field is not earlier._meta.pk:
                    raise ValueError(
                        f"{obj._meta.label}.{field.name} names a new object that is not the "
                        "only one of an earlier run: insert them apart"
                    )


def _new_objects_named(obj: Model, where: dict[int, int]):
    """(foreign key, object) for each object of this call without a key that ``obj`` names."""
    for field in _foreign_keys(type(obj)):
        if field.is_cached(obj):
            earlier = field.get_cached_value(obj)
            if earlier is not None and not earlier._is_pk_set() and id(earlier) in where:
                yield field, earlier


@functools.cache
def _foreign_keys(model: type[Model]) -> tuple:
    return tuple(field for field in model._meta.concrete_fields if field.is_relation)


@functools.cache
def _concrete_fields(model: type[Model]) -> frozenset:
    return frozenset(model._meta.concrete_fields)


def _fields_and_returning(run: list[Model]):
    """The columns an insert of ``run`` writes and the ones it reads back, as ``save``."""
    meta = run[0]._meta
    pk_set = {obj._is_pk_set() for obj in run}
    if len(pk_set) > 1:
        raise ValueError(f"some {meta.label} objects have a key and some not: insert them apart")
    given = pk_set.pop()
    fields = [
        f
        for f in meta.local_concrete_fields
        if not f.generated and (given or f is not meta.auto_field)
    ]
    returning = [] if given else meta.db_returning_fields
    if returning and returning != [meta.pk]:
        # Columns with a database default come back too; not needed here so far.
        raise ValueError(f"{meta.label}: only the key can be read back from the database")
    return fields, returning


def _insert_run(run: list[Model]) -> None:
    """One ``INSERT`` of ``run`` through Django's own path (``Model._do_insert``)."""
    for obj in run:
        obj._prepare_related_fields_for_save(operation_name="save")
    model = type(run[0])
    fields, returning = _fields_and_returning(run)
    rows = model._base_manager._insert(
        run, fields=fields, returning_fields=returning, using=connection.alias
    )
    for obj, row in zip(run, rows or (), strict=False):
        for value, field in zip(row, returning, strict=True):
            setattr(obj, field.attname, value)


def _in_one_statement(
    runs: list[list[Model]], reads: Sequence[Read], takes: Sequence[Take]
) -> None:
    """PostgreSQL: each take and then every run a ``WITH`` item of one statement, whose one
    row holds each item's keys (an array, in the order ``RETURNING`` gave them), each
    read's value and each take's."""
    qn = connection.ops.quote_name
    where: dict[int, int] = {id(obj): n for n, run in enumerate(runs) for obj in run}
    items = [f"{qn(take.name)} AS ({take.sql})" for take in takes]
    params = [param for take in takes for param in take.params]
    columns, returned = [], []
    waiting: list[tuple[Model, object, Model]] = []  # (object, foreign key, object it names)
    for n, run in enumerate(runs):
        fields, returning = _fields_and_returning(run)
        pending = _keys_from_earlier_items(run, where)
        waiting += pending
        read_later: dict[int, set] = {}
        for obj, field, _earlier in pending:
            read_later.setdefault(id(obj), set()).add(field)
        for obj in run:
            skipped = read_later.get(id(obj))
            obj._prepare_related_fields_for_save(
                operation_name="save",
                # A set: Django tests each field's membership, a list would compare them all.
                fields=_concrete_fields(type(obj)) - skipped if skipped else None,
            )
        query = InsertQuery(type(run[0]))
        query.insert_values(fields, run, raw=False)
        compiler = query.get_compiler(using=connection.alias)
        compiler.returning_fields = returning
        try:
            statements = compiler.as_sql()
        finally:
            for obj, field, _earlier in pending:
                obj.__dict__[field.attname] = None  # it was None: the object had no key
        if len(statements) != 1:
            raise ValueError(f"{run[0]._meta.label}: the insert is not one statement")
        sql, run_params = statements[0]
        items.append(f"t{n} AS ({sql})")
        params += run_params
        if returning:
            columns.append(f"ARRAY(SELECT {qn(returning[0].column)} FROM t{n})")
        returned.append(returning)
    for read in reads:
        columns.append(f"({read.sql})")
        params += read.params
    columns += [f"(SELECT * FROM {qn(take.name)})" for take in takes]
    with_items = f"WITH {', '.join(items)} " if items else ""
    with connection.cursor() as cursor:
        cursor.execute(f"{with_items}SELECT {', '.join(columns) or 'NULL'}", params)
        values = list(cursor.fetchone()) if columns else []
    for run, returning in zip(runs, returned, strict=True):
        if not returning:
            continue
        keys = values.pop(0)
        if len(keys) != len(run):
            raise RuntimeError(f"{run[0]._meta.label}: {len(keys)} keys for {len(run)} rows")
        for obj, key in zip(run, keys, strict=True):
            setattr(obj, returning[0].attname, key)
    for obj, field, earlier in waiting:
        # Through the object, as ``save`` does once it has its key: the cache stays.
        setattr(obj, field.name, earlier)
    for read, value in zip(reads, values[: len(reads)], strict=True):
        read.found(value)
    for take, value in zip(takes, values[len(reads) :], strict=True):
        take.found(value)


def _keys_from_earlier_items(run, where):
    """For each object of ``run`` whose foreign key names an earlier object still without
    a key: put a read of that key from the earlier ``WITH`` item in its place (until the
    statement is built)."""
    pending = []
    for obj in run:
        for field, earlier in _new_objects_named(obj, where):
            column = connection.ops.quote_name(earlier._meta.pk.column)
            obj.__dict__[field.attname] = RawSQL(f"SELECT {column} FROM t{where[id(earlier)]}", ())
            pending.append((obj, field, earlier))
    return pending
