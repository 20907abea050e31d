"""How fast are the case pages at a million cases? Run by hand: ``python bench/worklist.py``.

Target (from the issue): with 1,000,000 cases on PostgreSQL, the worklist (``/cases/``) and
the station chief's board (``/cases/board/``) render in under 150 ms p95.

Setup: a scratch PostgreSQL database (``fengqiao_bench_wl``, ``fengqiao_bench_wl_quick`` with
``--quick``) created through the ``postgres`` maintenance database and kept between runs
(``--rebuild`` drops it first). It is migrated, the demo county is loaded (``load_demo
--scale 1``: grids, people, beats, teams, about 4,000 real cases) and then topped up to
``--cases`` with server-side SQL (``INSERT ... SELECT`` from ``generate_series``): cases
spread over the county's grids (homes-bearing grids 25 times denser than the rest, as in the
demo), received over three years with recent days denser, states that follow the case's age
(old cases mostly ended, a few stuck open; recent ones in every state), the demo's risk,
level, category and channel mixes, two parties each, one or two handlers from the grid's
own people (grid workers; the beat's community police from level 2) and, for cases received
in the last 60 days, their timeline events. Then ``VACUUM ANALYZE``. Synthetic cases have no
intake report.

Measurement, in this process (Django test ``Client``, ``force_login``): each page as the
demo logins ``police`` (a beat's community police: the station's area), ``chief`` (station
chief, same area) and ``admin`` (county-wide), ``--warmup`` untimed then ``--requests``
timed requests; p50/p95 ms and SQL queries per page. Baseline in the same run: the page's
own SQL, captured with ``CaptureQueriesContext`` and executed raw through the cursor:
"main" is the query that fetches the rows shown (the worklist's ``LIMIT 50`` select; for
the board its four section selects), "all SQL" every query of the page. Page minus all SQL
is ORM, template and middleware time. ``--explain`` prints ``EXPLAIN ANALYZE`` of the
slowest queries of each page over target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_P95_MS = 150.0
LOGINS = ("police", "chief", "admin")
SLOW_SHOWN = 3  # slowest queries listed per page over target

SURNAMES = [
    *"王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗",
    *"郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜",
]
GIVEN = [
    *"伟芳娜敏静丽强磊军洋勇艳杰涛明超霞平刚桂英华",
    *["秀英", "秀兰", "玉兰", "建华", "建国", "志强", "海燕", "红梅", "晓东", "文博"],
    *["子涵", "雨欣", "浩然", "宇航", "思远", "佳怡", "欣怡", "俊杰", "婷婷", "桂芳"],
]
CATEGORY_LABELS = {
    "neighbourhood": "邻里",
    "marriage_family": "婚姻家庭",
    "housing_homestead": "宅基地",
    "contract": "合同",
    "labour": "劳资",
    "forest_land": "山林土地",
    "damage_compensation": "损害赔偿",
    "property_management": "物业",
    "traffic_accident": "交通事故",
    "consumer": "消费",
    "production_business": "生产经营",
    "environmental_pollution": "环境污染",
}
# State by age (days since received): (upper bound in days, [(state, weight), ...]).
STATES_BY_AGE = [
    (2, [("received", 30), ("accepted", 70)]),
    (
        7,
        [
            ("accepted", 25),
            ("investigating", 35),
            ("mediating", 25),
            ("closed", 10),
            ("withdrawn", 5),
        ],
    ),
    (
        30,
        [
            ("investigating", 10),
            ("mediating", 25),
            ("failed", 3),
            ("agreement", 15),
            ("follow_up", 20),
            ("closed", 17),
            ("transferred", 5),
            ("withdrawn", 5),
        ],
    ),
    (
        45,
        [
            ("mediating", 8),
            ("failed", 2),
            ("agreement", 5),
            ("follow_up", 30),
            ("closed", 45),
            ("transferred", 5),
            ("withdrawn", 5),
        ],
    ),
    (
        None,
        [
            ("accepted", 0.1),
            ("investigating", 0.2),
            ("mediating", 0.3),
            ("failed", 0.2),
            ("follow_up", 0.4),
            ("closed", 84.8),
            ("transferred", 8),
            ("withdrawn", 6),
        ],
    ),
]
HOMES_GRID_WEIGHT = 25  # CASES_PER_FULL_GRID_YEAR / CASES_PER_SPARSE_GRID_YEAR in the demo


# --- the scratch database ----------------------------------------------------------------


def pg_url_for(url: str, dbname: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{dbname}"))


def ensure_database(maintenance_url: str, name: str, *, rebuild: bool) -> str:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True, connect_timeout=3) as conn:
        if rebuild:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return pg_url_for(maintenance_url, name)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def weighted_case(expr: str, choices: list[tuple[str, float]]) -> str:
    """A SQL CASE picking a choice by cumulative weight; ``expr`` is uniform in [0, 1)."""
    total = sum(weight for _choice, weight in choices)
    parts, running = [], 0.0
    for choice, weight in choices[:-1]:
        running += weight
        parts.append(f"WHEN {expr} < {running / total:.6f} THEN '{choice}'")
    return f"CASE {' '.join(parts)} ELSE '{choices[-1][0]}' END"


def setup_data(target: int, scale: float) -> dict[str, float]:
    """Migrate, load the demo county, top up to ``target`` cases; returns timings."""
    from django.core.management import call_command
    from django.db import connection

    from fengqiao.disputes.models import Case
    from fengqiao.places.models import Region

    timings: dict[str, float] = {}
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["migrate"] = time.perf_counter() - start
    if not Region.objects.filter(level="county").exists():
        say(f"loading the demo county (scale {scale}) ...")
        start = time.perf_counter()
        call_command("load_demo", scale=scale, verbosity=0)
        timings["load_demo"] = time.perf_counter() - start
    have = Case.objects.count()
    missing = target - have
    if missing <= 0:
        say(f"{have:,} cases already there: reusing the data")
        return timings
    say(f"{have:,} cases; adding {missing:,} with INSERT ... SELECT ...")
    start = time.perf_counter()
    top_up(missing)
    timings["top_up"] = time.perf_counter() - start
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for table in (
            "disputes_case",
            "disputes_case_handlers",
            "disputes_party",
            "disputes_caseevent",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    timings["vacuum_analyze"] = time.perf_counter() - start
    return timings


def grid_rows() -> list[tuple]:
    """(grid id, path, name, weight, police ids, worker ids, team id) for every grid."""
    from fengqiao.org.models import Team
    from fengqiao.org.selectors import responsibles_for_grids
    from fengqiao.places.models import Building, Region

    grids = list(Region.objects.filter(level="grid").order_by("path"))
    homes = set(Building.objects.exclude(use="public").values_list("grid_id", flat=True))
    packages = responsibles_for_grids(grids)
    teams = {
        team.region.path: team.pk
        for team in Team.objects.filter(kind=Team.Kind.MEDIATION).select_related("region")
    }
    rows = []
    for grid in grids:
        package = packages.get(grid.pk, {})
        police = [p.pk for p in package.get("community_police", [])][:2]
        workers = [p.pk for p in package.get("grid_worker", [])][:2]
        team = next((pk for path, pk in teams.items() if grid.path.startswith(path)), None)
        weight = HOMES_GRID_WEIGHT if grid.pk in homes else 1
        rows.append((grid.pk, grid.path, grid.name, weight, police, workers, team))
    return rows


def top_up(count: int) -> None:
    """Add ``count`` cases (and their parties, handlers, recent events) in a few statements."""
    from django.db import connection, transaction

    from fengqiao.demo.cases import CHANNELS, STORIES
    from fengqiao.places.models import Region

    county = Region.objects.filter(level="county").values_list("code", flat=True).first()
    categories = [(code, weight) for code, (weight, _templates) in STORIES.items()]
    channels = [(code, weight) for code, weight in CHANNELS]
    labels = "ARRAY[" + ",".join(f"'{CATEGORY_LABELS.get(c, c)}'" for c, _w in categories) + "]"
    codes = "ARRAY[" + ",".join(f"'{c}'" for c, _w in categories) + "]"
    state_cases = []
    for bound, choices in STATES_BY_AGE:
        pick = weighted_case("r_state", choices)
        state_cases.append(f"WHEN age < {bound} THEN {pick}" if bound else f"ELSE {pick}")
    surnames = "ARRAY[" + ",".join(f"'{s}'" for s in SURNAMES) + "]"
    given = "ARRAY[" + ",".join(f"'{g}'" for g in GIVEN) + "]"
    name = (
        f"({surnames})[1 + floor(random() * {len(SURNAMES)})::int]"
        f" || ({given})[1 + floor(random() * {len(GIVEN)})::int]"
    )
    phone = (
        "'+86' || (ARRAY['138','139','151','186','177'])[1 + floor(random() * 5)::int]"
        " || lpad(floor(random() * 100000000)::bigint::text, 8, '0')"
    )
    rows = grid_rows()
    with transaction.atomic(), connection.cursor() as cursor:
        step = time.perf_counter()
        cursor.execute(
            "CREATE TEMP TABLE bench_grid (grid_id bigint, path text, name text, weight int,"
            " police bigint[], workers bigint[], team_id bigint) ON COMMIT DROP"
        )
        cursor.executemany("INSERT INTO bench_grid VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)
        cursor.execute(
            "CREATE TEMP TABLE bench_slot ON COMMIT DROP AS"
            " SELECT row_number() OVER (ORDER BY grid_id) AS slot, grid_id"
            " FROM bench_grid, generate_series(1, weight)"
        )
        cursor.execute("SELECT count(*) FROM bench_slot")
        slots = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM disputes_case WHERE reference LIKE '%%-B%%'")
        offset = cursor.fetchone()[0]
        # One row per new case with every random draw made once; ids come from the
        # table's own identity sequence, so parties, handlers and events join on them.
        cursor.execute(
            f"""
            CREATE TEMP TABLE bench_new ON COMMIT DROP AS
            SELECT nextval(pg_get_serial_sequence('disputes_case', 'id')) AS id, x.*,
                   grid_id,
                   g.path, g.name AS grid_name, g.police, g.workers, g.team_id,
                   extract(epoch FROM now() - x.received_at) / 86400 AS age
            FROM (
                SELECT n, 1 + floor(random() * {slots})::int AS slot,
                       now() - (1095 * power(random(), 1.3)) * interval '1 day'
                             - random() * interval '10 hours' AS received_at,
                       random() AS r_risk, random() AS r_level, random() AS r_state,
                       random() AS r_cat, random() AS r_channel, random() AS r_time,
                       {name} AS a, {name} AS b, {phone} AS phone_a,
                       CASE WHEN random() < 0.8 THEN {phone} ELSE '' END AS phone_b
                FROM generate_series({offset + 1}, {offset + count}) AS n
            ) AS x
            JOIN bench_slot USING (slot)
            JOIN bench_grid AS g USING (grid_id)
            """
        )
        cursor.execute(
            f"""
            ALTER TABLE bench_new ADD COLUMN risk text, ADD COLUMN level int,
                ADD COLUMN state text, ADD COLUMN category text, ADD COLUMN channel text;
            UPDATE bench_new SET
                risk = {weighted_case("r_risk", [("blue", 55), ("yellow", 35), ("red", 10)])},
                state = CASE {" ".join(state_cases)} END,
                category = {weighted_case("r_cat", categories)},
                channel = {weighted_case("r_channel", channels)};
            UPDATE bench_new SET level = CASE
                WHEN risk = 'blue' THEN 1
                WHEN risk = 'yellow' THEN CASE WHEN r_level < 0.67 THEN 1 ELSE 2 END
                ELSE CASE WHEN r_level < 0.67 THEN 2 ELSE 3 END END;
            """
        )
        say(f"  staging rows: {time.perf_counter() - step:.1f}s")
        step = time.perf_counter()
        # Times: first action within a day or two (none while "received"); resolution and
        # closing somewhere between then and now, never later than the case's age allows.
        cursor.execute(
            f"""
            INSERT INTO disputes_case (
                id, reference, category, risk, level, state, channel, title, narrative,
                request, address, received_at, first_action_at, resolved_at, closed_at,
                paused_since, version, scope_path, updated_at, building_id, grid_id,
                merged_into_id, team_id)
            SELECT id,
                '{county}-' || extract(year FROM received_at)::int || '-B' || lpad(n::text, 7, '0'),
                category, risk, level, state, channel,
                left(a || '与' || b || '因' || ({labels})[array_position({codes}, category)]
                     || '问题发生纠纷', 30),
                a || '与' || b || '因' || ({labels})[array_position({codes}, category)]
                  || '问题发生纠纷，多次协商未果，请求调解。',
                '请求调解处理', grid_name, received_at,
                CASE WHEN state <> 'received'
                     THEN received_at + least(age, 0.2 + 1.8 * r_time) * interval '1 day' END,
                CASE WHEN state IN ('agreement', 'follow_up', 'closed')
                     THEN received_at + least(age, 1 + 25 * r_time) * interval '1 day' END,
                CASE WHEN state IN ('closed', 'transferred', 'withdrawn')
                     THEN received_at + least(age, 2 + 50 * r_time) * interval '1 day' END,
                NULL,
                CASE state WHEN 'received' THEN 1 WHEN 'accepted' THEN 2
                     WHEN 'investigating' THEN 3 WHEN 'mediating' THEN 4 ELSE 5 END,
                path, now(), NULL, grid_id, NULL,
                CASE WHEN level = 3 THEN team_id END
            FROM bench_new
            """
        )
        say(f"  cases: {time.perf_counter() - step:.1f}s")
        step = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO disputes_party (
                role, kind, name, credit_code, representative, address, case_id, scope_path,
                phone_sealed, phone_hash, phone_masked, phone_last4,
                id_sealed, id_hash, id_masked, id_last4)
            SELECT role, 'person', name, '', '', '', id, path,
                   -- The worklist searches by the masked form and the last four digits; the
                   -- sealed value and keyed hash are for reveals and early warning, not here.
                   '', '', CASE WHEN phone = '' THEN ''
                               ELSE left(phone, 3) || '****' || right(phone, 4) END,
                   right(phone, 4), '', '', '', ''
            FROM (
                SELECT 'applicant' AS role, a AS name, phone_a AS phone, id, path FROM bench_new
                UNION ALL
                SELECT 'respondent', b, phone_b, id, path FROM bench_new
            ) AS parties
            """
        )
        say(f"  parties: {time.perf_counter() - step:.1f}s")
        step = time.perf_counter()
        # Level 1: the grid's workers; level 2 and 3: the beat's police and one worker.
        cursor.execute(
            """
            INSERT INTO disputes_case_handlers (case_id, person_id)
            SELECT DISTINCT id, person_id FROM (
                SELECT id, unnest(CASE WHEN level = 1 THEN workers
                                       ELSE police[1:1] || workers[1:1] END) AS person_id
                FROM bench_new
            ) AS h
            WHERE person_id IS NOT NULL
            """
        )
        say(f"  handlers: {time.perf_counter() - step:.1f}s")
        step = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO disputes_caseevent (
                case_id, at, actor_id, actor_name, kind, from_state, to_state, note, payload)
            SELECT id, received_at, NULL::int, '', 'received', '', 'received', '', '{}'::jsonb
            FROM bench_new WHERE age < 60
            UNION ALL
            SELECT c.id, c.first_action_at, NULL::int, '值班民警', 'accept', 'received', 'accepted',
                   '已联系双方当事人', '{}'::jsonb
            FROM bench_new AS n JOIN disputes_case AS c USING (id)
            WHERE n.age < 60 AND c.first_action_at IS NOT NULL
            UNION ALL
            SELECT c.id, least(c.first_action_at + interval '1 day', now()), NULL::int,
                   '值班民警', 'progress', 'accepted', c.state,
                   '', '{}'::jsonb
            FROM bench_new AS n JOIN disputes_case AS c USING (id)
            WHERE n.age < 60 AND c.state NOT IN ('received', 'accepted')
            """
        )
        say(f"  events: {time.perf_counter() - step:.1f}s")


# --- measuring -------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def time_sql(sqls: list[str], repeat: int) -> list[float]:
    """ms per run of executing every statement of ``sqls`` raw, fetching all rows."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            start = time.perf_counter()
            for sql in sqls:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
            times.append((time.perf_counter() - start) * 1000)
    return times


def is_main(sql: str, board: bool) -> bool:
    """The select(s) that fetch the cases shown: ``FROM "disputes_case"`` with a LIMIT."""
    head = sql.lstrip().upper()
    return (
        head.startswith("SELECT")
        and 'FROM "DISPUTES_CASE"' in head
        and "LIMIT" in head
        and "COUNT(" not in head
        and (board or head.count("LIMIT") == 1)
    )


def measure(client, url: str, warmup: int, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    sqls = [q["sql"] for q in captured.captured_queries]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    board = "/board/" in url
    main = [sql for sql in sqls if is_main(sql, board)]
    each = [(statistics.median(time_sql([sql], 5)), sql) for sql in sqls]
    each.sort(reverse=True)
    return {
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "queries": len(sqls),
        "main_p50": statistics.median(time_sql(main, repeat)) if main else float("nan"),
        "all_p50": statistics.median(time_sql(sqls, max(5, repeat // 3))),
        "slowest": each[:SLOW_SHOWN],
        "bytes": len(response.content),
    }


def explain(sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [row[0] for row in cursor.fetchall()]


def party_name() -> str:
    """A name of a party of a demo case in the chief's area (real Faker name)."""
    from django.contrib.auth import get_user_model

    from fengqiao.disputes.models import Case, Party
    from fengqiao.org.scope import scope_to

    chief = get_user_model().objects.get(username="chief")
    cases = scope_to(chief, Case.objects.all())
    party = (
        Party.objects.filter(case__in=cases.filter(report__isnull=False).values("pk"))
        .order_by("id")
        .first()
    )
    return party.name if party else "王芳"


def run_pages(args: argparse.Namespace) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    name = party_name()
    pages = [
        ("/cases/", "/cases/"),
        ("/cases/?risk=red", "/cases/?risk=red"),
        ("/cases/?overdue=1", "/cases/?overdue=1"),
        (f"/cases/?q={name}", f"/cases/?q={quote(name)}"),
        ("/cases/board/", "/cases/board/"),
    ]
    from fengqiao.disputes.selectors import may_see_board

    users = get_user_model().objects.in_bulk(LOGINS, field_name="username")
    results = []
    for login in LOGINS:
        client = Client()
        client.force_login(users[login])
        for label, url in pages:
            if "/board/" in url and not may_see_board(users[login]):
                continue  # 403 for a beat's police: the board is for supervisors
            say(f"  {login} {label} ...")
            result = measure(client, url, args.warmup, args.requests)
            results.append({"login": login, "page": label, **result})
            say(
                f"    p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms, "
                f"{result['queries']} queries, all SQL {result['all_p50']:.1f} ms"
            )
    return results


def count_rows() -> dict[str, int]:
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for table in ("disputes_case", "disputes_party", "disputes_case_handlers"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FILTER (WHERE state IN ('received','accepted','investigating',"
            "'mediating','failed','agreement','follow_up')) FROM disputes_case"
        )
        counts["active cases"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM disputes_caseevent")
        counts["disputes_caseevent"] = cursor.fetchone()[0]
    return counts


def print_table(results: list[dict]) -> None:
    headers = [
        "login",
        "page",
        "p50 ms",
        "p95 ms",
        f"<{TARGET_P95_MS:g}",
        "queries",
        "main SQL ms",
        "all SQL ms",
        "page-SQL ms",
        "slowest query ms",
    ]
    cells = [
        [
            r["login"],
            r["page"],
            f"{r['p50']:.1f}",
            f"{r['p95']:.1f}",
            "ok" if r["p95"] < TARGET_P95_MS else "SLOW",
            str(r["queries"]),
            f"{r['main_p50']:.1f}",
            f"{r['all_p50']:.1f}",
            f"{r['p50'] - r['all_p50']:.1f}",
            f"{r['slowest'][0][0]:.1f}" if r["slowest"] else "-",
        ]
        for r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print(
            "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def print_slow(results: list[dict], with_plans: bool) -> None:
    slow = [r for r in results if r["p95"] >= TARGET_P95_MS]
    if not slow:
        print(f"\nevery page under {TARGET_P95_MS:g} ms p95")
        return
    print(f"\npages over {TARGET_P95_MS:g} ms p95, their slowest queries (median of 5 runs):")
    for r in slow:
        print(f"\n{r['login']} {r['page']}: p95 {r['p95']:.1f} ms")
        for ms, sql in r["slowest"]:
            print(f"  {ms:8.1f} ms  {sql[:300]}{' ...' if len(sql) > 300 else ''}")
        if with_plans:
            for _ms, sql in r["slowest"][:2]:
                print("    EXPLAIN ANALYZE:")
                for line in explain(sql):
                    print(f"      {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="the maintenance database")
    parser.add_argument("--db", help="scratch database name (default fengqiao_bench_wl[_quick])")
    parser.add_argument("--cases", type=int, help="total cases (default 1,000,000; quick 100k)")
    parser.add_argument("--scale", type=float, default=1.0, help="demo county scale")
    parser.add_argument("--quick", action="store_true", help="100,000 cases, 10 requests")
    parser.add_argument("--rebuild", action="store_true", help="drop the scratch database first")
    parser.add_argument("--requests", type=int, help="timed requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="plans of slow pages' queries")
    parser.add_argument("--setup-only", action="store_true", help="build the data, measure nothing")
    args = parser.parse_args()
    args.cases = args.cases or (100_000 if args.quick else 1_000_000)
    args.requests = args.requests or (10 if args.quick else 30)
    db = args.db or ("fengqiao_bench_wl_quick" if args.quick else "fengqiao_bench_wl")

    try:
        url = ensure_database(args.pg_url, db, rebuild=args.rebuild)
    except Exception as error:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        raise SystemExit(f"PostgreSQL unreachable at {args.pg_url}: {error}") from None
    os.environ.update(
        DATABASE_URL=url,
        FENGQIAO_DATA_DIR=tempfile.mkdtemp(prefix="fq-bench-wl-"),
        DJANGO_SETTINGS_MODULE="fengqiao.settings",
        FENGQIAO_ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        FENGQIAO_AXES="0",
    )
    os.environ.pop("FENGQIAO_DEBUG", None)
    import django

    django.setup()
    from django.db import connection

    started = time.perf_counter()
    timings = setup_data(args.cases, args.scale)
    setup_s = time.perf_counter() - started
    counts = count_rows()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    print(
        f"Python {sys.version.split()[0]}, {version}, {os.cpu_count()} CPUs, "
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}; database {db}"
    )
    print(
        "data: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()) + "; setup "
        f"{setup_s:.1f}s ("
        + (", ".join(f"{k} {v:.1f}s" for k, v in timings.items()) or "reused")
        + ")"
    )
    if args.setup_only:
        return
    print(f"{args.warmup} warm-up + {args.requests} timed requests per page\n")
    results = run_pages(args)
    print_table(results)
    print(
        "\nmain SQL: the select(s) of the cases shown, run raw; all SQL: every query of the page"
        " run raw; page-SQL: p50 minus all SQL (ORM, templates, middleware)"
    )
    print_slow(results, args.explain)


if __name__ == "__main__":
    main()
