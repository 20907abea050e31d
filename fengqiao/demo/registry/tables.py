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
        fields = {field.attname: field for field in model._meta.concrete_fields}
        # A column the demo does not fill is written empty when the model allows it (an
        # end date, a reason); one that needs a value stops the demo until it gets one.
        unfilled = [name for name in fields if name not in {"id", *columns}]
        needed = [name for name in unfilled if not _may_stay_empty(fields[name])]
        if needed or not set(columns) <= set(fields):
            raise RuntimeError(f"{model.__name__} columns changed: {sorted(fields)}")
        self.empty = tuple(fields[name].get_default() for name in unfilled)
        self.model = model
        names = ("id", *columns, *unfilled)
        quoted = ", ".join(connection.ops.quote_name(fields[c].column) for c in names)
        self.sql = (
            f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({quoted}) "
            f"VALUES ({', '.join(['%s'] * len(names))})"
        )
        self.first_id = (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        self.next_id = self.first_id
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, *values) -> int:
        pk = self.next_id
        self.next_id += 1
        self.rows.append((pk, *values, *self.empty))
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


def _may_stay_empty(field) -> bool:
    return field.null or field.has_default() or (field.blank and field.empty_strings_allowed)
