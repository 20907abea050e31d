"""How fast is dispatch? Run by hand: ``python bench/dispatch.py [--quick] [--backends ...]``.

For each backend (SQLite, PostgreSQL) it builds a throwaway database, migrates it, loads a
small demo county (``load_demo --scale 0.05``) and measures, all in the same run:

(b) **A surge of alarms through HTTP.** The real server (``fengqiao demo`` on a free port:
    waitress, 6 threads) over that database; ``--alarms`` (200) one-click alarms POSTed to
    the alarm API ``/api/v1/alarms/`` at random moments over ``--surge-seconds`` (60), each
    from a phone of its own (a fresh connection from its own loopback address, no cookie, a
    new ``client_key``) at a building of the showcase town, by a pool of concurrent
    clients. Latency runs from the moment a POST was due. Meanwhile the showcase station's
    chief's board fragment ``/dispatch/rows/`` (what the board polls, every 1 s in the
    page) is fetched over and over and the chief's ``selectors.incidents_for`` is read in a
    loop on a connection of its own: for each alarm, the time from its POST to the first
    fragment (fetched every ``--board-every`` 0.25 s, a dozen dispatchers' worth of the
    page's polling) and the first read that holds it. Lost: an alarm answered with an
    error, or whose number is not in the database at the end.
    Targets: every alarm on the board within 2 s, POST p99 < 300 ms, none lost.

(a) **Suggestions over a big county.** A county of ``--grids`` (100,000) grids (small
    squares, bulk-inserted), 100 townships with a station each, 1,000 units on duty
    available at random points (one in five a beat officer's unit with a beat over the
    community it stands in); ``selectors.suggestions_for`` for ``--incidents`` (500)
    incidents at random points of random grids: p50/p99 and queries each, beside a brute
    force in the same run (every available unit read and ranked by the same rule,
    ``rules.suggest``: Python haversine, sorted) and how often the two give the same five
    units in the same order.
    Target: suggestions p99 < 50 ms.

Each backend runs in a subprocess of this script (Django's settings are per process) and
hands its figures back as one JSON line. PostgreSQL gets a scratch database
(``fengqiao_bench_dispatch``) created through the ``postgres`` maintenance database and
dropped at the end; it is skipped, with a line saying so, when the server cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.intake import (  # noqa: E402 - after the path is set
    free_port,
    load_average,
    percentile,
    pg_url_for,
    start_server,
    tail,
)

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SCRATCH_DB = "fengqiao_bench_dispatch"
ALARM_PATH = "/api/v1/alarms/"
BOARD_PATH = "/dispatch/rows/"
TARGET_BOARD_S = 2.0
# How often the board page asks for its rows (dispatch/templates/dispatch/board.html).
PAGE_POLL_S = 1.0
TARGET_POST_P99_MS = 300.0
TARGET_SUGGEST_P99_MS = 50.0
NOTES = ["", "", "楼下有人打架", "有人撬门", "家里老人摔倒了", "醉酒人员闹事", "有人持刀"]

# The big county: 10 x 10 townships of 5 x 2 communities of 10 x 10 grids (100,000).
PROVINCE, CITY, COUNTY = "34", "3499", "349901"
GRID_DEG = 0.002
TOWNSHIP_COLS, TOWNSHIP_ROWS = 10, 10
COMMUNITY_COLS, COMMUNITY_ROWS = 5, 2
GRID_SIDE = 10
ORIGIN = (119.0, 29.0)
BEAT_UNIT_SHARE = 0.2


# --- the parent: one subprocess per backend, then the table -----------------------------


def run_backends(args: argparse.Namespace) -> None:
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; demo scale {args.scale}; "
        f"surge {args.alarms} alarms over {args.surge_seconds:g} s; suggestions over "
        f"{args.grids:,} grids and {args.units:,} units, {args.incidents} incidents; "
        f"load average {load_average()}"
    )
    results = []
    for backend in args.backends:
        data_dir = tempfile.mkdtemp(prefix=f"fq-bench-dispatch-{backend}-")
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
    for result in results:
        print_result(result)
    print(f"load average at the end: {load_average()} (other work on the machine skews figures)")


def run_child(backend: str, args: argparse.Namespace, env: dict) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", backend]
    names = ("scale", "alarms", "surge_seconds", "clients", "board_every", "grids", "units")
    for name in (*names, "incidents"):
        command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    for flag in ("no_http", "no_suggest"):
        if getattr(args, flag):
            command.append(f"--{flag.replace('_', '-')}")
    done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{backend}: the benchmark subprocess failed (exit {done.returncode})")
    return json.loads(lines[-1])


def create_scratch_database(maintenance_url: str) -> tuple[str | None, str]:
    """A fresh, empty ``fengqiao_bench_dispatch`` (dropped first if a crashed run left one)."""
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


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def print_result(r: dict) -> None:
    name = r["backend"]
    print()
    if r.get("surge_skipped"):
        print(f"{name}: (b) surge: SKIPPED: {r['surge_skipped']}")
    else:
        print(
            f"{name}: (b) surge of {r['alarms']} alarms over {r['surge_seconds']:g} s to "
            f"{ALARM_PATH} ({r['clients']} concurrent clients): statuses {r['statuses']}"
        )
        print(
            f"{name}:     POST  p50 {r['post_p50_ms']:.0f} ms  p95 {r['post_p95_ms']:.0f} ms  "
            f"p99 {r['post_p99_ms']:.0f} ms  max {r['post_max_ms']:.0f} ms   "
            f"verdict: {verdict(r['post_p99_ms'] < TARGET_POST_P99_MS)} (p99 < 300 ms)"
        )
        screen = r["board_max_s"] + PAGE_POLL_S + r["board_fetch_max_ms"] / 1000
        print(
            f"{name}:     on the board ({BOARD_PATH}, fetched every {r['board_every']:g} s, each "
            f"p50 {r['board_fetch_p50_ms']:.0f} ms / max {r['board_fetch_max_ms']:.0f} ms): "
            f"p50 {r['board_p50_s']:.2f} s  p99 {r['board_p99_s']:.2f} s  "
            f"max {r['board_max_s']:.2f} s; on screen at worst {screen:.2f} s (the page "
            f"polls every {PAGE_POLL_S:g} s); never shown {r['never_on_board']} of this "
            f"station's ({r.get('elsewhere', 0)} fell in a neighbour's area)   verdict: "
            f"{verdict(screen <= TARGET_BOARD_S and not r['never_on_board'])} "
            "(all on screen within 2 s)"
        )
        print(
            f"{name}:     in the chief's selector: p50 {r['db_p50_s']:.2f} s  "
            f"p99 {r['db_p99_s']:.2f} s  max {r['db_max_s']:.2f} s"
        )
        print(
            f"{name}:     lost {r['lost']} (error answers {r['errors']}, missing in the "
            f"database {r['missing']})   verdict: {verdict(r['lost'] == 0)} (none lost)"
        )
        if r.get("board_more"):
            print(
                f"{name}:     the board said more were waiting than it shows "
                f"(in {r['board_more']} of its fetches)"
            )
    if r.get("suggest_skipped"):
        print(f"{name}: (a) suggestions: SKIPPED: {r['suggest_skipped']}")
        return
    print(
        f"{name}: (a) suggestions over {r['grids']:,} grids, {r['units']:,} available units "
        f"(county built in {r['build_s']:.1f} s), {r['incidents']} incidents:"
    )
    print(
        f"{name}:     suggestions_for  p50 {r['suggest_p50_ms']:.1f} ms  "
        f"p99 {r['suggest_p99_ms']:.1f} ms  ({r['suggest_queries']} queries each, median)   "
        f"verdict: {verdict(r['suggest_p99_ms'] < TARGET_SUGGEST_P99_MS)} (p99 < 50 ms)"
    )
    print(
        f"{name}:     brute force      p50 {r['brute_p50_ms']:.1f} ms  "
        f"p99 {r['brute_p99_ms']:.1f} ms  (every unit read, ranked by rules.suggest)"
    )
    print(
        f"{name}:     the same five units in the same order: {r['same_top5']}/{r['incidents']}; "
        f"same first unit: {r['same_first']}/{r['incidents']}"
    )


# --- the child: one backend, settings from the environment ------------------------------


def run_one_backend(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo", scale=args.scale, verbosity=0)
    progress(f"migrated and loaded the demo county in {time.perf_counter() - started:.1f} s")
    result: dict = {"backend": "postgres" if connection.vendor == "postgresql" else "sqlite"}
    rng = random.Random(2026)
    if args.no_http:
        result["surge_skipped"] = "--no-http"
    else:
        result.update(bench_surge(args, rng))
    # The big county comes after the surge: the server would otherwise index its grids.
    if args.no_suggest:
        result["suggest_skipped"] = "--no-suggest"
    else:
        result.update(bench_suggestions(args, rng))
    print(json.dumps(result))


def progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


# --- (b) the surge ---------------------------------------------------------------------


def bench_surge(args: argparse.Namespace, rng: random.Random) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import Resolver404, resolve

    from fengqiao.dispatch import selectors
    from fengqiao.dispatch.models import Incident
    from fengqiao.org.models import AccessGrant
    from fengqiao.places.models import Building

    for path in (ALARM_PATH, BOARD_PATH):
        try:
            resolve(path)
        except Resolver404:
            progress(f"surge: SKIPPED: no {path} yet")
            return {"surge_skipped": f"no {path} yet"}
    chief = get_user_model().objects.get(username="chief")
    town = AccessGrant.objects.filter(user=chief).select_related("unit__jurisdiction").first()
    town = town.unit.jurisdiction
    points = list(
        Building.objects.filter(grid__path__startswith=town.path)
        .exclude(use="public")
        .values_list("lon", "lat")
    )
    bodies = [
        json.dumps(
            {
                "client_key": uuid.uuid4().hex,
                "lon": round(lon + rng.uniform(-0.0002, 0.0002), 6),
                "lat": round(lat + rng.uniform(-0.0002, 0.0002), 6),
                "note": rng.choice(NOTES),
                "caller_phone": f"+86139{rng.randrange(10**8):08d}",
            }
        ).encode()
        for lon, lat in (rng.choice(points) for _ in range(args.alarms + 1))
    ]
    board = Client()
    board.force_login(chief)
    cookie = f"sessionid={board.cookies['sessionid'].value}"
    log_path = Path(os.environ["FENGQIAO_DATA_DIR"]) / "server.log"
    port = free_port()
    server = start_server(port, args.scale, log_path)
    try:
        # One alarm first: the first locate builds the server's grid index. Not counted.
        status, _number = post_alarm(port, bodies.pop(), address="127.0.1.1")
        progress(f"surge: warm-up alarm answered {status}")
        fetch(port, BOARD_PATH, cookie)
        outcome = surge(port, bodies, args, rng, cookie, chief)
    finally:
        server.terminate()
        server.wait(timeout=10)
    posts = outcome["posts"]
    statuses: dict[str, int] = {}
    for _sent, _done, status, _number in posts:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    answered = {number: sent for sent, _done, status, number in posts if status == 201}
    errors = sum(1 for _s, _d, status, _n in posts if status != 201)
    stored = set(
        Incident.objects.unscoped_for_jobs()
        .filter(number__in=list(answered))
        .values_list("number", flat=True)
    )
    missing = len(set(answered) - stored)
    # A point near a township's edge can lie in the next station's area: that alarm is on
    # the neighbour's board, not this chief's, and is counted apart.
    mine = set(
        selectors.incidents_for(chief)
        .filter(number__in=list(answered))
        .values_list("number", flat=True)
    )
    if errors:
        progress(f"surge: {errors} error answers; server log tail:\n{tail(log_path)}")
    post_ms = [(done - sent) * 1000 for sent, done, _status, _number in posts]
    on_board = [
        outcome["board_seen"][n] - sent
        for n, sent in answered.items()
        if n in outcome["board_seen"]
    ]
    in_db = [
        outcome["db_seen"][n] - sent for n, sent in answered.items() if n in outcome["db_seen"]
    ]
    figures = {
        "alarms": len(posts),
        "surge_seconds": args.surge_seconds,
        "clients": args.clients,
        "board_every": args.board_every,
        "statuses": statuses,
        "post_p50_ms": percentile(post_ms, 50),
        "post_p95_ms": percentile(post_ms, 95),
        "post_p99_ms": percentile(post_ms, 99),
        "post_max_ms": max(post_ms, default=math.nan),
        "board_p50_s": percentile(on_board, 50),
        "board_p99_s": percentile(on_board, 99),
        "board_max_s": max(on_board, default=math.nan),
        "never_on_board": len(mine - set(outcome["board_seen"])),
        "elsewhere": len(set(answered) - mine),
        "board_fetch_p50_ms": percentile(outcome["fetches"], 50) * 1000,
        "board_fetch_max_ms": max(outcome["fetches"], default=math.nan) * 1000,
        "board_more": outcome["more"],
        "db_p50_s": percentile(in_db, 50),
        "db_p99_s": percentile(in_db, 99),
        "db_max_s": max(in_db, default=math.nan),
        "errors": errors,
        "missing": missing,
        "lost": errors + missing,
    }
    progress(
        f"surge: POST p99 {figures['post_p99_ms']:.0f} ms; on the board p99 "
        f"{figures['board_p99_s']:.2f} s, max {figures['board_max_s']:.2f} s; "
        f"lost {figures['lost']}"
    )
    return figures


def post_alarm(port: int, body: bytes, *, address: str) -> tuple[object, str]:
    """One phone's alarm: a fresh connection from its own address, no cookie."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(address, 0))
    try:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        conn.request("POST", ALARM_PATH, body, headers)
        response = conn.getresponse()
        payload = response.read()
        number = ""
        if response.status in (200, 201):
            number = json.loads(payload).get("number", "")
        return response.status, number
    except (OSError, http.client.HTTPException) as error:
        return type(error).__name__, ""
    finally:
        conn.close()


def fetch(port: int, path: str, cookie: str) -> str:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        return response.read().decode(errors="replace")
    finally:
        conn.close()


def surge(port, bodies, args, rng, cookie, chief) -> dict:
    """POST each body at a random moment of the surge from a pool of client threads while
    two watchers note when each incident number first shows: on the board fragment, and in
    the chief's selector."""
    import queue

    from django.db import connection

    from fengqiao.dispatch import selectors

    due: queue.Queue = queue.Queue()
    posts: list = [None] * len(bodies)
    board_seen: dict[str, float] = {}
    db_seen: dict[str, float] = {}
    fetches: list[float] = []
    more = [0]
    stop = threading.Event()

    def client() -> None:
        while (item := due.get()) is not None:
            i, due_at, body = item
            # 127.0.2.x, 127.0.3.x ...: every alarm from an address of its own, as phones are.
            address = f"127.0.{2 + i // 250}.{1 + i % 250}"
            status, number = post_alarm(port, body, address=address)
            posts[i] = (due_at, time.perf_counter(), status, number)

    def watch_board() -> None:
        pattern = re.compile(r'data-incident="([^"]+)"')
        while not stop.is_set():
            t0 = time.perf_counter()
            html = fetch(port, BOARD_PATH, cookie)
            t1 = time.perf_counter()
            fetches.append(t1 - t0)
            if "只显示最急的" in html:  # the board shows its first 200 and says more wait
                more[0] += 1
            for number in pattern.findall(html):
                board_seen.setdefault(number, t1)
            stop.wait(max(0.0, args.board_every - (t1 - t0)))

    def watch_db() -> None:
        try:
            while not stop.is_set():
                numbers = selectors.incidents_for(chief, open_only=True).values_list(
                    "number", flat=True
                )
                now = time.perf_counter()
                for number in numbers:
                    db_seen.setdefault(number, now)
                time.sleep(0.02)
        finally:
            connection.close()

    watchers = [threading.Thread(target=watch_board), threading.Thread(target=watch_db)]
    clients = [threading.Thread(target=client) for _ in range(args.clients)]
    for thread in watchers + clients:
        thread.start()
    time.sleep(0.5)  # the watchers' first look: what was open before the surge
    offsets = sorted(rng.uniform(0, args.surge_seconds) for _ in bodies)
    start = time.perf_counter() + 0.05
    progress(f"surge: {len(bodies)} alarms over {args.surge_seconds:g} s on port {port}")
    for i, (offset, body) in enumerate(zip(offsets, bodies, strict=True)):
        due_at = start + offset
        delay = due_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        due.put((i, due_at, body))
    for _thread in clients:
        due.put(None)
    for thread in clients:
        thread.join()
    time.sleep(5)  # time for the watchers to see the last ones
    stop.set()
    for thread in watchers:
        thread.join()
    return {
        "posts": posts,
        "board_seen": board_seen,
        "db_seen": db_seen,
        "fetches": fetches,
        "more": more[0],
    }


# --- (a) suggestions -------------------------------------------------------------------


def bench_suggestions(args: argparse.Namespace, rng: random.Random) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from fengqiao.dispatch import rules, selectors
    from fengqiao.dispatch.models import DutyUnit, Incident

    started = time.perf_counter()
    grids = build_county(args, rng)
    build_s = time.perf_counter() - started
    progress(f"suggestions: built {len(grids):,} grids and {args.units} units in {build_s:.1f} s")
    available = DutyUnit.objects.unscoped_for_jobs().filter(
        status="available", scope_path__startswith=f"/{PROVINCE}/{CITY}/{COUNTY}/"
    )
    incidents = []
    for _ in range(args.incidents + 20):
        grid = rng.choice(grids)
        lon = grid.lon + rng.uniform(-GRID_DEG / 2, GRID_DEG / 2)
        lat = grid.lat + rng.uniform(-GRID_DEG / 2, GRID_DEG / 2)
        incidents.append(Incident(grid=grid, lon=lon, lat=lat))
    warm, incidents = incidents[:20], incidents[20:]
    for incident in warm:
        selectors.suggestions_for(incident)
    now = timezone.now()

    def brute(incident) -> list[int]:
        """Every available unit read and ranked by the same rule (the beat's officer first
        when close, then by haversine distance, sorted)."""
        candidates = [
            rules.Candidate(*row)
            for row in available.values_list(
                "pk", "call_sign", "kind", "lon", "lat", "fix_at", "beat_id"
            )
        ]
        beats = selectors.beat_ids_for(incident)
        ranked = rules.suggest(incident.lon, incident.lat, candidates, beat_ids=beats, now=now)
        return [s.unit_id for s in ranked]

    suggest_s, brute_s, queries, same_top5, same_first = [], [], [], 0, 0
    for incident in incidents:
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            found = selectors.suggestions_for(incident, now=now)
            suggest_s.append(time.perf_counter() - t0)
        queries.append(len(captured))
        t0 = time.perf_counter()
        nearest = brute(incident)
        brute_s.append(time.perf_counter() - t0)
        suggested = [s.unit_id for s in found]
        same_top5 += suggested == nearest
        same_first += bool(suggested) and suggested[0] == nearest[0]
    figures = {
        "grids": len(grids),
        "units": available.count(),
        "build_s": build_s,
        "incidents": len(incidents),
        "suggest_p50_ms": percentile(suggest_s, 50) * 1000,
        "suggest_p99_ms": percentile(suggest_s, 99) * 1000,
        "suggest_queries": sorted(queries)[len(queries) // 2],
        "brute_p50_ms": percentile(brute_s, 50) * 1000,
        "brute_p99_ms": percentile(brute_s, 99) * 1000,
        "same_top5": same_top5,
        "same_first": same_first,
    }
    progress(
        f"suggestions: p50 {figures['suggest_p50_ms']:.1f} ms, p99 {figures['suggest_p99_ms']:.1f} "
        f"ms; brute force p50 {figures['brute_p50_ms']:.1f} ms"
    )
    return figures


def build_county(args: argparse.Namespace, rng: random.Random) -> list:
    """The big county, bulk-inserted: regions with paths as ``Region.save`` writes them, a
    station per township, beats and units as ``DutyUnit.save`` would fill them in."""
    from django.db import transaction
    from django.utils import timezone

    from fengqiao.dispatch.models import DutyUnit
    from fengqiao.org.models import Beat, Unit
    from fengqiao.places.models import Region

    side = GRID_SIDE
    cols = TOWNSHIP_COLS * COMMUNITY_COLS * side
    rows = max(1, args.grids // cols)
    now = timezone.now()

    def region(code, name, level, parent, lon=None, lat=None, boundary=None):
        path = f"{parent.path if parent else '/'}{code}/"
        return Region(
            code=code,
            name=name,
            level=level,
            parent_id=parent.pk if parent else None,
            path=path,
            depth=path.count("/") - 1,
            lon=lon,
            lat=lat,
            boundary=boundary,
            population=1000 if level == "grid" else None,
        )

    with transaction.atomic():
        province = Region.objects.create(code=PROVINCE, name="基准省", level="province")
        city = Region.objects.create(code=CITY, name="基准市", level="city", parent=province)
        county = Region.objects.create(code=COUNTY, name="基准县", level="county", parent=city)
        bureau = Unit.objects.create(
            code=f"U{COUNTY}", name="基准县公安局", kind="bureau", jurisdiction=county
        )
        townships = Region.objects.bulk_create(
            [
                region(f"{COUNTY}{t:03d}", f"基准镇{t}", "township", county)
                for t in range(TOWNSHIP_COLS * TOWNSHIP_ROWS)
            ]
        )
        communities = Region.objects.bulk_create(
            [
                region(f"{township.code}{c:03d}", f"{township.name}社区{c}", "community", township)
                for township in townships
                for c in range(COMMUNITY_COLS * COMMUNITY_ROWS)
            ]
        )
        grids = []
        for j in range(rows):
            for i in range(cols):
                community = communities[_community_index(i, j)]
                n = (i % side) + side * (j % side)
                lon0, lat0 = ORIGIN[0] + i * GRID_DEG, ORIGIN[1] + j * GRID_DEG
                ring = [
                    [lon0, lat0],
                    [lon0 + GRID_DEG, lat0],
                    [lon0 + GRID_DEG, lat0 + GRID_DEG],
                    [lon0, lat0 + GRID_DEG],
                    [lon0, lat0],
                ]
                grids.append(
                    region(
                        f"{community.code}G{n:03d}",
                        f"{community.name}网格{n}",
                        "grid",
                        community,
                        lon=lon0 + GRID_DEG / 2,
                        lat=lat0 + GRID_DEG / 2,
                        boundary={"type": "Polygon", "coordinates": [ring]},
                    )
                )
        grids = Region.objects.bulk_create(grids, batch_size=5000)
        stations = Unit.objects.bulk_create(
            [
                Unit(
                    code=f"U{township.code}",
                    name=f"{township.name}派出所",
                    kind="station",
                    parent_id=bureau.pk,
                    path=f"{bureau.path}U{township.code}/",
                    jurisdiction_id=township.pk,
                )
                for township in townships
            ]
        )
        units, beats = [], []
        for n in range(args.units):
            lon = ORIGIN[0] + rng.uniform(0, cols * GRID_DEG)
            lat = ORIGIN[1] + rng.uniform(0, rows * GRID_DEG)
            i, j = int((lon - ORIGIN[0]) / GRID_DEG), int((lat - ORIGIN[1]) / GRID_DEG)
            community = communities[_community_index(i, min(j, rows - 1))]
            t = townships.index(next(t for t in townships if t.pk == community.parent_id))
            station = stations[t]
            beat = None
            if rng.random() < BEAT_UNIT_SHARE:
                beat = Beat(code=f"JB{n:05d}", name=f"{community.name}警务区", unit_id=station.pk)
                beats.append((beat, community))
            units.append(
                DutyUnit(
                    call_sign=f"基准{n}",
                    kind="beat_officer" if beat else rng.choice(["patrol_car", "auxiliary_team"]),
                    station_id=station.pk,
                    beat=beat,
                    status="available",
                    status_at=now,
                    lon=lon,
                    lat=lat,
                    fix_at=now,
                    unit_path=station.path,
                    scope_path=townships[t].path,
                )
            )
        Beat.objects.bulk_create([beat for beat, _community in beats])
        Beat.areas.through.objects.bulk_create(
            [Beat.areas.through(beat_id=beat.pk, region_id=c.pk) for beat, c in beats]
        )
        DutyUnit.objects.bulk_create(units, batch_size=1000)
    return grids


def _community_index(i: int, j: int) -> int:
    """The community (index into the bulk-created list) of grid column ``i``, row ``j``."""
    side = GRID_SIDE
    t_col, t_row = i // (COMMUNITY_COLS * side), j // (COMMUNITY_ROWS * side)
    township = t_col + TOWNSHIP_COLS * t_row
    c_col, c_row = (i // side) % COMMUNITY_COLS, (j // side) % COMMUNITY_ROWS
    return township * COMMUNITY_COLS * COMMUNITY_ROWS + c_col + COMMUNITY_COLS * c_row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--backends", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    parser.add_argument("--scale", type=float, default=0.05, help="demo county size")
    parser.add_argument("--alarms", type=int, default=200, help="alarms in the surge")
    parser.add_argument("--surge-seconds", type=float, default=60, help="surge length")
    parser.add_argument("--clients", type=int, default=32, help="concurrent client threads")
    parser.add_argument(
        "--board-every", type=float, default=0.25, help="seconds between board fetches"
    )
    parser.add_argument("--grids", type=int, default=100_000, help="grids of the big county")
    parser.add_argument("--units", type=int, default=1000, help="available units on duty")
    parser.add_argument("--incidents", type=int, default=500, help="suggestions timed")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL), help="maintenance DB"
    )
    parser.add_argument("--no-http", action="store_true", help="skip the surge")
    parser.add_argument("--no-suggest", action="store_true", help="skip the suggestions")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 40 alarms in 10 s, 10,000 grids"
    )
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.alarms, args.surge_seconds, args.grids, args.incidents = 40, 10, 10_000, 100
    if args.child:
        run_one_backend(args)
    else:
        run_backends(args)


if __name__ == "__main__":
    main()
