"""How fast is the one door? Run by hand: ``python bench/intake.py [--quick] [--backends ...]``.

For each backend (SQLite, PostgreSQL) it builds a throwaway database, migrates it and loads a
small demo county (``load_demo --scale 0.05``: real grids, buildings and responsible
people), then measures, all in the same run:

- **raw**: single-row ``INSERT`` into ``intake_report`` through the connection's cursor in
  autocommit mode, so each row is its own committed transaction like one submission. The
  parameters are prepared before the clock starts. This is the baseline.
- **service**: ``intake.services.submit_report`` called in a loop with dispute and hazard
  reports at random points inside the demo's grids, each with its own ``client_key``:
  validation, triage, locate, routing, the report, its assignees, for disputes the case
  (reference number, party, handlers, timeline event, audit) and the report's audit row,
  and analytics' refresh of the day's facts: after the commit in the request when
  ``FENGQIAO_FACTS_DELAY`` is 0, else by the process's own thread about a second later,
  the keys of every report meanwhile together; the clock stops when that thread has
  caught up, so its work is in the rate. Target: at least 10 % of the raw insert rate
  (issue 20).
- **queries**: every statement one dispute submission runs in a grid this process has
  seen, counted with Django's ``CaptureQueriesContext`` (BEGIN and COMMIT included), split
  into the submission's own
  and analytics' facts refresh after its commit in the same request (none when deferred;
  then the table shows how many reports one deferred refresh measured, on average).
  Target: a dispute in at most 10.
- **HTTP**: the real servers over the same database, each in turn: ``fengqiao serve``
  (gunicorn + uvicorn workers on PostgreSQL, with the task worker that refreshes the figures
  and the scheduler, as deployed; one uvicorn process on SQLite) and, for comparison,
  ``fengqiao demo`` (waitress, 6 threads). Both run with the bench-only
  settings ``bench.bare_site.settings``: the product's URLs plus ``/bench/bare-insert/``, a
  POST that inserts one row through the cursor and nothing else. For each server:
  * **closed loop**: ``--clients`` clients send back-to-back for ``--closed-seconds``, first
    to the bare endpoint, then the full report POST; the ratio of the two rates is what the
    product adds to one inserted row through the same server (target: at least 10 %);
  * **open loop**: a load generator in this process (threads and ``http.client``,
    keep-alive) at a fixed rate POSTs to ``/api/v1/reports/`` (token of the demo login
    ``police``, an ``Idempotency-Key`` per request), else to the public form ``/report/``.
    Latency runs from the moment a request was due to be sent to the end of its response,
    so a client or server that falls behind shows up in the figures.
    Target (``fengqiao serve``): p99 under 100 ms at 50 requests/s;
  * with ``--capacity``: short open-loop steps at rising rates, up to the first whose p99
    reaches 100 ms (or errors): the highest rate that met it is the capacity.

Each backend runs in a subprocess of this script (Django's settings are per process) and
hands its figures back as one JSON line. PostgreSQL gets a scratch database
(``fengqiao_bench``) created through the ``postgres`` maintenance database and dropped at
the end; it is skipped, with a line saying so, when the server cannot be reached.
``--profile`` adds a cProfile of the service loop (printed to stderr). ``--facts-compare N``
runs N reports with analytics' facts refreshed in the request and N deferred, twice in turn,
and prints the CPU per report of each (the web worker's cost, whatever else the machine runs).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SCRATCH_DB = "fengqiao_bench"
API_PATH = "/api/v1/reports/"
BARE_PATH = "/bench/bare-insert/"
BARE_SETTINGS = "bench.bare_site.settings"
FORM_PATH = "/report/"

DISPUTES = [
    ("neighbourhood", "楼上邻居装修噪音持续到深夜，多次沟通无果，双方在楼道发生争吵。"),
    ("neighbourhood", "邻居在公共楼道堆放杂物，占用消防通道，劝说后拒不清理。"),
    ("property_management", "小区物业费上涨未经业主大会同意，部分业主拒缴，与物业对峙。"),
    ("labour", "工地包工头拖欠十二名工人三个月工资，工人聚集在项目部讨薪。"),
    ("marriage_family", "夫妻因子女抚养和家庭开支长期争吵，女方请求社区帮助调解。"),
    ("housing_homestead", "两户村民因宅基地边界砌墙发生纠纷，一方已推倒围墙。"),
    ("damage_compensation", "电动车在小区内撞伤老人，双方就医疗费赔偿数额争执不下。"),
    ("consumer", "顾客在超市购买的食品过期，要求十倍赔偿，商家只同意退货。"),
    ("contract", "租客提前退租，房东扣押全部押金，双方对合同条款理解不一。"),
]
HAZARDS = [
    "小区地下车库有电动车违规充电，私拉电线，存在火灾隐患。",
    "老旧小区三号楼外墙瓷砖松动脱落，下方是儿童游乐区。",
    "河边护栏断裂约五米，晚上没有照明，行人容易落水。",
    "沿街商铺门口液化气罐露天存放，周边人流密集。",
    "菜市场消防通道被摊位占用，灭火器已过期。",
]
MOBILE_PREFIXES = ["130", "135", "138", "139", "150", "158", "177", "186", "188", "189"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰"]


# --- the parent: one subprocess per backend, then the table -----------------------------


def run_backends(args: argparse.Namespace) -> None:
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; demo scale {args.scale}; "
        f"{args.reports} service submissions, {args.raw_rows} raw inserts; "
        f"HTTP {args.rate:g} req/s for {args.seconds:g} s; load average {load_average()}"
    )
    results = []
    for backend in args.backends:
        data_dir = tempfile.mkdtemp(prefix=f"fq-bench-intake-{backend}-")
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "FENGQIAO_DEBUG"}
        }
        env.update(
            FENGQIAO_DATA_DIR=data_dir,
            DJANGO_SETTINGS_MODULE="fengqiao.settings",
            FENGQIAO_ALLOWED_HOSTS="127.0.0.1,localhost",
        )
        scratch_url = None
        try:
            if backend == "postgres":
                scratch_url, problem = create_scratch_database(args.pg_url)
                if scratch_url is None:
                    print(f"\npostgres: SKIPPED: {problem}")
                    continue
                env["DATABASE_URL"] = scratch_url
            print(f"\n{backend}: running (progress on stderr) ...", flush=True)
            results.append(run_child(backend, args, env))
        finally:
            if scratch_url is not None:
                drop_scratch_database(args.pg_url)
            shutil.rmtree(data_dir, ignore_errors=True)
    if results:
        print_table(results)
    print(f"load average at the end: {load_average()} (other work on the machine skews figures)")


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def run_child(backend: str, args: argparse.Namespace, env: dict) -> dict:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        backend,
        "--reports",
        str(args.reports),
        "--raw-rows",
        str(args.raw_rows),
        "--rate",
        str(args.rate),
        "--seconds",
        str(args.seconds),
        "--scale",
        str(args.scale),
        "--api-user",
        args.api_user,
        "--servers",
        *args.servers,
        "--workers",
        str(args.workers),
        "--clients",
        str(args.clients),
        "--closed-seconds",
        str(args.closed_seconds),
        "--capacity-from",
        str(args.capacity_from),
        "--capacity-to",
        str(args.capacity_to),
        "--capacity-step",
        str(args.capacity_step),
        "--capacity-seconds",
        str(args.capacity_seconds),
    ]
    if args.capacity:
        command.append("--capacity")
    if args.profile:
        command.append("--profile")
    if args.no_http:
        command.append("--no-http")
    if args.facts_compare:
        command += ["--facts-compare", str(args.facts_compare)]
    done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{backend}: the benchmark subprocess failed (exit {done.returncode})")
    return json.loads(lines[-1])


def pg_url_for(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


def create_scratch_database(maintenance_url: str) -> tuple[str | None, str]:
    """A fresh, empty ``fengqiao_bench`` (dropped first if a crashed run left one)."""
    try:
        import psycopg

        with psycopg.connect(maintenance_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{SCRATCH_DB}"')
    except Exception as error:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return None, f"PostgreSQL unreachable at {maintenance_url}: {first_line or error!r}"
    return pg_url_for(maintenance_url, SCRATCH_DB), ""


def drop_scratch_database(maintenance_url: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')


def print_table(results: list[dict]) -> None:
    service_columns = [
        ("backend", "backend", "{}"),
        ("raw inserts/s", "raw_rate", "{:,.0f}"),
        ("service reports/s", "service_rate", "{:,.1f}"),
        ("ratio % (>=10)", "ratio_pct", "{:.1f}"),
        ("svc p50 ms", "service_p50_ms", "{:.1f}"),
        ("svc p99 ms", "service_p99_ms", "{:.1f}"),
        ("dispute queries (<=10)", "queries_dispute", "{}"),
        ("+ facts in request", "queries_dispute_after", "{}"),
        ("reports per facts refresh", "reports_per_refresh", "{:.1f}"),
        ("hazard queries", "queries_hazard", "{}"),
    ]
    print()
    print_rows(service_columns, results)
    servers = [
        {"backend": result["backend"], **server}
        for result in results
        for server in result.get("servers", [])
    ]
    if servers:
        http_columns = [
            ("backend", "backend", "{}"),
            ("server", "server", "{}"),
            ("bare POST/s", "bare_rate", "{:.1f}"),
            ("report POST/s", "full_rate", "{:.1f}"),
            ("report/bare %", "full_vs_bare_pct", "{:.1f}"),
            ("open-loop req/s", "http_rate", "{:.1f}"),
            ("p50 ms", "http_p50_ms", "{:.1f}"),
            ("p95 ms", "http_p95_ms", "{:.1f}"),
            ("p99 ms (<100)", "http_p99_ms", "{:.1f}"),
            ("errors", "http_errors", "{}"),
            ("capacity req/s", "capacity", "{:g}"),
        ]
        print()
        print_rows(http_columns, servers)
    print()
    for result in results:
        name = result["backend"]
        print(f"{name}: {result['grids']} grids, {result['people']} people")
        print(
            f"{name}: service loop in one process vs raw cursor inserts: "
            f"{result['ratio_pct']:.1f} % (>= 10 %: {verdict(result['ratio_pct'] >= 10)}; "
            "issue 20 measures this ratio through the server: report/bare below); "
            f"queries verdict: {verdict(result['queries_dispute'] <= 10)} (a dispute in <= 10, "
            f"{result['queries_dispute_after']} more in analytics' facts refresh in the request)"
        )
        for row in result.get("facts_compare", []):
            when = "deferred 1 s" if row["delay"] else "in the request"
            print(
                f"{name}: facts refreshed {when}: "
                f"{row['cpu_ms']:.1f} ms CPU per report, {row['rate']:.1f} reports/s"
            )
        if result.get("http_skipped"):
            print(f"{name}: HTTP: SKIPPED: {result['http_skipped']}")
            continue
        for server in result["servers"]:
            statuses = ", ".join(f"{k}: {v}" for k, v in sorted(server["http_statuses"].items()))
            met = server["http_p99_ms"] < 100 and not server["http_errors"]
            ratio = server.get("full_vs_bare_pct") or 0
            print(
                f"{name}: {server['server']}: {server['workers']}; HTTP {server['http_endpoint']}: "
                f"{server['http_sent']} sent at {server['http_target_rate']:g}/s, statuses "
                f"{statuses}; {server['http_stored']} reports stored; max "
                f"{server['http_max_ms']:.1f} ms; verdict: {verdict(met)} (p99 < 100 ms, no "
                f"errors); report/bare {ratio:.1f} %: {verdict(ratio >= 10)} (>= 10 %)"
            )
            lag, failed = server.get("facts_lag_s"), server.get("facts_failed", 0)
            print(
                f"{name}: {server['server']}: figures' refreshes queued for the task worker: "
                + ("none left" if lag == 0 else "all done" if lag is not None else "still busy")
                + (f" {lag:.1f} s after the open loop" if lag else "")
                + f", {failed} failed"
            )
            for step in server.get("capacity_steps", []):
                print(
                    f"{name}: {server['server']}: capacity step {step['rate']:g}/s: p99 "
                    f"{step['p99_ms']:.1f} ms, {step['errors']} errors"
                )


def print_rows(columns: list[tuple[str, str, str]], rows: list[dict]) -> None:
    cells = [
        ["-" if row.get(key) is None else fmt.format(row[key]) for _title, key, fmt in columns]
        for row in rows
    ]
    widths = [
        max(len(title), *(len(cell_row[i]) for cell_row in cells))
        for i, (title, _k, _f) in enumerate(columns)
    ]
    print("  ".join(title.rjust(w) for (title, _k, _f), w in zip(columns, widths, strict=True)))
    for cell_row in cells:
        print("  ".join(cell.rjust(w) for cell, w in zip(cell_row, widths, strict=True)))


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


# --- the child: one backend, settings from the environment ------------------------------


def run_one_backend(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from fengqiao.intake.models import Report
    from fengqiao.org.models import Person
    from fengqiao.places.models import Region

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo", scale=args.scale, verbosity=0)
    progress(f"migrated and loaded the demo county in {time.perf_counter() - started:.1f} s")

    grids = list(Region.objects.filter(level="grid").exclude(boundary=None))
    rng = random.Random(2026)
    points = points_inside(grids, args.reports + args.warmup + 50, rng)
    payloads = [report_payload(point, rng) for point in points]
    result: dict = {
        "backend": connection.vendor if connection.vendor != "postgresql" else "postgres",
        "grids": len(grids),
        "people": Person.objects.count(),
    }

    # Warm-up: the first locate builds the grid index; first queries fill caches.
    warm, payloads = payloads[: args.warmup], payloads[args.warmup :]
    for payload in warm:
        submit(payload)
    dispute = next(p for p in payloads if p["kind"] == "dispute")
    hazard = next(p for p in payloads if p["kind"] == "hazard")
    payloads = [p for p in payloads if p is not dispute and p is not hazard]
    # A running server has seen its county's grids: another reporter's report at each point
    # first, so the counts are a warm grid's. (The first report in a grid after a start
    # reads the grid's path once: one statement more.)
    for sample in (dispute, hazard):
        submit(report_payload((sample["lon"], sample["lat"]), rng))
    (result["queries_dispute"], result["queries_dispute_after"]), (hazard_own, hazard_after) = (
        count_queries(dispute, hazard)
    )
    result["queries_hazard"] = hazard_own + hazard_after

    result["raw_rate"] = bench_raw_insert(args.raw_rows, grids, rng)
    progress(f"raw INSERT: {result['raw_rate']:,.0f} rows/s ({args.raw_rows} rows)")

    before = Report.objects.count()
    latencies, elapsed, refreshes = bench_service(payloads[: args.reports])
    result["reports_per_refresh"] = args.reports / max(refreshes, 1)
    assert Report.objects.count() - before == args.reports, "not every submission was stored"
    result["service_rate"] = args.reports / elapsed
    result["service_p50_ms"] = percentile(latencies, 50) * 1000
    result["service_p99_ms"] = percentile(latencies, 99) * 1000
    result["ratio_pct"] = 100 * result["service_rate"] / result["raw_rate"]
    progress(
        f"service: {result['service_rate']:,.1f} reports/s, "
        f"p50 {result['service_p50_ms']:.1f} ms, p99 {result['service_p99_ms']:.1f} ms"
    )

    if args.facts_compare:
        result["facts_compare"] = compare_facts_delay(grids, args.facts_compare, rng)

    if args.profile:
        show_queries(next(p for p in fresh_payloads(grids, 20, rng) if p["kind"] == "dispute"))
        profile_service(payloads[args.reports :][:50] + fresh_payloads(grids, 150, rng))

    if args.no_http:
        result["http_skipped"] = "--no-http"
    else:
        user = get_user_model().objects.get(username=args.api_user)
        result.update(bench_http(args, grids, rng, user))
    print(json.dumps(result))


def progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def points_inside(grids: list, n: int, rng: random.Random) -> list[tuple[float, float]]:
    """``n`` points, each uniformly inside a randomly chosen grid (rejection sampling)."""
    import shapely
    from shapely.geometry import shape

    shapes = [shape(grid.boundary) for grid in grids]
    for geometry in shapes:
        shapely.prepare(geometry)
    points = []
    while len(points) < n:
        geometry = rng.choice(shapes)
        minx, miny, maxx, maxy = geometry.bounds
        for _attempt in range(50):
            lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if shapely.contains_xy(geometry, lon, lat):
                break
        else:
            point = geometry.representative_point()
            lon, lat = point.x, point.y
        points.append((round(lon, 6), round(lat, 6)))
    return points


def report_payload(point: tuple[float, float], rng: random.Random) -> dict:
    """A dispute (60 %) or a hazard report from a named resident at ``point``."""
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    phone = rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))
    if rng.random() < 0.6:
        category, text = rng.choice(DISPUTES)
        kind, risk = "dispute", rng.choices(["blue", "yellow", "red"], [70, 25, 5])[0]
    else:
        category, text = rng.choice(["", "public_safety_hazard"]), rng.choice(HAZARDS)
        kind, risk = "hazard", rng.choices(["blue", "yellow"], [80, 20])[0]
    return {
        "channel": "web",
        "kind": kind,
        "category": category,
        "risk": risk,
        "text": text,
        "lon": point[0],
        "lat": point[1],
        "reporter_name": name,
        "reporter_phone": phone,
        "client_key": uuid.uuid4().hex,
    }


def fresh_payloads(grids: list, n: int, rng: random.Random) -> list[dict]:
    return [report_payload(point, rng) for point in points_inside(grids, n, rng)]


def submit(payload: dict, actor=None):
    from fengqiao.intake.services import submit_report

    submission = submit_report(actor=actor, **payload)
    assert submission.created, "a fresh client_key returned an old report"
    return submission


def count_queries(*payloads: dict) -> list[tuple[int, int]]:
    """Queries one submission of each payload runs: up to and including its COMMIT, and
    after it (analytics' facts refresh, ``transaction.on_commit``)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for payload in payloads:
        with CaptureQueriesContext(connection) as captured:
            submit(payload)
        sqls = [query["sql"] for query in captured]
        own = next((i + 1 for i, sql in enumerate(sqls) if sql == "COMMIT"), len(sqls))
        counts.append((own, len(sqls) - own))
    return counts


def show_queries(payload: dict) -> None:
    """Every query of one dispute submission, on stderr."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        submit(payload)
    print(f"\n--- the {len(captured)} queries of one dispute submission ---", file=sys.stderr)
    for query in captured:
        print(f"  {query['sql'][:150]}", file=sys.stderr)


def bench_service(payloads: list[dict]) -> tuple[list[float], float, int]:
    """Each submission's latency, the time until the deferred facts refresh caught up with
    the last, and how many refreshes ran (in the request or deferred)."""
    from fengqiao.analytics import facts

    refresh, refreshes = facts.refresh, []

    def counted(keys):
        refreshes.append(1)
        return refresh(keys)

    facts.refresh = counted
    try:
        latencies = []
        start = time.perf_counter()
        for payload in payloads:
            t0 = time.perf_counter()
            submit(payload)
            latencies.append(time.perf_counter() - t0)
        assert facts.deferred.wait(120), "the deferred facts refresh did not catch up"
        return latencies, time.perf_counter() - start, len(refreshes)
    finally:
        facts.refresh = refresh


def compare_facts_delay(grids: list, n: int, rng: random.Random) -> list[dict]:
    """The service loop with the facts refreshed in the request (delay 0) and a second
    later by the process's thread (delay 1), twice each in turn, in the same process: CPU
    per report of this process (every thread, the deferred refresh included) and reports/s
    until the refresh caught up. CPU time is what the web worker pays, whatever else runs."""
    from django.conf import settings

    from fengqiao.analytics import facts

    rows = []
    for delay in (0.0, 1.0, 0.0, 1.0):
        settings.FACTS_DELAY = delay
        payloads = fresh_payloads(grids, n, rng)
        cpu, start = time.process_time(), time.perf_counter()
        for payload in payloads:
            submit(payload)
        assert facts.deferred.wait(120), "the deferred facts refresh did not catch up"
        cpu, wall = time.process_time() - cpu, time.perf_counter() - start
        rows.append({"delay": delay, "cpu_ms": cpu / n * 1000, "rate": n / wall})
        progress(
            f"facts delay {delay:g} s: {rows[-1]['cpu_ms']:.1f} ms CPU per report, "
            f"{rows[-1]['rate']:.1f} reports/s"
        )
    return rows


def bench_raw_insert(rows: int, grids: list, rng: random.Random) -> float:
    """Rows/s of single-row INSERTs into intake_report, each committed on its own.

    Django runs in autocommit outside ``atomic``: every ``execute`` is one transaction. The
    rows have every column the service writes (a real grid, its scope path); they are
    deleted afterwards so the service and HTTP legs see the same table as without them.
    """
    from django.db import connection
    from django.utils import timezone

    from fengqiao import sealing
    from fengqiao.intake.models import Report

    fields = [f for f in Report._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(Report._meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {table} ({column_list}) VALUES ({', '.join(['%s'] * len(fields))})"
    params = []
    for i, (lon, lat) in enumerate(points_inside(grids, rows, rng)):
        grid = rng.choice(grids)
        report = Report(
            tracking_code=f"RAW{i:09d}",
            client_key=f"raw-{uuid.uuid4().hex}",
            kind="hazard",
            channel="web",
            risk="blue",
            text=rng.choice(HAZARDS),
            reporter_name="王芳",
            **sealing.phone_columns("+8613812345678"),
            lon=lon,
            lat=lat,
            grid=grid,
            scope_path=grid.path,
            created_at=timezone.now(),
        )
        params.append([f.get_db_prep_save(f.pre_save(report, True), connection) for f in fields])
    assert connection.get_autocommit(), "the raw baseline must run in autocommit"
    with connection.cursor() as cursor:
        start = time.perf_counter()
        for row in params:
            cursor.execute(sql, row)
        elapsed = time.perf_counter() - start
    Report.objects.filter(client_key__startswith="raw-").delete()
    return rows / elapsed


def profile_service(payloads: list[dict]) -> None:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for payload in payloads:
        submit(payload)
    profiler.disable()
    elapsed = time.perf_counter() - start
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"fengqiao|django/db/models/(query|base)", 40)
    stats.sort_stats("tottime").print_stats(25)
    print(
        f"\n--- cProfile of {len(payloads)} submissions ({len(payloads) / elapsed:.1f}/s "
        "under the profiler) ---",
        file=sys.stderr,
    )
    print(out.getvalue(), file=sys.stderr, flush=True)


# --- HTTP: the real server and an open-loop load generator ------------------------------


def bench_http(args: argparse.Namespace, grids: list, rng: random.Random, user) -> dict:
    from django.urls import Resolver404, resolve

    endpoint = None
    for path in (API_PATH, FORM_PATH):
        try:
            resolve(path)
        except Resolver404:
            continue
        endpoint = path
        break
    if endpoint is None:
        progress("HTTP: SKIPPED: no intake endpoint yet")
        return {"http_skipped": f"no intake endpoint yet ({API_PATH} nor {FORM_PATH})"}
    if endpoint == API_PATH:
        # The API refuses a report outside the caller's jurisdiction: stay inside it.
        grids = [grid for grid in grids if grid.pk in in_scope_grid_ids(user)]
    servers = [bench_server(kind, endpoint, args, grids, rng, user) for kind in args.servers]
    return {"servers": servers}


def bench_server(
    kind: str, endpoint: str, args: argparse.Namespace, grids: list, rng: random.Random, user
) -> dict:
    """One server (``serve`` or ``demo``) over this backend's database: closed-loop rates of
    the bare insert and the full report POST, the open loop at ``args.rate``, capacity."""
    from fengqiao.intake.models import Report

    log_path = Path(os.environ["FENGQIAO_DATA_DIR"]) / f"server-{kind}.log"
    port = free_port()
    server, workers = start_server(kind, port, args, log_path)

    def report_requests(n: int) -> list[tuple]:
        payloads = fresh_payloads(grids, n, rng)
        if endpoint == API_PATH:
            return api_requests(payloads, user)
        return form_requests(payloads, port)

    try:
        for request in report_requests(5):  # builds the server's grid index, opens connections
            send_once(port, request)
        for request in bare_requests(grids, rng, 5):
            send_once(port, request)
        figures: dict = {"server": kind, "workers": workers, "http_endpoint": endpoint}
        progress(
            f"HTTP {kind}: closed loop, {args.clients} clients, {args.closed_seconds:g} s each"
        )
        bare = closed_loop(
            port, bare_requests(grids, rng, 20000), args.clients, args.closed_seconds
        )
        full = closed_loop(port, report_requests(3000), args.clients, args.closed_seconds)
        figures["bare_rate"], figures["full_rate"] = bare["rate"], full["rate"]
        figures["full_vs_bare_pct"] = 100 * full["rate"] / bare["rate"] if bare["rate"] else None
        figures["closed_errors"] = bare["errors"] + full["errors"]
        progress(
            f"HTTP {kind}: bare {bare['rate']:.1f}/s, report {full['rate']:.1f}/s "
            f"({bare['errors'] + full['errors']} errors"
            + "".join(
                f"; {name} {failures(loop['failed'])}"
                for name, loop in (("bare", bare), ("report", full))
                if loop["failed"]
            )
            + ")"
        )
        total = max(1, round(args.rate * args.seconds))
        requests = report_requests(total)
        before = Report.objects.count()
        progress(f"HTTP {kind}: {endpoint} at {args.rate:g} req/s for {args.seconds:g} s")
        outcome = open_loop(port, requests, args.rate)
        figures["http_stored"] = Report.objects.count() - before
        figures.update(open_loop_figures(outcome, args.rate, len(requests)))
        figures["facts_lag_s"], figures["facts_failed"] = facts_caught_up()
        if figures["http_errors"]:
            progress(f"HTTP {kind}: {figures['http_errors']} errors; log tail:\n{tail(log_path)}")
        progress(
            f"HTTP {kind}: {figures['http_rate']:.1f} req/s achieved, p50 "
            f"{figures['http_p50_ms']:.1f} ms, p99 {figures['http_p99_ms']:.1f} ms"
        )
        if args.capacity:
            figures["capacity"], figures["capacity_steps"] = capacity(port, report_requests, args)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return figures


def facts_caught_up(limit: float = 120) -> tuple[float | None, int]:
    """Seconds from the end of the open loop until no figures' refresh is queued or running
    (``fengqiao serve`` hands them to its task worker; None: still busy after ``limit``),
    and how many of those refreshes failed."""
    from django_tasks_db.models import DBTaskResult

    tasks = DBTaskResult.objects.filter(task_path="fengqiao.analytics.facts.refresh_facts")
    started = time.monotonic()
    while tasks.filter(status__in=["READY", "RUNNING"]).exists():
        if time.monotonic() - started > limit:
            return None, tasks.filter(status="FAILED").count()
        time.sleep(0.2)
    return time.monotonic() - started, tasks.filter(status="FAILED").count()


def capacity(port: int, report_requests, args: argparse.Namespace) -> tuple[float | None, list]:
    """Open-loop steps of ``args.capacity_seconds`` at rising rates until p99 reaches 100 ms
    or a request fails; the highest rate before that (None when the first step missed)."""
    steps, best = [], None
    rate = args.capacity_from
    while rate <= args.capacity_to:
        requests = report_requests(max(1, round(rate * args.capacity_seconds)))
        figures = open_loop_figures(open_loop(port, requests, rate), rate, len(requests))
        step = {"rate": rate, "p99_ms": figures["http_p99_ms"], "errors": figures["http_errors"]}
        step["failed"] = failures(figures["http_statuses"])
        steps.append(step)
        progress(
            f"  capacity {rate:g}/s: p99 {step['p99_ms']:.1f} ms, {step['errors']} errors"
            + (f" ({step['failed']})" if step["failed"] else "")
        )
        if step["errors"] or not step["p99_ms"] < 100:
            break
        best = rate
        rate += args.capacity_step
    return best, steps


def failures(statuses: dict) -> str:
    """The failed answers by status (or the client's exception), in words."""
    return ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()) if not is_success(k))


def open_loop_figures(outcome: dict, rate: float, sent: int) -> dict:
    latencies = [latency for latency, status in outcome["results"] if is_success(status)]
    statuses: dict[str, int] = {}
    for _latency, status in outcome["results"]:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    errors = sum(count for status, count in statuses.items() if not is_success(status))
    return {
        "http_target_rate": rate,
        "http_sent": sent,
        "http_rate": len(latencies) / outcome["elapsed"],
        "http_errors": errors,
        "http_statuses": statuses,
        "http_p50_ms": percentile(latencies, 50) * 1000,
        "http_p95_ms": percentile(latencies, 95) * 1000,
        "http_p99_ms": percentile(latencies, 99) * 1000,
        "http_max_ms": max(latencies, default=math.nan) * 1000,
    }


def bare_requests(grids: list, rng: random.Random, n: int) -> list[tuple]:
    """POSTs to the bench-only bare endpoint: one row each, in a real grid."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    requests = []
    for _ in range(n):
        grid = rng.choice(grids)
        body = urlencode({"grid_id": grid.pk, "scope_path": grid.path}).encode()
        requests.append(("POST", BARE_PATH, body, headers))
    return requests


def in_scope_grid_ids(user) -> set[int]:
    from fengqiao.org.scope import scope_to
    from fengqiao.places.models import Region

    return set(scope_to(user, Region.objects.filter(level="grid")).values_list("pk", flat=True))


def is_success(status) -> bool:
    return str(status).isdigit() and 200 <= int(status) < 400


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    kind: str, port: int, args: argparse.Namespace, log_path: Path
) -> tuple[subprocess.Popen, str]:
    """``fengqiao serve`` (as deployed: web workers, the task worker and the scheduler) or
    ``fengqiao demo`` (the county is loaded, so it only serves) on ``port``, with the
    bench-only settings that add the bare endpoint; returns
    the process and its workers in words."""
    command = [sys.executable, "-m", "fengqiao.cli", kind, "--host", "127.0.0.1"]
    command += ["--port", str(port)]
    if kind == "serve":
        if args.workers:
            command += ["--workers", str(args.workers)]
    else:
        command += ["--scale", str(args.scale)]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": BARE_SETTINGS,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    log = log_path.open("w")
    server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        if "Fengqiao is serving" in text:
            return server, _workers_in(kind, text)
        if server.poll() is not None:
            break
        time.sleep(0.1)
    server.kill()
    raise SystemExit(f"the server did not start; its log:\n{tail(log_path)}")


def _workers_in(kind: str, log: str) -> str:
    if kind == "demo":
        return "waitress, 1 process, 6 threads"
    found = re.search(r"(\d+) web workers", log)
    if found:
        return f"gunicorn, {found.group(1)} uvicorn workers"
    return "uvicorn, 1 process"


def tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def api_requests(payloads: list[dict], user) -> list[tuple]:
    """POSTs to the REST API with the user's token; the client key travels as a header.

    The user must be staff with a role that may submit reports (the demo's ``police``)."""
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=user)
    requests = []
    for payload in payloads:
        body = {key: value for key, value in payload.items() if key != "client_key"}
        body["channel"] = "phone"  # a member of staff taking a call down
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Token {token.key}",
            "Idempotency-Key": payload["client_key"],
        }
        requests.append(("POST", API_PATH, json.dumps(body).encode(), headers))
    return requests


def form_requests(payloads: list[dict], port: int) -> list[tuple]:
    """POSTs of the public form, with the CSRF cookie and token a browser would send."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", FORM_PATH)
    response = conn.getresponse()
    html = response.read().decode(errors="replace")
    cookies = "; ".join(
        value.split(";", 1)[0] for key, value in response.getheaders() if key == "Set-Cookie"
    )
    conn.close()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if response.status != 200 or "csrftoken=" not in cookies or token is None:
        raise SystemExit(f"GET {FORM_PATH} gave {response.status} without a CSRF cookie and token")
    requests = []
    for payload in payloads:
        fields = {key: value for key, value in payload.items() if value != ""}
        fields["csrfmiddlewaretoken"] = token.group(1)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookies,
            "Referer": f"http://127.0.0.1:{port}{FORM_PATH}",
        }
        requests.append(("POST", FORM_PATH, urlencode(fields).encode(), headers))
    return requests


def send_once(port: int, request: tuple) -> int:
    import http.client

    method, path, body, headers = request
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def open_loop(port: int, requests: list[tuple], rate: float, workers: int = 48) -> dict:
    """Send request i at start + i/rate whatever happened to earlier ones.

    A dispatcher hands each request, at its due time, to a pool of client threads that keep
    their connections open. Latency is measured from the due time, so a request that waited
    for a free client thread (or a slow server) counts its wait.
    """
    import http.client
    import queue

    due: queue.Queue = queue.Queue()
    results: list = [None] * len(requests)
    answers: list[str] = []  # the first failed answers, for the log
    finished = [0.0]

    def client() -> None:
        conn = None
        while (item := due.get()) is not None:
            i, due_at, (method, path, body, headers) = item
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request(method, path, body, headers)
                response = conn.getresponse()
                answer = response.read()
                status = response.status
                if not is_success(status) and len(answers) < 3:
                    answers.append(f"{status} {path}: {answer[:300].decode(errors='replace')}")
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                if conn is not None:
                    conn.close()
                conn = None
            done = time.perf_counter()
            results[i] = (done - due_at, status)
            finished[0] = max(finished[0], done)
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    start = time.perf_counter() + 0.05
    for i, request in enumerate(requests):
        due_at = start + i / rate
        delay = due_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        due.put((i, due_at, request))
    for _thread in threads:
        due.put(None)
    for thread in threads:
        thread.join()
    for answer in answers:
        progress(f"  failed: {answer}")
    return {"results": results, "elapsed": finished[0] - start}


def closed_loop(port: int, requests: list[tuple], clients: int, seconds: float) -> dict:
    """``clients`` threads each send the next request as soon as their last one answered,
    for ``seconds``: the rate the server sustains (successes per second) and the errors."""
    import http.client

    lock = threading.Lock()
    pending = iter(requests)
    counts = {"ok": 0, "errors": 0}
    failed: dict[str, int] = {}
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop_at:
            with lock:
                request = next(pending, None)
            if request is None:
                break
            method, path, body, headers = request
            try:
                conn.request(method, path, body, headers)
                response = conn.getresponse()
                response.read()
                ok, status = is_success(response.status), str(response.status)
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            except (OSError, http.client.HTTPException) as error:
                ok, status = False, type(error).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                counts["ok" if ok else "errors"] += 1
                if not ok:
                    failed[status] = failed.get(status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return {"rate": counts["ok"] / elapsed, "errors": counts["errors"], "failed": failed}


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--backends", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    parser.add_argument("--reports", type=int, default=500, help="service submissions")
    parser.add_argument("--raw-rows", type=int, default=5000, help="raw single-row INSERTs")
    parser.add_argument("--rate", type=float, default=50, help="HTTP requests per second")
    parser.add_argument("--seconds", type=float, default=20, help="HTTP run length")
    parser.add_argument("--scale", type=float, default=0.05, help="demo county size")
    parser.add_argument("--api-user", default="police", help="demo login that owns the token")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL), help="maintenance DB"
    )
    parser.add_argument(
        "--servers", nargs="+", choices=["serve", "demo"], default=["serve", "demo"]
    )
    parser.add_argument("--workers", type=int, default=0, help="fengqiao serve --workers")
    parser.add_argument("--clients", type=int, default=8, help="closed-loop clients")
    parser.add_argument("--closed-seconds", type=float, default=10, help="closed-loop run")
    parser.add_argument("--capacity", action="store_true", help="find the p99 < 100 ms rate")
    parser.add_argument("--capacity-from", type=float, default=30)
    parser.add_argument("--capacity-to", type=float, default=150)
    parser.add_argument("--capacity-step", type=float, default=10)
    parser.add_argument("--capacity-seconds", type=float, default=10)
    parser.add_argument("--profile", action="store_true", help="cProfile the service loop")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP leg")
    parser.add_argument(
        "--facts-compare",
        type=int,
        default=0,
        metavar="N",
        help="N reports each with the facts refreshed in the request and deferred, in turn",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 50 reports, 5 s HTTP")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.warmup = 10
    if args.quick:
        args.reports, args.raw_rows, args.seconds = 50, 1000, 5
        args.closed_seconds, args.capacity_seconds = 4, 4
    if args.child:
        run_one_backend(args)
    else:
        run_backends(args)


if __name__ == "__main__":
    main()
