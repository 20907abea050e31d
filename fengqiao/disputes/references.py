"""Case reference numbers: ``county-year-number``, counted per county and year
(``CaseSequence``), never shared, never skipped by a case that was written."""

from __future__ import annotations

import uuid

from django.db import connection
from django.db.models import Model
from django.db.models.expressions import RawSQL

from fengqiao.disputes.models import Case, CaseSequence
from fengqiao.inserts import Take

REFERENCE_DIGITS = 6
# The reference's own WITH item when a case is written in one statement (``ReferenceTake``).
REFERENCE_ITEM = "case_reference"


def reference_of(county: str, year: int, number: int) -> str:
    """A case's reference number: county code, year, and the county's count that year."""
    return f"{county}-{year}-{number:0{REFERENCE_DIGITS}d}"


def _take_sql() -> str:
    """Add ``count`` (the third parameter) to the county's year and return the new last
    number; the first case of a year makes its row. One statement takes the row lock
    (PostgreSQL) or the write lock (SQLite) and reads the new value: no two cases ever
    share a number, and a rolled-back case gives it back."""
    table = CaseSequence._meta.db_table
    return (
        f"INSERT INTO {table} (county_code, year, last) VALUES (%s, %s, %s) "
        f"ON CONFLICT (county_code, year) DO UPDATE SET last = {table}.last + excluded.last "
        "RETURNING last"
    )


def take_references(county: str, year: int, count: int) -> int:
    """Take ``count`` reference numbers of the county's year (a bulk import takes many at
    once) and return the last; the numbers taken are ``last - count + 1 .. last``."""
    with connection.cursor() as cursor:
        cursor.execute(_take_sql(), [county, year, count])
        return cursor.fetchone()[0]


class ReferenceTake:
    """A new case's reference number, taken in the statement that writes the case
    (``insert_together``'s ``Take``): the county's counter row is locked from that
    statement to the commit, not from the start of the opening, so cases of one county
    wait on each other as briefly as they can. Until then the case's reference (and a
    red notice's text, which names it) is an expression that reads the number inside that
    statement; ``found`` puts the plain values in their place."""

    def __init__(self, county: str, year: int) -> None:
        self.county, self.year = county, year
        self.prefix = reference_of(county, year, 0)[:-REFERENCE_DIGITS]
        self.texts: list[tuple[Model, str, str, str, int]] = []
        self.case: Case | None = None

    def expression(self) -> RawSQL:
        # As ``reference_of`` writes it: at least REFERENCE_DIGITS digits, never cut.
        return RawSQL(
            "(SELECT %s::text || lpad(last::text, "
            f"greatest({REFERENCE_DIGITS}, length(last::text)), '0') FROM {REFERENCE_ITEM})",
            [self.prefix],
        )

    def of(self, case: Case) -> Case:
        self.case = case
        case.reference = self.expression()
        return case

    def in_text(self, obj: Model, field: str, template: str, limit: int, **values) -> Model:
        """Set ``obj.field`` to ``template % values`` with the reference as ``%(ref)s``,
        cut to ``limit`` characters."""
        marker = uuid.uuid4().hex  # not in anything a user wrote
        before, after = (template % {**values, "ref": marker}).split(marker, 1)
        self.texts.append((obj, field, before, after, limit))
        reference = self.expression()
        setattr(
            obj,
            field,
            RawSQL(
                f"left(%s::text || {reference.sql} || %s::text, {int(limit)})",
                [before, *reference.params, after],
            ),
        )
        return obj

    def take(self) -> Take:
        return Take(REFERENCE_ITEM, _take_sql(), [self.county, self.year, 1], self.found)

    def found(self, number: int) -> None:
        reference = reference_of(self.county, self.year, number)
        self.case.reference = reference
        for obj, field, before, after, limit in self.texts:
            setattr(obj, field, (before + reference + after)[:limit])
