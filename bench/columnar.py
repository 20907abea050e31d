"""The product's province-wide table, from DuckDB over the columnar copy and from the
PostgreSQL facts. Run by hand: ``python bench/columnar.py [--runs N]``, after
``python bench/analytics.py`` has built its province.

It reuses bench/analytics.py's database (``DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/fengqiao_bench``: 100,500 grids, 10,000,000 cases and
their daily facts), never builds, migrates or drops it; the only rows it writes are one
account (``bench_province``, an analyst posted to the province) to ask as. It then:

1. exports the columnar copy with ``columnar.export()`` (timed), into a throw-away data
   directory (``--keep DIR`` keeps it);
2. times ``columnar.table_by(analyst, province, last whole year, depth=2)``, the province
   by township, read by DuckDB from the copy and, with the copy declared too old, from the
   PostgreSQL facts (medians of ``--runs`` after one warm-up run each), and beside them
   bench/analytics.py's hand-written SQL of the same table from the facts (``--no-raw`` to
   leave it out);
3. checks that both engines give the same numbers for every measure of every township, and
   that they equal the hand-written SQL's columns.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.analytics import (  # noqa: E402 - after the path is set
    DEFAULT_DATABASE_URL,
    last_whole_year,
    province_table_sql,
    table_columns,
)
from bench.worklist import say  # noqa: E402

USERNAME = "bench_province"


def province_analyst():
    """An analyst posted to the province (created once): who the table is asked as."""
    from django.contrib.auth import get_user_model

    from fengqiao.org.models import Person, Role
    from fengqiao.places.models import Region

    province = Region.objects.filter(parent__isnull=True, level="province").order_by("code")
    province = province.defer("boundary").first()
    if province is None:
        raise SystemExit("no province here: run python bench/analytics.py first")
    user, _created = get_user_model().objects.get_or_create(username=USERNAME)
    person, _created = Person.objects.get_or_create(
        user=user, defaults={"name": "全省分析员", "region": province}
    )
    person.roles.add(Role.objects.get(code="analyst"))
    return user.pk, province


def _fresh_user(pk: int):
    """The user as a request loads it: the scope and permissions worked out anew."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=pk)


def time_table(user_pk: int, province, period, runs: int, *, copy: bool) -> tuple[float, object]:
    """Median ms of ``table_by`` (after one warm-up run) and the last table."""
    from django.test import override_settings

    from fengqiao.analytics import columnar

    max_age = None if copy else -1  # a copy older than -1 s: none is fresh, the facts answer
    times, table = [], None
    with override_settings(**({} if max_age is None else {"COLUMNAR_MAX_AGE": max_age})):
        for _ in range(runs + 1):
            user = _fresh_user(user_pk)
            start = time.perf_counter()
            table = columnar.table_by(user, province, period, depth=2)
            times.append((time.perf_counter() - start) * 1000)
    expected = "columnar" if copy else "facts"
    if table.engine != expected:
        raise SystemExit(f"table_by read {table.engine}, not {expected}")
    return statistics.median(times[1:]), table


def time_raw(period, runs: int) -> tuple[float, list[tuple]]:
    """bench/analytics.py's SQL of the table from the facts, raw through the cursor."""
    from django.db import connection

    sql = province_table_sql(
        facts="analytics_dailyfact", grids="places_region", start=period.start, end=period.end
    )
    times, rows = [], []
    with connection.cursor() as cursor:
        for _ in range(runs + 1):
            start = time.perf_counter()
            cursor.execute(sql)
            rows = cursor.fetchall()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[1:]), rows


def numbers(table) -> list[tuple]:
    return [(place.region.pk, sorted(place.sums.items())) for place in table.places]


def same_as_raw(table, raw: list[tuple]) -> bool:
    """The hand-written SQL's measure columns equal the table's sums, township by township
    (its rates are left aside: the product computes them with the indicators' rule)."""
    measures, _rates = table_columns()
    theirs = {row[0]: dict(zip(measures, row[1 : 1 + len(measures)], strict=True)) for row in raw}
    ours = {
        place.region.pk: {m: place.sums[m] for m in measures}
        for place in table.places
        if place.sums["received"] or place.region.pk in theirs
    }
    return theirs == ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each (default 5)")
    parser.add_argument("--keep", help="a folder to keep the columnar copy in")
    parser.add_argument("--no-raw", action="store_true", help="leave out the hand-written SQL")
    args = parser.parse_args()

    data_dir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="fq-columnar-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.update(FENGQIAO_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="fengqiao.settings")
    os.environ.pop("FENGQIAO_DEBUG", None)
    import django

    django.setup()
    import duckdb
    from django.db import connection

    from fengqiao.analytics import columnar
    from fengqiao.analytics.indicators import Period

    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE relname = %s", ["analytics_dailyfact"]
            )
            (facts,) = cursor.fetchone() or (0,)
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0].split(" on ")[0]
    except Exception as error:  # noqa: BLE001 - any failure means "no bench database here"
        raise SystemExit(f"the bench database is not reachable: {error}") from None
    if facts <= 0:
        raise SystemExit("no facts here: run python bench/analytics.py first")
    user_pk, province = province_analyst()
    period = Period(*last_whole_year())
    try:
        say(f"exporting about {facts:,} facts to {data_dir / 'columnar'} ...")
        start = time.perf_counter()
        copy = columnar.export()
        export_s = time.perf_counter() - start
        size = copy.path.stat().st_size / 2**20
        say("the province by township ...")
        duck_ms, duck_table = time_table(user_pk, province, period, args.runs, copy=True)
        say(f"  DuckDB over the copy: {duck_ms:.0f} ms")
        facts_ms, facts_table = time_table(user_pk, province, period, args.runs, copy=False)
        say(f"  PostgreSQL facts: {facts_ms:.0f} ms")
        raw_ms, raw_rows = (None, None) if args.no_raw else time_raw(period, args.runs)
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)

    same = numbers(duck_table) == numbers(facts_table)
    print(
        f"Python {sys.version.split()[0]}, {version}, DuckDB {duckdb.__version__}, "
        f"{os.cpu_count()} CPUs, load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}; "
        f"database {connection.settings_dict['NAME']}"
    )
    print(
        f"columnar.export(): {copy.rows:,} facts in {export_s:.1f} s, {size:.0f} MiB "
        f"({len(copy.measures)} measures)"
    )
    print(
        f"columnar.table_by(province, {period.start}..{period.end}, depth=2): "
        f"{len(duck_table.places):,} townships, median of {args.runs} runs"
    )
    print(f"  DuckDB over the copy      {duck_ms:8.0f} ms")
    print(f"  PostgreSQL facts          {facts_ms:8.0f} ms")
    print(f"  PostgreSQL / DuckDB       {facts_ms / duck_ms:8.1f}x")
    print(f"  same numbers, both engines: {'yes' if same else 'NO'}")
    if raw_rows is not None:
        print(
            f"  bench/analytics.py's SQL from the facts, raw: {raw_ms:.0f} ms; the same "
            f"measures as table_by: {'yes' if same_as_raw(facts_table, raw_rows) else 'NO'}"
        )
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
