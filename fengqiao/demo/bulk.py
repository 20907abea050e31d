"""``create``: what ``bulk_create`` writes, at a fraction of its cost per value.

The demo writes about a million values on its first start, and ``bulk_create`` passes each
through ``pre_save`` and ``get_db_prep_save`` (about 5 µs a value on SQLite, a third of the
load). Here a value whose type the database takes as it is (an ``int`` in an integer column,
a ``str`` in a text one) goes straight to ``executemany``; every other value, and every field
of a type not listed, takes Django's own conversion, so what is written is what
``bulk_create`` would write. Keys are given here (the largest so far plus one), as the
registry's tables do (``demo.registry.tables``); on PostgreSQL the sequence is moved past
them afterwards. No signals are sent, as with ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

BATCH = 2000
NONE = type(None)
# Field types whose conversion leaves a value of these types unchanged (exact types only: a
# subclass may convert differently).
_INTEGER = {int, NONE}
_PASS = {
    models.AutoField: _INTEGER,
    models.BigAutoField: _INTEGER,
    models.SmallAutoField: _INTEGER,
    models.IntegerField: _INTEGER,
    models.BigIntegerField: _INTEGER,
    models.SmallIntegerField: _INTEGER,
    models.PositiveIntegerField: _INTEGER,
    models.PositiveSmallIntegerField: _INTEGER,
    models.PositiveBigIntegerField: _INTEGER,
    models.BooleanField: {bool, NONE},
    models.FloatField: {float, int, NONE},
    models.CharField: {str, NONE},
    models.TextField: {str, NONE},
}


def create(model: type[models.Model], objs: Sequence[models.Model]) -> Sequence[models.Model]:
    """Insert ``objs`` (all of ``model``), giving keys to those without; returns them."""
    if not objs:
        return objs
    fields = model._meta.concrete_fields
    pk = model._meta.pk
    missing = [obj for obj in objs if obj.pk is None]
    if missing:
        top = model._default_manager.aggregate(top=Max(pk.attname))["top"] or 0
        for n, obj in enumerate(missing, start=top + 1):
            setattr(obj, pk.attname, n)
    for field in fields:
        if field.is_relation:
            # An object assigned before it had its key (as bulk_create's
            # ``_prepare_related_fields_for_save``).
            for obj in objs:
                if getattr(obj, field.attname) is None and field.is_cached(obj):
                    related = field.get_cached_value(obj)
                    if related is not None:
                        setattr(obj, field.attname, related.pk)
        if _needs_pre_save(field):
            for obj in objs:
                field.pre_save(obj, True)
    values = attrgetter(*(field.attname for field in fields))
    converters = [(i, field, _passes(field)) for i, field in enumerate(fields)]
    convert = [(i, field, kept) for i, field, kept in converters if kept is not None]
    always = [(i, field) for i, field, kept in converters if kept is None]
    rows = []
    for obj in objs:
        row = list(values(obj))
        for i, field, kept in convert:
            if row[i].__class__ not in kept:
                row[i] = field.get_db_prep_save(row[i], connection)
        for i, field in always:
            row[i] = field.get_db_prep_save(row[i], connection)
        rows.append(row)
        obj._state.adding = False
        obj._state.db = connection.alias
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
        if missing:
            for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
                cursor.execute(statement)
    return objs


def _passes(field: models.Field) -> set | None:
    """The value types written unconverted into ``field``, or None for none."""
    if isinstance(field, models.ForeignKey) and type(field) in (
        models.ForeignKey,
        models.OneToOneField,
    ):
        return _passes(field.target_field)
    return _PASS.get(type(field))


def _needs_pre_save(field: models.Field) -> bool:
    if type(field) in (models.DateField, models.DateTimeField):
        return field.auto_now or field.auto_now_add
    return type(field).pre_save is not models.Field.pre_save
