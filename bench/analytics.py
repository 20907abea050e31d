"""Figures at province scale: the county dashboard and a province-wide table on PostgreSQL,
beside DuckDB. Run by hand: ``python bench/analytics.py [--quick]`` (DuckDB is one of the
project's own dependencies).

Targets (issue 16): over 10,000,000 cases and ~100,000 grids, (a) the county dashboard
(``indicators.compute`` for one county and a year, through Django) under 300 ms p95; (b) the
province-wide indicator table by township for a year, read from the daily facts on
PostgreSQL, within 2x of DuckDB computing the same table from the same rows.

Setup: the database named by ``DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/fengqiao_bench``; ``--quick`` adds ``_quick`` to its
name), created through the server's ``postgres`` maintenance database when missing, migrated,
and kept between runs (``--rebuild`` drops it first; ``--rebuild-facts`` keeps the cases and
makes the facts again, as it does by itself when the facts table lacks a measure's column).
No other database is touched. It is
filled with server-side SQL (``generate_series``): a province of 100 counties, 1,500
townships and 100,500 grids in ``places_region`` (paths as ``Region.save`` writes them,
grids with a population); ``--cases`` cases (10,000,000; 1,000,000 with ``--quick``)
received uniformly over the last five years in uniformly drawn grids, with the risk, level
and state-by-age mixes of ``bench/worklist.py`` and the time columns that follow from the
state (the secondary indexes are dropped for the load and built again after it); then the
daily facts from the case rows in one ``INSERT ... SELECT ... GROUP BY`` (day, grid,
category, level), each measure by the rule in ``CASE_MEASURES``. Synthetic cases have no
timeline, sessions or reports, so ``CASE_MEASURES`` reads each measure off the case's own
columns; "rated" and "satisfied" are drawn from the case id (a third of the resolved cases
rated, nine in ten of those satisfied), the same on both engines.

Measurement: (a) ``indicators.compute`` (with 环比 and 同比) for the first county and the
last whole year, as a user granted that county, ``--runs`` times after warm-up: p50/p95,
and as baseline the same SQL captured and run raw through the cursor; the first-response
statistics (``percentile_cont`` in PostgreSQL) checked against Python's ``percentile`` over
the same cases' minutes. (b) The table of
``province_table_sql`` (received, resolved, mediated ... and the rates of
``TABLE_INDICATORS`` as indicators.json defines them, per township) for the last whole year:
PostgreSQL from the facts (the product's way), PostgreSQL from the case rows, and DuckDB
(embedded, in this process) from a Parquet copy of the case rows and of the facts, exported
once (timed apart). Medians of ``--runs`` runs; ratios to PostgreSQL from the facts; every
engine's table is checked to equal the others'.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.worklist import (  # noqa: E402 - after the path is set
    STATES_BY_AGE,
    ensure_database,
    percentile,
    pg_url_for,
    say,
    time_sql,
    weighted_case,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/fengqiao_bench"
TARGET_DASHBOARD_P95_MS = 300.0
TARGET_RATIO = 2.0
COUNTIES, TOWNSHIPS_PER_COUNTY, GRIDS_PER_TOWNSHIP = 100, 15, 67
YEARS = 5
PROVINCE = "99"

# --- the one rule, as SQL: a case row's contribution to each measure --------------------
# Portable SQL over the columns of a case row ``c`` (PostgreSQL and DuckDB alike). The
# facts are the sums of these by (day, grid, category, level); the DuckDB side sums the same
# expressions over the exported case rows, so both must agree.
_FIRST_ACTION_LIMIT = (
    "CASE c.risk WHEN 'red' THEN INTERVAL '2 hours' WHEN 'yellow' THEN INTERVAL '1 day'"
    " ELSE INTERVAL '3 days' END"
)
_RESOLVED = "c.resolved_at IS NOT NULL"
_RATED = f"{_RESOLVED} AND c.id % 3 = 0"
CASE_MEASURES: dict[str, str] = {
    "received": "TRUE",
    "accepted": "c.first_action_at IS NOT NULL",
    "accepted_on_time": f"c.first_action_at <= c.received_at + {_FIRST_ACTION_LIMIT}",
    "responded": "c.first_action_at IS NOT NULL",
    "responded_on_time": f"c.first_action_at <= c.received_at + {_FIRST_ACTION_LIMIT}",
    "mediated": "c.state IN ('mediating', 'failed', 'agreement', 'follow_up', 'closed')",
    "mediation_succeeded": f"c.state IN ('agreement', 'follow_up', 'closed') AND {_RESOLVED}",
    "resolved": _RESOLVED,
    # Synthetic cases are never reopened (no timeline): ever resolved is resolved now.
    "ever_resolved": _RESOLVED,
    "resolved_on_time": "c.resolved_at <= c.received_at + INTERVAL '30 days'",
    "resolved_l1": f"{_RESOLVED} AND c.level = 1",
    "resolved_l2": f"{_RESOLVED} AND c.level = 2",
    "resolved_l3": f"{_RESOLVED} AND c.level = 3",
    "closed": "c.state = 'closed'",
    "rated": _RATED,
    "satisfied": f"{_RATED} AND c.id % 10 <> 7",
    "criminal_prevented": f"{_RESOLVED} AND c.risk = 'red'",
    "people_lt50": "TRUE",  # two parties each
}

# The province table: these indicators (numerator / denominator as indicators.json says).
TABLE_INDICATORS = (
    "resolution_rate",
    "mediation_success_rate",
    "resolved_level_1",
    "resolve_on_time",
    "satisfaction_rate",
)


def _definitions() -> dict[str, dict]:
    data = json.loads((ROOT / "fengqiao/analytics/indicators.json").read_text("utf-8"))
    return {item["code"]: item for item in data["indicators"]}


def table_columns() -> tuple[list[str], list[tuple[str, str, str]]]:
    """The measures the table sums and its (indicator, numerator, denominator) rates."""
    definitions = _definitions()
    rates = [
        (code, definitions[code]["numerator"], definitions[code]["denominator"])
        for code in TABLE_INDICATORS
    ]
    measures = []
    for _code, numerator, denominator in rates:
        for name in (denominator, numerator):
            if name not in measures:
                measures.append(name)
    return measures, rates


def _table_select(sums: dict[str, str]) -> str:
    measures, rates = table_columns()
    columns = [f"{sums[m]} AS {m}" for m in measures]
    columns += [
        f"round(100.0 * {sums[num]} / nullif({sums[den]}, 0), 2) AS {code}"
        for code, num, den in rates
    ]
    return ",\n       ".join(columns)


def province_table_sql(*, facts: str, grids: str, start: dt.date, end: dt.date) -> str:
    """Per township, the table's measures and rates over days ``start``..``end``, from the
    daily facts (``facts``: table or ``read_parquet(...)``; ``grids``: id, parent_id)."""
    measures, _rates = table_columns()
    sums = {m: f"sum(f.{m})" for m in measures}
    return f"""
SELECT g.parent_id AS township_id,
       {_table_select(sums)}
FROM {facts} AS f JOIN {grids} AS g ON g.id = f.grid_id
WHERE f.day >= DATE '{start.isoformat()}' AND f.day <= DATE '{end.isoformat()}'
GROUP BY g.parent_id
ORDER BY g.parent_id"""


def province_table_from_cases_sql(
    *, cases: str, grids: str, start: dt.datetime, end: dt.datetime
) -> str:
    """The same table from the case rows received in [start, end) (aware datetimes), each
    measure by ``CASE_MEASURES``."""
    measures, _rates = table_columns()
    sums = {m: f"sum(CASE WHEN {CASE_MEASURES[m]} THEN 1 ELSE 0 END)" for m in measures}
    return f"""
SELECT g.parent_id AS township_id,
       {_table_select(sums)}
FROM {cases} AS c JOIN {grids} AS g ON g.id = c.grid_id
WHERE c.received_at >= TIMESTAMPTZ '{_utc(start)}' AND c.received_at < TIMESTAMPTZ '{_utc(end)}'
GROUP BY g.parent_id
ORDER BY g.parent_id"""


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S+00")


def facts_select_sql(*, cases: str, time_zone: str) -> str:
    """The daily facts of the case rows ``cases`` (with ``scope_path``), in one aggregate:
    (day, grid_id, category, level, scope_path, every measure of ``MEASURES``)."""
    from fengqiao.analytics.models import MEASURES

    sums = ",\n       ".join(
        (f"sum(CASE WHEN {CASE_MEASURES[m]} THEN 1 ELSE 0 END)" if m in CASE_MEASURES else "0")
        + f" AS {m}"
        for m in MEASURES
    )
    return f"""
SELECT CAST(c.received_at AT TIME ZONE '{time_zone}' AS DATE) AS day, c.grid_id, c.category,
       c.level, min(c.scope_path) AS scope_path,
       {sums}
FROM {cases} AS c
GROUP BY 1, 2, 3, 4"""


def facts_from_cases_sql(time_zone: str, *, order: str = "") -> str:
    """Every daily fact from the case table, written into the facts table (PostgreSQL), in
    ``order`` when given (columns of the facts)."""
    from fengqiao.analytics.models import MEASURES

    return f"""
INSERT INTO analytics_dailyfact (day, grid_id, category, level, scope_path, {", ".join(MEASURES)},
                                 updated_at)
SELECT f.*, now() FROM ({facts_select_sql(cases="disputes_case", time_zone=time_zone)}) AS f
{f"ORDER BY {order}" if order else ""}"""


# --- building the province -------------------------------------------------------------


def build_regions(cursor) -> None:
    """Province, counties, townships and grids, with the paths ``Region.save`` writes."""
    now = "now()"
    cursor.execute(
        "INSERT INTO places_region (code, name, level, path, depth, urban, updated_at)"
        f" VALUES ('{PROVINCE}', '测试省', 'province', '/{PROVINCE}/', 0, false, {now})"
    )
    cursor.execute(
        f"""
        INSERT INTO places_region (code, name, level, parent_id, path, depth, urban, updated_at)
        SELECT s.code, '第' || s.i || '县', 'county', p.id, p.path || s.code || '/', 1, false,
               {now}
        FROM places_region AS p,
             LATERAL (SELECT i, '{PROVINCE}' || lpad(i::text, 4, '0') AS code
                      FROM generate_series(1, {COUNTIES}) AS i) AS s
        WHERE p.code = '{PROVINCE}'
        """
    )
    cursor.execute(
        f"""
        INSERT INTO places_region (code, name, level, parent_id, path, depth, urban, updated_at)
        SELECT p.code || lpad(i::text, 3, '0'), p.name || '第' || i || '镇', 'township', p.id,
               p.path || p.code || lpad(i::text, 3, '0') || '/', 2, false, {now}
        FROM places_region AS p, generate_series(1, {TOWNSHIPS_PER_COUNTY}) AS i
        WHERE p.level = 'county' AND p.path LIKE '/{PROVINCE}/%'
        """
    )
    cursor.execute(
        f"""
        INSERT INTO places_region (code, name, level, parent_id, path, depth, urban, updated_at,
                                   population)
        SELECT p.code || 'G' || lpad(i::text, 3, '0'), p.name || '第' || i || '网格', 'grid',
               p.id, p.path || p.code || 'G' || lpad(i::text, 3, '0') || '/', 3, false, {now},
               1000 + floor(random() * 4000)::int
        FROM places_region AS p, generate_series(1, {GRIDS_PER_TOWNSHIP}) AS i
        WHERE p.level = 'township' AND p.path LIKE '/{PROVINCE}/%'
        """
    )


def build_cases(cursor, count: int) -> None:
    """``count`` cases over the last five years, in one INSERT ... SELECT."""
    from fengqiao import taxonomy

    category_codes, channel_codes = taxonomy.codes("category"), taxonomy.codes("channel")
    categories = "ARRAY[" + ",".join(f"'{c}'" for c in category_codes) + "]"
    channels = "ARRAY[" + ",".join(f"'{c}'" for c in channel_codes) + "]"
    state_cases = []
    for bound, choices in STATES_BY_AGE:
        pick = weighted_case("r_state", choices)
        state_cases.append(f"WHEN age < {bound} THEN {pick}" if bound else f"ELSE {pick}")
    cursor.execute(
        "CREATE TEMP TABLE bench_grid AS SELECT row_number() OVER (ORDER BY id) AS slot, id, path"
        " FROM places_region WHERE level = 'grid'"
    )
    cursor.execute("SELECT count(*) FROM bench_grid")
    grids = cursor.fetchone()[0]
    risk = weighted_case("r_risk", [("blue", 55), ("yellow", 35), ("red", 10)])
    # Each random draw is made once per row in the innermost query (a volatile subquery in
    # FROM is not flattened), then everything that follows from it is derived outside.
    cursor.execute(
        f"""
        INSERT INTO disputes_case (
            reference, category, risk, level, state, channel, title, narrative, request, address,
            received_at, first_action_at, resolved_at, closed_at, version, scope_path, updated_at,
            grid_id)
        SELECT 'PB' || lpad(n::text, 9, '0'), category, risk, level, state, channel,
               '', '', '', '', received_at,
               CASE WHEN state <> 'received'
                    THEN received_at + least(age, 0.01 + 1.5 * r_time * r_time) * interval '1 day'
               END,
               CASE WHEN state IN ('agreement', 'follow_up', 'closed')
                    THEN received_at + least(age, 1 + 40 * r_time) * interval '1 day' END,
               CASE WHEN state IN ('closed', 'transferred', 'withdrawn')
                    THEN received_at + least(age, 2 + 50 * r_time) * interval '1 day' END,
               5, g.path, now(), g.id
        FROM (
            SELECT x.*, CASE {" ".join(state_cases)} END AS state,
                   CASE WHEN risk = 'blue' THEN 1
                        WHEN risk = 'yellow' THEN CASE WHEN r_level < 0.67 THEN 1 ELSE 2 END
                        ELSE CASE WHEN r_level < 0.67 THEN 2 ELSE 3 END END AS level
            FROM (
                SELECT n, slot, received_at, r_level, r_state, r_time, category, channel,
                       {risk} AS risk,
                       extract(epoch FROM now() - received_at) / 86400 AS age
                FROM (
                    SELECT n, 1 + floor(random() * {grids})::int AS slot,
                           now() - random() * interval '{YEARS * 365} days' AS received_at,
                           random() AS r_risk, random() AS r_level, random() AS r_state,
                           random() AS r_time,
                           ({categories})[1 + floor(random() * {len(category_codes)})::int]
                               AS category,
                           ({channels})[1 + floor(random() * {len(channel_codes)})::int]
                               AS channel
                    FROM generate_series(1, {count}) AS n
                ) AS draws
            ) AS x
        ) AS y
        JOIN bench_grid AS g USING (slot)
        """
    )
    cursor.execute("DROP TABLE bench_grid")


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the table's indexes that back no constraint."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes AS i
        WHERE i.tablename = %s AND NOT EXISTS (
            SELECT 1 FROM pg_constraint AS k
            WHERE k.conindid = format('%%I.%%I', i.schemaname, i.indexname)::regclass)
        """,
        [table],
    )
    return cursor.fetchall()


def setup_data(count: int, *, rebuild_facts: bool = False) -> dict[str, float]:
    """Migrate, build the province and its cases and facts unless already there."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    timings: dict[str, float] = {}
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["migrate"] = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM places_region WHERE level = 'grid'")
        have_grids = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM disputes_case")
        have_cases = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM analytics_dailyfact")
        have_facts = cursor.fetchone()[0]
    missing = missing_fact_columns()
    if have_cases == count and have_grids and (rebuild_facts or missing or not have_facts):
        if missing:
            say(f"the facts table lacks {', '.join(missing)} (a new measure): rebuilding the facts")
        timings.update(refill_facts(missing))
        return timings
    if have_cases == count and have_facts and have_grids:
        say(f"{have_cases:,} cases and {have_facts:,} facts already there: reusing them")
        return timings
    if have_cases or have_grids:
        raise SystemExit(
            f"the database holds {have_cases:,} cases, not {count:,}: run with --rebuild"
        )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL work_mem = '512MB'")
        # The bench's own database: foreign-key triggers off for the load (the ids come from
        # the same statements), indexes built once at the end instead of row by row.
        cursor.execute("SET LOCAL session_replication_role = replica")
        step = time.perf_counter()
        build_regions(cursor)
        timings["regions"] = time.perf_counter() - step
        say(f"  regions: {timings['regions']:.1f}s")
        dropped = _secondary_indexes(cursor, "disputes_case") + _secondary_indexes(
            cursor, "analytics_dailyfact"
        )
        for name, _definition in dropped:
            cursor.execute(f'DROP INDEX "{name}"')
        step = time.perf_counter()
        build_cases(cursor, count)
        timings["cases"] = time.perf_counter() - step
        say(f"  {count:,} cases: {timings['cases']:.1f}s")
        step = time.perf_counter()
        cursor.execute(facts_from_cases_sql(settings.TIME_ZONE))
        timings["facts"] = time.perf_counter() - step
        say(f"  facts (one aggregate): {timings['facts']:.1f}s")
        step = time.perf_counter()
        for _name, definition in dropped:
            cursor.execute(definition)
        timings["indexes"] = time.perf_counter() - step
        say(f"  {len(dropped)} indexes rebuilt: {timings['indexes']:.1f}s")
    step = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("places_region", "disputes_case", "analytics_dailyfact"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    timings["vacuum_analyze"] = time.perf_counter() - step
    return timings


FACTS_PLACE_DAY_INDEX = "analytics_fact_place_day"


def missing_fact_columns() -> list[str]:
    """The measures of ``MEASURES`` the facts table has no column for (a measure added to
    the analytics migration after this database was built)."""
    from django.db import connection

    from fengqiao.analytics.models import MEASURES

    with connection.cursor() as cursor:
        columns = {
            c.name
            for c in connection.introspection.get_table_description(cursor, "analytics_dailyfact")
        }
    return [name for name in MEASURES if name not in columns]


def refill_facts(missing: list[str]) -> dict[str, float]:
    """The facts again from the case rows (the cases and regions kept): the missing measure
    columns added as the model declares them, the table emptied and refilled by the one
    aggregate in (place, day) order, so no CLUSTER is needed after, its indexes and unique
    constraint built once at the end."""
    from django.conf import settings
    from django.db import connection, transaction

    from fengqiao.analytics.models import DailyFact

    timings: dict[str, float] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL work_mem = '512MB'")
        cursor.execute("SET LOCAL session_replication_role = replica")
        step = time.perf_counter()
        cursor.execute("TRUNCATE analytics_dailyfact")
        with connection.schema_editor(atomic=False) as editor:
            for name in missing:
                editor.add_field(DailyFact, DailyFact._meta.get_field(name))
        dropped = _secondary_indexes(cursor, "analytics_dailyfact")
        for name, _definition in dropped:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'analytics_dailyfact'::regclass AND contype = 'u'"
        )
        uniques = cursor.fetchall()
        for name, _definition in uniques:
            cursor.execute(f'ALTER TABLE analytics_dailyfact DROP CONSTRAINT "{name}"')
        cursor.execute(facts_from_cases_sql(settings.TIME_ZONE, order="scope_path, day"))
        timings["facts"] = time.perf_counter() - step
        say(f"  facts (one aggregate, in place order): {timings['facts']:.1f}s")
        step = time.perf_counter()
        for name, definition in uniques:
            cursor.execute(f'ALTER TABLE analytics_dailyfact ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in dropped:
            cursor.execute(definition)
        # The rows were written in this index's order: mark it, as CLUSTER would.
        cursor.execute(f"ALTER TABLE analytics_dailyfact CLUSTER ON {FACTS_PLACE_DAY_INDEX}")
        timings["fact_indexes"] = time.perf_counter() - step
        say(f"  {len(dropped) + len(uniques)} fact indexes: {timings['fact_indexes']:.1f}s")
    step = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) analytics_dailyfact")
    timings["vacuum_analyze"] = time.perf_counter() - step
    return timings


def cluster_facts() -> float:
    """Rewrite the facts table in the order of its (scope_path, day) index, so a county's
    year is a few hundred adjacent pages instead of one page a row."""
    from django.db import connection

    say("clustering the facts by (place, day) ...")
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute(f"CLUSTER analytics_dailyfact USING {FACTS_PLACE_DAY_INDEX}")
        cursor.execute("ANALYZE analytics_dailyfact")
    return time.perf_counter() - start


def facts_clustered() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indisclustered FROM pg_index WHERE indexrelid = %s::regclass",
            [FACTS_PLACE_DAY_INDEX],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


# --- (a) the county dashboard ------------------------------------------------------------


def last_whole_year() -> tuple[dt.date, dt.date]:
    from django.utils import timezone

    year = timezone.localdate().year - 1
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def county_reader():
    """A user granted the first county (as a county's analyst would be)."""
    from django.contrib.auth import get_user_model

    from fengqiao.org.models import AccessGrant
    from fengqiao.places.models import Region

    county = Region.objects.filter(level="county").order_by("code").first()
    user, created = get_user_model().objects.get_or_create(username="bench_county")
    if created:
        AccessGrant.objects.create(user=user, region=county)
    return user.pk, county


def run_dashboard(runs: int, warmup: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fengqiao.analytics import indicators

    user_pk, county = county_reader()
    period = indicators.Period(*last_whole_year())

    def once() -> list:
        # A fresh user per run, as each request loads it: the scope is worked out anew.
        user = get_user_model().objects.get(pk=user_pk)
        target = indicators.target_for(user, region=county.code)
        return indicators.compute(user, target, period)

    for _ in range(warmup):
        once()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        results = once()
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as captured:
        once()
    sqls = [q["sql"] for q in captured.captured_queries]
    slowest = sorted(
        ((float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries), reverse=True
    )[:3]
    raw = time_sql(sqls, runs)
    # The first-response statistics come from the database (percentile_cont): check them
    # against Python's ``percentile`` over the same cases' minutes, fetched as before.
    user = get_user_model().objects.get(pk=user_pk)
    target = indicators.target_for(user, region=county.code)
    minutes = indicators.response_minutes(user, target, period)
    in_python = {
        name: round(indicators.percentile(minutes, q), 1)
        for name, q in indicators.STATISTICS.items()
    }
    in_database = {
        r.definition.statistic: r.current.value for r in results if r.definition.statistic
    }
    received = next(r for r in results if r.definition.code == "cases_received")
    return {
        "county": f"{county.name} ({county.code})",
        "period": f"{period.start}..{period.end}",
        "received": received.current.value,
        "p50": statistics.median(times),
        "p95": percentile(times, 95),
        "queries": len(sqls),
        "raw_p50": statistics.median(raw),
        "raw_p95": percentile(raw, 95),
        "slowest": slowest,
        "statistics_database": in_database,
        "statistics_python": in_python,
        "responded": len(minutes),
    }


# --- (b) the province table ----------------------------------------------------------------


def export_parquet(directory: Path) -> dict[str, float]:
    """The case rows, the facts and the grids as Parquet (through CSV from COPY)."""
    import duckdb
    from django.db import connection

    measures, _rates = table_columns()
    exports = {
        "cases": (
            "SELECT id, grid_id, category, risk, level, state, received_at, first_action_at,"
            " resolved_at FROM disputes_case",
            {
                "id": "BIGINT",
                "grid_id": "BIGINT",
                "category": "VARCHAR",
                "risk": "VARCHAR",
                "level": "SMALLINT",
                "state": "VARCHAR",
                "received_at": "TIMESTAMPTZ",
                "first_action_at": "TIMESTAMPTZ",
                "resolved_at": "TIMESTAMPTZ",
            },
            "received_at",
        ),
        "facts": (
            f"SELECT day, grid_id, category, level, {', '.join(measures)} FROM analytics_dailyfact",
            {
                "day": "DATE",
                "grid_id": "BIGINT",
                "category": "VARCHAR",
                "level": "SMALLINT",
                **dict.fromkeys(measures, "INTEGER"),
            },
            "day",
        ),
        "grids": (
            "SELECT id, parent_id FROM places_region WHERE level = 'grid'",
            {"id": "BIGINT", "parent_id": "BIGINT"},
            "id",
        ),
    }
    timings = {}
    duck = duckdb.connect()
    for name, (query, columns, order) in exports.items():
        start = time.perf_counter()
        csv_path = directory / f"{name}.csv"
        with connection.cursor() as cursor, open(csv_path, "wb") as out:
            cursor.execute("SET TIME ZONE 'UTC'")
            with cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                for chunk in copy:
                    out.write(chunk)
            cursor.execute("RESET TIME ZONE")
        copied = time.perf_counter() - start
        spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
        # Sorted by time, so a year's query reads only that year's row groups.
        duck.execute(
            f"COPY (SELECT * FROM read_csv('{csv_path}', header = false, columns = {spec})"
            f" ORDER BY {order}) TO '{directory / name}.parquet' (FORMAT parquet)"
        )
        csv_path.unlink()
        timings[name] = time.perf_counter() - start
        size = (directory / f"{name}.parquet").stat().st_size / 2**20
        say(
            f"  {name}: COPY {copied:.1f}s, to Parquet {timings[name] - copied:.1f}s,"
            f" {size:.0f} MiB"
        )
    duck.close()
    return timings


def _rows_equal(a: list[tuple], b: list[tuple]) -> bool:
    """Same townships, same counts, rates equal to the cent (numeric vs double)."""
    if len(a) != len(b):
        return False
    for row_a, row_b in zip(a, b, strict=True):
        for x, y in zip(row_a, row_b, strict=True):
            if x is None or y is None:
                if x is not y:
                    return False
            elif abs(float(x) - float(y)) > 0.006:
                return False
    return True


def run_table(directory: Path, runs: int) -> dict:
    import duckdb
    from django.db import connection
    from django.utils import timezone

    start_day, end_day = last_whole_year()
    start = timezone.make_aware(dt.datetime.combine(start_day, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time.min))
    parquet = {name: f"read_parquet('{directory / name}.parquet')" for name in ("cases", "facts")}
    grids = f"read_parquet('{directory / 'grids'}.parquet')"
    queries = {
        "PostgreSQL, facts": (
            "pg",
            province_table_sql(
                facts="analytics_dailyfact", grids="places_region", start=start_day, end=end_day
            ),
        ),
        "PostgreSQL, case rows": (
            "pg",
            province_table_from_cases_sql(
                cases="disputes_case", grids="places_region", start=start, end=end
            ),
        ),
        "DuckDB, case rows (Parquet)": (
            "duck",
            province_table_from_cases_sql(
                cases=parquet["cases"], grids=grids, start=start, end=end
            ),
        ),
        "DuckDB, facts (Parquet)": (
            "duck",
            province_table_sql(facts=parquet["facts"], grids=grids, start=start_day, end=end_day),
        ),
    }
    duck = duckdb.connect()
    results = {}
    for label, (engine, sql) in queries.items():
        times, rows = [], []
        for _ in range(runs + 1):  # the first run warms the caches and is not counted
            begin = time.perf_counter()
            if engine == "pg":
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    rows = cursor.fetchall()
            else:
                rows = duck.execute(sql).fetchall()
            times.append((time.perf_counter() - begin) * 1000)
        results[label] = {"p50": statistics.median(times[1:]), "rows": rows}
        say(f"  {label}: {results[label]['p50']:.0f} ms")
    duck.close()
    reference = results["PostgreSQL, facts"]["rows"]
    for result in results.values():
        result["same"] = _rows_equal(result["rows"], reference)
    return {"period": f"{start_day}..{end_day}", "results": results}


# --- the run -------------------------------------------------------------------------------


def sizes() -> dict[str, str]:
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for table in ("disputes_case", "analytics_dailyfact"):
            cursor.execute(
                f"SELECT count(*), pg_size_pretty(pg_total_relation_size('{table}')) FROM {table}"
            )
            count, size = cursor.fetchone()
            out[table] = f"{count:,} rows, {size} with indexes"
    return out


def print_dashboard(dashboard: dict, explain: bool) -> None:
    print(
        f"\n(a) county dashboard: indicators.compute for {dashboard['county']}, "
        f"{dashboard['period']}, with 环比 and 同比 ({dashboard['received']:,} cases received)"
    )
    ok = dashboard["p95"] < TARGET_DASHBOARD_P95_MS
    print(
        f"  p50 {dashboard['p50']:.0f} ms, p95 {dashboard['p95']:.0f} ms "
        f"(goal < {TARGET_DASHBOARD_P95_MS:g}: {'ok' if ok else 'MISSED'}); "
        f"{dashboard['queries']} queries; baseline, the same SQL raw: p50 "
        f"{dashboard['raw_p50']:.0f} ms, p95 {dashboard['raw_p95']:.0f} ms"
    )
    same = dashboard["statistics_database"] == dashboard["statistics_python"]
    print(
        f"  first response (percentile_cont in PostgreSQL): {dashboard['statistics_database']} "
        f"min; Python's percentile over the {dashboard['responded']:,} cases' minutes: "
        f"{dashboard['statistics_python']} ({'same' if same else 'DIFFERENT'})"
    )
    print("  slowest queries of one run:")
    for ms, sql in dashboard["slowest"]:
        print(f"    {ms:7.1f} ms  {sql[:160]} ...")
    if explain:
        from django.db import connection

        with connection.cursor() as cursor:
            for _ms, sql in dashboard["slowest"][:2]:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                print("    EXPLAIN (ANALYZE, BUFFERS):")
                for (line,) in cursor.fetchall():
                    print(f"      {line}")


def print_table(table: dict) -> None:
    results = table["results"]
    reference = results["PostgreSQL, facts"]["p50"]
    duck_cases = results["DuckDB, case rows (Parquet)"]["p50"]
    townships = len(results["PostgreSQL, facts"]["rows"])
    print(f"\n(b) province table by township, {table['period']}: {townships:,} townships")
    print(
        "  Parquet export (COPY to CSV, then DuckDB to Parquet), once: "
        + ", ".join(f"{k} {v:.1f}s" for k, v in table["exports"].items())
    )
    for label, result in results.items():
        print(
            f"  {label:<28} {result['p50']:8.0f} ms   PostgreSQL facts / this "
            f"{reference / result['p50']:5.2f}x   same numbers: {'yes' if result['same'] else 'NO'}"
        )
    ratio = reference / duck_cases
    print(
        f"  PostgreSQL facts / DuckDB case rows: {ratio:.2f}x "
        f"(goal within {TARGET_RATIO:g}x: {'ok' if ratio <= TARGET_RATIO else 'MISSED'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000,000 cases, fewer runs")
    parser.add_argument("--cases", type=int, help="cases (default 10,000,000; quick 1,000,000)")
    parser.add_argument("--runs", type=int, help="timed runs (default 30 dashboard, 5 table)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="drop the bench database first")
    parser.add_argument(
        "--rebuild-facts",
        action="store_true",
        help="keep the cases, make the facts again (done anyway when a measure has no column)",
    )
    parser.add_argument(
        "--parts", nargs="+", choices=("dashboard", "table"), default=["dashboard", "table"]
    )
    parser.add_argument("--explain", action="store_true", help="plans of the dashboard's SQL")
    parser.add_argument(
        "--cluster-facts",
        action="store_true",
        help="rewrite the facts in (place, day) order first (CLUSTER; kept for later runs)",
    )
    parser.add_argument("--keep-parquet", help="a folder to keep the Parquet copy in")
    args = parser.parse_args()
    cases = args.cases or (1_000_000 if args.quick else 10_000_000)
    dashboard_runs = args.runs or (15 if args.quick else 30)
    table_runs = args.runs or (3 if args.quick else 5)

    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    name = urlsplit(url).path.lstrip("/") + ("_quick" if args.quick else "")
    try:
        url = ensure_database(pg_url_for(url, "postgres"), name, rebuild=args.rebuild)
    except Exception as error:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        raise SystemExit(f"PostgreSQL unreachable: {error}") from None
    os.environ.update(
        DATABASE_URL=url,
        FENGQIAO_DATA_DIR=tempfile.mkdtemp(prefix="fq-bench-analytics-"),
        DJANGO_SETTINGS_MODULE="fengqiao.settings",
    )
    os.environ.pop("FENGQIAO_DEBUG", None)
    import django

    django.setup()
    import duckdb
    from django.db import connection

    started = time.perf_counter()
    timings = setup_data(cases, rebuild_facts=args.rebuild_facts)
    say(f"setup {time.perf_counter() - started:.0f}s")
    if args.cluster_facts:
        timings["cluster_facts"] = cluster_facts()
    dashboard = table = None
    if "dashboard" in args.parts:
        say("(a) the county dashboard ...")
        dashboard = run_dashboard(dashboard_runs, args.warmup)
    if "table" in args.parts:
        with tempfile.TemporaryDirectory(prefix="fq-bench-parquet-") as tmp:
            directory = Path(args.keep_parquet or tmp)
            directory.mkdir(parents=True, exist_ok=True)
            say("exporting to Parquet ...")
            exports = export_parquet(directory)
            say("(b) the province table ...")
            table = run_table(directory, table_runs)
            table["exports"] = exports

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SHOW work_mem")
        work_mem = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
        cursor.execute("SHOW max_parallel_workers_per_gather")
        workers = cursor.fetchone()[0]
    print(
        f"Python {sys.version.split()[0]}, {version} (shared_buffers {shared_buffers}, work_mem "
        f"{work_mem}, {workers} parallel workers a query), DuckDB {duckdb.__version__}, "
        f"{os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}; database {name}"
    )
    for table_name, text in sizes().items():
        print(f"  {table_name}: {text}")
    print(f"  facts in (place, day) order (CLUSTER): {'yes' if facts_clustered() else 'no'}")
    if timings:
        print("  build: " + ", ".join(f"{k} {v:.0f}s" for k, v in timings.items()))
    if dashboard:
        print_dashboard(dashboard, args.explain)
    if table:
        print_table(table)


if __name__ == "__main__":
    main()
