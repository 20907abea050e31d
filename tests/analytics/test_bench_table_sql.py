"""The province table of ``bench/analytics.py`` on a handful of hand-counted rows: from the
case rows and from the facts built of them, the same numbers on PostgreSQL and on DuckDB.
(The benchmark itself is run by hand, never here.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from bench.analytics import (
    facts_select_sql,
    province_table_from_cases_sql,
    province_table_sql,
    table_columns,
)

TZ = "Asia/Shanghai"
START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
# The local year 2025 in UTC: from 2024-12-31 16:00 to 2025-12-31 16:00.
FROM = dt.datetime(2024, 12, 31, 16, tzinfo=dt.UTC)
TO = dt.datetime(2025, 12, 31, 16, tzinfo=dt.UTC)
GRIDS = [(1, 10), (2, 10), (3, 20)]  # grid id, township id
CASE_COLUMNS = (
    "id BIGINT, grid_id BIGINT, scope_path VARCHAR(64), category VARCHAR(40), risk VARCHAR(8),"
    " level SMALLINT, state VARCHAR(16), received_at TIMESTAMPTZ, first_action_at TIMESTAMPTZ,"
    " resolved_at TIMESTAMPTZ"
)
# (id, grid, risk, level, state, received (UTC), first action after, resolved after). Ids
# divisible by 3 are "rated"; of those, ids ending in 7 are not satisfied.
CASES = [
    (3, 1, "blue", 1, "closed", "2025-03-01 02:00", "1 hour", "2 days"),
    (4, 2, "red", 2, "mediating", "2025-06-01 02:00", "3 hours", None),
    (5, 1, "yellow", 1, "failed", "2024-12-31 17:00", "1 hour", None),  # 2025-01-01 01:00 local
    (6, 3, "blue", 2, "closed", "2025-05-01 02:00", "1 hour", "40 days"),
    (7, 3, "blue", 1, "closed", "2024-12-31 15:00", "1 hour", "1 day"),  # still 2024 locally
    (27, 3, "yellow", 3, "agreement", "2025-07-01 02:00", "2 hours", "5 days"),
]
# township, received, resolved, mediated, succeeded, resolved_l1, resolved on time, rated,
# satisfied; then resolution, mediation success, level 1, on time and satisfaction rates.
EXPECTED = [
    (10, 3, 1, 3, 1, 1, 1, 1, 1, 33.33, 33.33, 100.0, 100.0, 100.0),
    (20, 2, 2, 2, 2, 0, 1, 2, 1, 100.0, 100.0, 0.0, 50.0, 50.0),
]


def _insert_sql(table: str) -> str:
    rows = []
    for case_id, grid, risk, level, state, received, first, resolved in CASES:
        at = f"TIMESTAMPTZ '{received}:00+00'"
        rows.append(
            f"({case_id}, {grid}, '/99/{grid}/', 'neighbourhood', '{risk}', {level}, '{state}',"
            f" {at}, {at} + INTERVAL '{first}',"
            f" {f'{at} + INTERVAL {chr(39)}{resolved}{chr(39)}' if resolved else 'NULL'})"
        )
    return f"INSERT INTO {table} VALUES " + ", ".join(rows)


def _queries() -> list[str]:
    """Each way to the table: from the case rows, and from the facts built of them."""
    return [
        province_table_from_cases_sql(cases="t_cases", grids="t_grids", start=FROM, end=TO),
        province_table_sql(facts="t_facts", grids="t_grids", start=START, end=END),
    ]


def _setup(execute) -> None:
    execute("CREATE TEMP TABLE t_grids (id BIGINT, parent_id BIGINT)")
    execute("INSERT INTO t_grids VALUES " + ", ".join(f"({g}, {t})" for g, t in GRIDS))
    execute(f"CREATE TEMP TABLE t_cases ({CASE_COLUMNS})")
    execute(_insert_sql("t_cases"))
    execute("CREATE TEMP TABLE t_facts AS " + facts_select_sql(cases="t_cases", time_zone=TZ))


def _plain(rows) -> list[tuple]:
    return [tuple(float(v) if v is not None else None for v in row) for row in rows]


def test_the_table_has_the_columns_the_expected_rows_count():
    measures, rates = table_columns()
    assert len(EXPECTED[0]) == 1 + len(measures) + len(rates)


@pytest.mark.django_db
def test_postgresql_gives_the_hand_counted_table_both_ways():
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark's SQL is PostgreSQL's and DuckDB's")
    with connection.cursor() as cursor:
        _setup(cursor.execute)
        for sql in _queries():
            cursor.execute(sql)
            assert _plain(cursor.fetchall()) == _plain(EXPECTED)


def test_duckdb_gives_the_same_table_both_ways():
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    _setup(con.execute)
    for sql in _queries():
        assert _plain(con.execute(sql).fetchall()) == _plain(EXPECTED)
