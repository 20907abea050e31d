"""Province-wide tables from a columnar copy of the daily facts, read by DuckDB.

A table of every township of a province for a year sums a fifth of all the facts. PostgreSQL
reads them row by row from all over its table (818 ms at 10 M cases); DuckDB, embedded in
this process, reads only the columns it needs from a Parquet copy sorted by day (49 ms,
docs/figures.md). So:

- ``export()`` (nightly: ``fengqiao manage export_columnar``, or the task
  ``export_columnar``) writes every fact (place, day, level, category, each measure of
  ``MEASURES``) to ``DATA_DIR/columnar/daily_facts.parquet``, replacing the old copy only
  once the new one is complete, with the time it was made in the file itself.
- ``table_by(user, region, period, depth=...)`` sums the measures per place ``depth`` levels
  under ``region`` (a province's townships: depth 2). It reads the copy while it is younger
  than ``settings.COLUMNAR_MAX_AGE`` and carries every measure; otherwise, the facts in the
  database, which give the same numbers. The answer says which it read and when the copy
  was made, and whether facts changed since, so a page can say how old its figures are.

Scope is the same as everywhere: the region must lie inside the user's jurisdiction (404
otherwise), and the DuckDB query applies the jurisdiction's own subtree ranges (those of
``places.models.subtree_q``), with every value bound as a parameter.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import F, Sum
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.analytics import models as figures
from fengqiao.analytics.indicators import Definition, Period, Value, ratio_value
from fengqiao.analytics.models import DailyFact
from fengqiao.org.permissions import VIEW_FIGURES
from fengqiao.org.scope import get_for, scope_for
from fengqiao.places.models import PATH_SEPARATOR, Region, subtree_q
from fengqiao.places.selectors import grids_under

logger = logging.getLogger(__name__)

FILE_NAME = "daily_facts.parquet"
# Rows fetched from the database at a time while exporting.
CHUNK = 50_000
# A place with more grids than this has its places compared from the copy (dashboard).
MIN_GRIDS = 2000
# Deepest table asked for: province down to grid is four levels, and a city adds one.
MAX_DEPTH = 6
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
# The columns of the copy besides the measures, with their DuckDB types.
KEY_COLUMNS = {"scope_path": "VARCHAR", "day": "DATE", "level": "SMALLINT", "category": "VARCHAR"}


def directory() -> Path:
    return Path(settings.DATA_DIR) / "columnar"


def _measures() -> list[str]:
    """The measures as the facts hold them now (read at call time: measures get added)."""
    names = list(figures.MEASURES)
    for name in names:
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"measure {name!r} is not a plain column name")
    return names


def _database() -> str:
    """Which database the facts came from: a copy of another one is never read."""
    return f"{connection.vendor}:{connection.settings_dict['NAME']}"


# --- the copy ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Copy:
    """The columnar copy on disk, as its own metadata describes it."""

    path: Path
    made_at: dt.datetime
    measures: tuple[str, ...]
    last_fact_id: int
    rows: int
    database: str

    @property
    def age(self) -> dt.timedelta:
        return timezone.now() - self.made_at

    def usable(self) -> bool:
        """Younger than ``COLUMNAR_MAX_AGE``, made from this database, holding every
        measure the facts hold now."""
        return (
            self.database == _database()
            and set(_measures()) <= set(self.measures)
            and self.age.total_seconds() <= settings.COLUMNAR_MAX_AGE
        )


def _literal(text: str) -> str:
    """A SQL string literal (for COPY's file name and metadata, which take no parameters;
    every value here is the program's own, never a user's)."""
    return "'" + str(text).replace("'", "''") + "'"


def current_copy() -> Copy | None:
    """The copy on disk, or None when there is none or it cannot be read."""
    path = directory() / FILE_NAME
    if not path.exists():
        return None
    try:
        with duckdb.connect() as duck:
            rows = duck.execute(
                "SELECT decode(key), decode(value) FROM parquet_kv_metadata(?)", [str(path)]
            ).fetchall()
        meta = dict(rows)
        return Copy(
            path=path,
            made_at=dt.datetime.fromisoformat(meta["made_at"]),
            measures=tuple(meta["measures"].split(",")),
            last_fact_id=int(meta["last_fact_id"]),
            rows=int(meta["rows"]),
            database=meta["database"],
        )
    except (duckdb.Error, KeyError, ValueError) as error:
        logger.warning("columnar copy %s unreadable: %s", path, error)
        return None


def _facts_query(columns: list[str]):
    return DailyFact.objects.unscoped_for_jobs().order_by().values_list(*columns)


def _load_facts(duck, columns: list[str], work: Path, size: int) -> None:
    """Every fact into DuckDB's table ``facts``, ``size`` rows at a time. One query, so one
    snapshot of the facts even while they change. PostgreSQL streams them as CSV (COPY, no
    Python per row); any other database is read through a cursor."""
    if connection.vendor == "postgresql":
        _load_by_copy(duck, columns, work, size)
        return
    rows = _facts_query(columns).iterator(chunk_size=size)
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            _insert_rows(duck, columns, batch)
            batch = []
    if batch:
        _insert_rows(duck, columns, batch)


def _insert_rows(duck, columns: list[str], batch: list[tuple]) -> None:
    chunk = {}
    for name, values in zip(columns, zip(*batch, strict=True), strict=True):
        text = KEY_COLUMNS.get(name) in ("VARCHAR", "DATE")
        chunk[name] = np.array(values, dtype=object if text else np.int64)
    duck.register("chunk", chunk)
    duck.execute("INSERT INTO facts SELECT * FROM chunk")
    duck.unregister("chunk")


def _load_by_copy(duck, columns: list[str], work: Path, size: int) -> None:
    """PostgreSQL's COPY of the facts query as CSV, loaded ``size`` rows at a time through a
    CSV file in ``work`` (so the disk holds one chunk of text, never the whole province)."""
    sql, params = _facts_query(columns).query.sql_with_params()
    part = work / "part.csv"
    types = duck.execute("SELECT name, type FROM pragma_table_info('facts')").fetchall()
    spec = "{" + ", ".join(f"{_literal(name)}: {_literal(kind)}" for name, kind in types) + "}"
    insert = f"INSERT INTO facts SELECT * FROM read_csv(?, header = false, columns = {spec})"
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
            out, lines = open(part, "wb"), 0  # noqa: SIM115 - reopened for every chunk
            try:
                for data in copy:  # one CopyData message: one row
                    out.write(data)
                    lines += 1
                    if lines >= size and data[-1:] == b"\n":
                        out.close()
                        duck.execute(insert, [str(part)])
                        out, lines = open(part, "wb"), 0  # noqa: SIM115
            finally:
                out.close()
        if lines:
            duck.execute(insert, [str(part)])
    part.unlink(missing_ok=True)


def export(*, chunk_size: int = CHUNK) -> Copy:
    """Write every daily fact to the columnar copy, sorted by day and place, replacing the
    previous copy in one step once the new one is complete. The copy is stamped with the
    time the export started: it holds at least every fact written before then."""
    made_at = timezone.now()
    measures = _measures()
    columns = ["id", *KEY_COLUMNS, *measures]
    folder = directory()
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / FILE_NAME
    with tempfile.TemporaryDirectory(prefix=".export-", dir=folder) as work:
        work = Path(work)
        partial = work / FILE_NAME
        # A DuckDB database on disk holds the rows while they come (compressed, and sorted
        # with spilling to disk if a province's facts outgrow memory).
        with duckdb.connect(str(work / "build.duckdb")) as duck:
            types = {"id": "BIGINT", **KEY_COLUMNS, **dict.fromkeys(measures, "INTEGER")}
            duck.execute(
                "CREATE TABLE facts ("
                + ", ".join(f'"{name}" {types[name]}' for name in columns)
                + ")"
            )
            _load_facts(duck, columns, work, chunk_size)
            last_fact_id, rows = duck.execute(
                "SELECT coalesce(max(id), 0), count(*) FROM facts"
            ).fetchone()
            meta = {
                "made_at": made_at.isoformat(),
                "measures": ",".join(measures),
                "last_fact_id": str(last_fact_id),
                "rows": str(rows),
                "database": _database(),
            }
            kept = ", ".join(f'"{name}"' for name in [*KEY_COLUMNS, *measures])
            kv = ", ".join(f"{key}: {_literal(value)}" for key, value in meta.items())
            duck.execute(
                f"COPY (SELECT {kept} FROM facts ORDER BY day, scope_path) TO "
                f"{_literal(partial)} (FORMAT parquet, KV_METADATA {{{kv}}})"
            )
        os.replace(partial, final)
    return Copy(
        path=final,
        made_at=made_at,
        measures=tuple(measures),
        last_fact_id=last_fact_id,
        rows=rows,
        database=meta["database"],
    )


# --- the table ----------------------------------------------------------------------------


@dataclass
class Place:
    """One row of the table: a place and its measures summed (and its 常住人口)."""

    region: Region
    sums: dict[str, int]

    def values(self, definitions: Iterable[Definition]) -> dict[str, Value]:
        return {d.code: ratio_value(d, self.sums) for d in definitions}


@dataclass
class PlaceTable:
    """The places ``depth`` levels under ``region`` with their sums for ``period``, and where
    the numbers were read: ``engine`` is "columnar" (DuckDB over ``copy``) or "facts"."""

    region: Region
    period: Period
    depth: int
    places: list[Place]
    engine: str
    copy: Copy | None = None
    # Facts were written after the copy was made: the table does not show them yet.
    behind: bool = False
    seconds: float = field(default=0.0, compare=False)

    @property
    def note(self) -> str:
        """How old the figures are, in words for the page ("" when read live)."""
        if self.engine != "columnar" or self.copy is None:
            return ""
        made = timezone.localtime(self.copy.made_at).strftime("%Y-%m-%d %H:%M")
        text = _("列式副本，生成于 %(made)s") % {"made": made}
        if self.behind:
            text += _("；此后的变动尚未计入")
        return text


def _region_for(user, region: Region | str) -> Region:
    if isinstance(region, str):
        return get_for(user, Region, code=region)
    if not scope_for(user).covers_region_path(region.path):
        raise Http404
    return region


def _prefix(path: str, codes: int) -> str | None:
    """The path of the ancestor (or self) of ``path`` with ``codes`` codes; None when the
    path is shallower than that."""
    parts = path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)
    if len(parts) < codes:
        return None
    return PATH_SEPARATOR + PATH_SEPARATOR.join(parts[:codes]) + PATH_SEPARATOR


def _key_length(places: list[Region]) -> int | None:
    """When every place's path has one length, a fact's place is the first that many
    characters of its path (one cheap group); otherwise None: group by the full path."""
    lengths = {len(place.path) for place in places}
    return lengths.pop() if len(lengths) == 1 else None


def _roll_up(
    rows: Iterable[tuple], measures: list[str], by_path: dict[str, Place], codes: int
) -> None:
    """Add each (key, *sums) row to the place whose path is the key's prefix."""
    for key, *sums in rows:
        place = by_path.get(_prefix(key, codes) or "")
        if place is None:
            continue
        for name, value in zip(measures, sums, strict=True):
            place.sums[name] += int(value or 0)


def _from_facts(user, region: Region, period: Period, places, measures, codes) -> None:
    length = _key_length([place.region for place in places.values()])
    facts = DailyFact.objects.for_user(user).filter(
        subtree_q(region.path, "scope_path"), day__gte=period.start, day__lte=period.end
    )
    key = Substr("scope_path", 1, length) if length else F("scope_path")
    rows = facts.annotate(key=key).values("key").annotate(**{m: Sum(m) for m in measures})
    _roll_up(rows.values_list("key", *measures), measures, places, codes)


def _from_copy(user, region: Region, period: Period, copy: Copy, places, measures, codes):
    """The same sums by DuckDB over the copy: the period, the region's subtree and the
    user's jurisdiction (each of its subtrees) as bound ranges."""
    conditions = ["day >= ?", "day <= ?", "scope_path >= ?", "scope_path < ?"]
    params: list = [period.start, period.end, region.path, region.path[:-1] + "0"]
    scope = scope_for(user)
    if not scope.everything:
        if not scope.region_paths:
            return
        ranges = []
        for path in scope.region_paths:
            ranges.append("(scope_path >= ? AND scope_path < ?)")
            params += [path, path[:-1] + "0"]
        conditions.append("(" + " OR ".join(ranges) + ")")
    length = _key_length([place.region for place in places.values()])
    key = "substr(scope_path, 1, ?)" if length else "scope_path"
    sums = ", ".join(f'CAST(sum("{m}") AS BIGINT)' for m in measures)
    sql = (
        f"SELECT {key} AS key, {sums} FROM read_parquet(?) "
        f"WHERE {' AND '.join(conditions)} GROUP BY ALL"
    )
    params = ([length] if length else []) + [str(copy.path)] + params
    with duckdb.connect() as duck:
        rows = duck.execute(sql, params).fetchall()
    _roll_up(rows, measures, places, codes)


def _populations(user, region: Region, places: dict[str, Place], codes: int) -> None:
    """常住人口 of each place as ``indicators.population_of`` counts it: its own figure,
    else its grids' sum (one grouped query for all)."""
    wanting = {path: place for path, place in places.items() if not place.region.population}
    for place in places.values():
        place.sums["population"] = place.region.population or 0
    if not wanting:
        return
    length = _key_length([place.region for place in wanting.values()])
    grids = Region.objects.for_user(user).filter(subtree_q(region.path), level="grid")
    key = Substr("path", 1, length) if length else F("path")
    rows = grids.annotate(key=key).values("key").annotate(n=Sum("population"))
    _roll_up(rows.values_list("key", "n"), ["population"], wanting, codes)


def table_by(user, region: Region | str, period: Period, *, depth: int) -> PlaceTable:
    """Each measure of the facts summed over ``period`` per place ``depth`` levels under
    ``region`` (a Region or its code), in path order, every place of that level included.
    Read from the columnar copy while it is usable (``Copy.usable``), else from the facts;
    the same numbers either way. The region must lie in the user's jurisdiction (404);
    the user needs the figures permission (403)."""
    if not user.has_perm(VIEW_FIGURES):
        raise PermissionDenied(_("您没有查看统计数据的权限"))
    if not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise ValidationError(
            {"depth": _("下级层数应为 1 到 %(most)d 之间的整数") % {"most": MAX_DEPTH}}
        )
    region = _region_for(user, region)
    started = time.perf_counter()
    measures = _measures()
    codes = len(region.path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)) + depth
    regions = Region.objects.for_user(user).filter(
        subtree_q(region.path), depth=region.depth + depth
    )
    places = {
        r.path: Place(r, dict.fromkeys(measures, 0))
        for r in regions.defer("boundary").order_by("path")
    }
    table = PlaceTable(region, period, depth, list(places.values()), engine="facts")
    if places:
        copy = current_copy()
        if copy is not None and copy.usable():
            _from_copy(user, region, period, copy, places, measures, codes)
            table.engine, table.copy = "columnar", copy
            table.behind = (
                DailyFact.objects.for_user(user)
                .filter(subtree_q(region.path, "scope_path"), pk__gt=copy.last_fact_id)
                .exists()
            )
        else:
            _from_facts(user, region, period, places, measures, codes)
        _populations(user, region, places, codes)
    table.seconds = time.perf_counter() - started
    return table


def suits(user, region: Region | None) -> bool:
    """Whether ``region`` is big enough (more than ``MIN_GRIDS`` grids) for its places to be
    compared from the columnar copy."""
    return region is not None and grids_under(user, [region]).count() > MIN_GRIDS
