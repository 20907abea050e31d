"""Rows written with ``executemany`` of plain tuples and explicit ids, and the sealed
numbers of a resident computed without a model instance."""

from __future__ import annotations

from django.db import connection
from django.db.models import Max

from fengqiao.registry.models import Address, SealedIdentity

BATCH_SIZE = 2000


class Sealed:
    """What ``SealedIdentity.set_document`` writes, without a model instance (a Resident's
    ``__init__`` costs more than the sealing); read back into a row."""

    __slots__ = tuple(field.attname for field in SealedIdentity._meta.fields)

    set_document = SealedIdentity.set_document

    def __init__(self) -> None:
        self.birth_date = None
        self.sex = ""

    set_phone = SealedIdentity.set_phone


class Table:
    """Rows of one model as tuples with explicit ids, written with ``executemany``."""

    def __init__(self, model, columns: tuple[str, ...]) -> None:
        concrete = [field.attname for field in model._meta.concrete_fields]
        if set(concrete) != {"id", *columns}:
            raise RuntimeError(f"{model.__name__} columns changed: {sorted(concrete)}")
        self.model = model
        by_attname = {field.attname: field.column for field in model._meta.concrete_fields}
        quoted = ", ".join(connection.ops.quote_name(by_attname[c]) for c in ("id", *columns))
        self.sql = (
            f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({quoted}) "
            f"VALUES ({', '.join(['%s'] * (len(columns) + 1))})"
        )
        self.first_id = (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        self.next_id = self.first_id
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, *values) -> int:
        pk = self.next_id
        self.next_id += 1
        self.rows.append((pk, *values))
        if len(self.rows) >= BATCH_SIZE:
            self.flush()
        return pk

    def flush(self) -> None:
        if self.rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.rows)
            self.written += len(self.rows)
            self.rows = []


SEALED_COLUMNS = tuple(field.attname for field in SealedIdentity._meta.fields)
PHONE_COLUMNS = ("phone_sealed", "phone_hash", "phone_masked", "phone_last4")
ADDRESS_COLUMNS = (
    "grid_id",
    "building_id",
    "kind",
    *Address.ELEMENTS,
    "full_text",
    "tail",
    "key",
    "raw_text",
    "verified_by_id",
    "verified_at",
    "lon",
    "lat",
    "scope_path",
)
HOUSE_COLUMNS = (
    "address_id",
    "label",
    "use",
    "owner_name",
    *PHONE_COLUMNS,
    "area_m2",
    "updated_at",
    "scope_path",
)
RESIDENT_COLUMNS = (
    *SEALED_COLUMNS,
    "name",
    "name_pinyin",
    "name_initials",
    "residence_type",
    "hukou_place",
    "house_id",
    "moved_in",
    "moved_out",
    "note",
    "created_at",
    "updated_at",
    "scope_path",
)
