"""How fast is the registry at a million residents? Run by hand: ``python bench/registry.py``.

Three measurements on PostgreSQL, each beside a baseline from the same run:

(a) search: ``registry.search.search(user, q)`` with ``--residents`` residents (default
    1,000,000; ``--quick`` 100,000), as the demo logins ``police`` (a beat's community police),
    ``chief`` (station chief) and ``admin`` (county-wide), over query kinds: 2-letter
    initials, a full-pinyin prefix, a Chinese surname + given-name prefix, the last 4 digits,
    a full ID number, a full phone and address text. p50/p95 ms per kind; baseline: the
    search's own SQL (captured) run raw through the cursor. Target p95 < 100 ms.
(b) address matching: ``AddressMatcher`` over the demo's standard addresses, matches/s and
    hit rate for the exact texts and for noisy ones (typos, Chinese numerals, full-width
    digits, no county name); baseline: a dict lookup of the canonical tail.
(c) import: ``registry.imports.run_import`` of ``--import-rows`` residents (default 100,000)
    from an .xlsx (openpyxl write-only), in a process of its own: rows/s and its peak
    resident memory (ru_maxrss); baseline: the same rows inserted raw with ``executemany``.
(d) case import: ``disputes.imports.import_cases`` of ``--case-rows`` cases (default 20,000)
    in the people's-mediation 18-column layout: dry run, commit and re-import in a process of
    its own, rows/s and peak memory, beside a raw insert (``bench/case_import.py``).

Setup: a scratch database (``fengqiao_bench_reg``, ``..._quick`` with ``--quick``) created
through the maintenance database and kept between runs (``--fresh`` drops it first),
migrated, the demo county loaded at ``--scale`` (its showcase town has addresses, houses and
residents), then topped up to ``--residents`` with ``INSERT ... SELECT`` from
``generate_series``: names drawn from a few thousand real pinyin-keyed names, spread over
every grid (homes-bearing grids denser), ID and phone columns reusing a few thousand sealed
tokens of demo residents with random last-4 digits and unique random hashes (search never
unseals except for a 5+ digit tail). Then ``VACUUM ANALYZE``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from case_import import print_cases, run_case_bench  # noqa: E402
from worklist import DEFAULT_PG_URL, ensure_database, explain, percentile, say  # noqa: E402

TARGET_P95_MS = 100.0
LOGINS = ("police", "chief", "admin")
NAME_POOL = 3000
TOKEN_POOL = 2000
MATCH_SAMPLE = 3000
IMPORT_AREA_CODE = "330602"
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
CN_DIGITS = "零一二三四五六七八九"


# --- building the data ---------------------------------------------------------------------


def setup_data(args) -> dict[str, float]:
    from django.core.management import call_command

    from fengqiao.places.models import Region
    from fengqiao.registry.models import Resident

    timings: dict[str, float] = {}
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["migrate"] = time.perf_counter() - start
    if not Region.objects.filter(level="county").exists():
        say(f"loading the demo county (scale {args.scale}) ...")
        start = time.perf_counter()
        call_command("load_demo", scale=args.scale, verbosity=0)
        timings["load_demo"] = time.perf_counter() - start
    missing = args.residents - Resident.objects.count()
    if missing <= 0 or args.skip_build:
        say(f"{Resident.objects.count():,} residents there: reusing the data")
        return timings
    say(f"adding {missing:,} residents with INSERT ... SELECT ...")
    start = time.perf_counter()
    top_up(missing)
    timings["top_up"] = time.perf_counter() - start
    return timings


def top_up(count: int) -> None:
    from django.db import connection, transaction

    from fengqiao.demo.registry import RegistryBuilder
    from fengqiao.places.models import Building, Region
    from fengqiao.registry import names
    from fengqiao.registry.models import Resident

    rng = random.Random(7)
    drawer = RegistryBuilder(7, __import__("datetime").date.today())
    pool = []
    for _ in range(NAME_POOL):
        _surname, name = drawer._name(rng.random() < 0.5)
        pool.append((name, names.pinyin_of(name), names.initials_of(name)))
    tokens = list(
        Resident.objects.exclude(phone_sealed="").values_list(
            "id_sealed", "id_masked", "phone_sealed", "phone_masked"
        )[:TOKEN_POOL]
    )
    homes = set(Building.objects.exclude(use="public").values_list("grid_id", flat=True))
    grids = [
        (path, 25 if pk in homes else 1)
        for pk, path in Region.objects.filter(level="grid").values_list("pk", "path")
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_name (n int, name text, pinyin text, initials text)"
            " ON COMMIT DROP"
        )
        cursor.executemany(
            "INSERT INTO bench_name VALUES (%s, %s, %s, %s)",
            [(i + 1, *row) for i, row in enumerate(pool)],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_token (n int, id_sealed text, id_masked text,"
            " phone_sealed text, phone_masked text) ON COMMIT DROP"
        )
        cursor.executemany(
            "INSERT INTO bench_token VALUES (%s, %s, %s, %s, %s)",
            [(i + 1, *row) for i, row in enumerate(tokens)],
        )
        cursor.execute("CREATE TEMP TABLE bench_slot (n int, path text) ON COMMIT DROP")
        slots = [(path,) for path, weight in grids for _ in range(weight)]
        cursor.executemany(
            "INSERT INTO bench_slot VALUES (%s, %s)", [(i + 1, s[0]) for i, s in enumerate(slots)]
        )
        cursor.execute(
            f"""
            INSERT INTO registry_resident (
                id_type, id_sealed, id_hash, id_masked, id_last4, birth_date, sex,
                phone_sealed, phone_hash, phone_masked, phone_last4,
                name, name_pinyin, name_initials, residence_type, hukou_place, house_id,
                moved_in, moved_out, note, created_at, updated_at, scope_path)
            SELECT 'resident_id', t.id_sealed, md5('i' || g || random()) || md5(g::text),
                   t.id_masked, lpad((random() * 9999)::int::text, 4, '0'),
                   date '1940-01-01' + (random() * 30000)::int,
                   CASE WHEN random() < 0.5 THEN 'male' ELSE 'female' END,
                   t.phone_sealed, md5('p' || g || random()) || md5(g::text),
                   t.phone_masked, lpad((random() * 9999)::int::text, 4, '0'),
                   nm.name, nm.pinyin, nm.initials,
                   CASE WHEN random() < 0.05 THEN 'floating' ELSE 'registered' END,
                   '', NULL, NULL, NULL, '', now(), now(), s.path
            FROM (
                SELECT g, 1 + floor(random() * {len(pool)})::int AS name_n,
                       1 + floor(random() * {max(1, len(tokens))})::int AS token_n,
                       1 + floor(random() * {len(slots)})::int AS slot_n
                FROM generate_series(1, {count}) AS g
            ) AS x
            JOIN bench_name AS nm ON nm.n = x.name_n
            JOIN bench_token AS t ON t.n = x.token_n
            JOIN bench_slot AS s ON s.n = x.slot_n
            """
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) registry_resident")
        cursor.execute("VACUUM (ANALYZE) registry_address")


# --- (a) search ----------------------------------------------------------------------------


def queries_for(user) -> dict[str, str]:
    """One query of each kind, drawn from demo residents and addresses the user can see."""
    from fengqiao.registry import selectors

    residents = selectors.residents_for(user).exclude(phone_sealed="")
    demo = residents.filter(house__isnull=False).order_by("id")
    resident = demo[demo.count() // 2] if demo.exists() else residents.order_by("id").first()
    address = selectors.addresses_for(user).exclude(compound="").order_by("id").first()
    return {
        "initials (2)": resident.name_initials[:2],
        "pinyin prefix": resident.name_pinyin[: max(4, len(resident.name_pinyin) - 2)],
        "name prefix": resident.name[:2],
        "last 4": resident.id_last4,
        "full ID": resident.id_number,
        "full phone": resident.phone,
        "address text": address.compound if address else "路",
    }


def run_search(args) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fengqiao.registry.search import search

    users = get_user_model().objects.in_bulk(LOGINS, field_name="username")
    results = []
    for login in LOGINS:
        user = users[login]
        for kind, query in queries_for(user).items():
            for _ in range(args.warmup):
                search(user, query)
            with CaptureQueriesContext(connection) as captured:
                found = search(user, query)
            sqls = [q["sql"] for q in captured.captured_queries]
            times = []
            for _ in range(args.requests):
                start = time.perf_counter()
                search(user, query)
                times.append((time.perf_counter() - start) * 1000)
            raw = raw_times(sqls, args.requests)
            results.append(
                {
                    "login": login,
                    "kind": kind,
                    "query": query if kind not in ("full ID", "full phone") else "(number)",
                    "found": found.count,
                    "p50": percentile(times, 50),
                    "p95": percentile(times, 95),
                    "raw_p50": percentile(raw, 50),
                    "raw_p95": percentile(raw, 95),
                    "sqls": sqls,
                }
            )
            say(f"  {login} {kind}: p95 {results[-1]['p95']:.1f} ms")
    return results


def raw_times(sqls: list[str], repeat: int) -> list[float]:
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            start = time.perf_counter()
            for sql in sqls:
                cursor.execute(sql)
                cursor.fetchall()
            times.append((time.perf_counter() - start) * 1000)
    return times


def print_search(results: list[dict], with_plans: bool) -> None:
    print(f"\n(a) search, p50/p95 ms (target p95 < {TARGET_P95_MS:g}); raw: its SQL via cursor")
    print(
        f"{'login':7} {'kind':14} {'found':>5} {'p50':>7} {'p95':>7} {'raw p50':>8} {'raw p95':>8}"
    )
    for r in results:
        flag = "" if r["p95"] < TARGET_P95_MS else "  SLOW"
        print(
            f"{r['login']:7} {r['kind']:14} {r['found']:5d} {r['p50']:7.1f} {r['p95']:7.1f}"
            f" {r['raw_p50']:8.1f} {r['raw_p95']:8.1f}{flag}"
        )
    slowest = max(results, key=lambda r: r["p95"])
    if with_plans or slowest["p95"] >= TARGET_P95_MS:
        print(f"\nslowest: {slowest['login']} {slowest['kind']} p95 {slowest['p95']:.1f} ms")
        for sql in slowest["sqls"]:
            print(f"  {sql[:300]}")
            if with_plans:
                for line in explain(sql):
                    print(f"    {line}")


# --- (b) address matching ------------------------------------------------------------------


def noisy(text: str, county: str, rng: random.Random) -> str:
    """The text as people type it: no county, full-width digits or Chinese numerals before
    幢/单元, sometimes one character of the compound name dropped."""
    text = text.removeprefix(county)
    choice = rng.random()
    if choice < 0.35:
        return text.translate(FULLWIDTH)
    if choice < 0.7:
        for unit in ("幢", "单元"):
            at = text.find(unit)
            if at > 0 and text[at - 1].isdigit() and not text[at - 2].isdigit():
                text = text[: at - 1] + CN_DIGITS[int(text[at - 1])] + text[at:]
        return text
    if "苑" in text or "园" in text:
        at = max(text.find("苑"), text.find("园"))
        return text[: at - 1] + text[at:]  # a typo: one character of the compound lost
    return text + " "


def run_matcher() -> dict:
    from fengqiao.demo.rows import COUNTY_NAME
    from fengqiao.registry.address_text import canonical_tail, parse
    from fengqiao.registry.matching import AddressMatcher
    from fengqiao.registry.models import Address

    start = time.perf_counter()
    matcher = AddressMatcher()
    build_s = time.perf_counter() - start
    rng = random.Random(3)
    rows = list(Address.objects.values_list("pk", "full_text", "tail"))
    sample = rng.sample(rows, min(MATCH_SAMPLE, len(rows)))
    results = {"addresses": len(rows), "build_s": build_s}
    for label, texts in (
        ("exact", [(pk, text) for pk, text, _tail in sample]),
        ("noisy", [(pk, noisy(text, COUNTY_NAME, rng)) for pk, text, _tail in sample]),
    ):
        start = time.perf_counter()
        hits = sum(
            1 for pk, text in texts if (found := matcher.match(text)) and found.address_id == pk
        )
        elapsed = time.perf_counter() - start
        results[label] = (len(texts) / elapsed, hits / len(texts))
    by_tail = {tail: pk for pk, _text, tail in rows}
    places = matcher.places
    start = time.perf_counter()
    for _pk, text, _tail in sample:
        by_tail.get(canonical_tail(parse(text, places)))
    results["parse+dict"] = len(sample) / (time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(20):
        for _pk, _text, tail in sample:
            by_tail.get(tail)
    results["dict"] = 20 * len(sample) / (time.perf_counter() - start)
    return results


def print_matcher(r: dict) -> None:
    print(f"\n(b) AddressMatcher over {r['addresses']:,} addresses (built in {r['build_s']:.1f}s)")
    for label in ("exact", "noisy"):
        rate, hit = r[label]
        print(f"  {label:6} {rate:10,.0f} matches/s  hit rate {hit:.1%}")
    print(f"  baseline: parse + dict lookup of the tail {r['parse+dict']:10,.0f}/s;")
    print(f"            dict lookup of the canonical tail alone {r['dict']:10,.0f}/s")


# --- (c) import ----------------------------------------------------------------------------


def run_import_bench(rows: int) -> dict | None:
    from django.db import connection, transaction
    from openpyxl import Workbook

    from fengqiao.registry.models import Address, Resident

    addresses = list(Address.objects.filter(kind="room").values_list("full_text", flat=True)[:5000])
    drawer_rows = import_rows(rows, addresses)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(
        [
            "姓名",
            "证件类型",
            "证件号码",
            "手机号码",
            "人户状态",
            "户籍地",
            "住址",
            "房屋标识",
            "迁入日期",
        ]
    )
    for row in drawer_rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    result = {"rows": rows, "xlsx_mb": data.tell() / 1e6}
    # The import runs in a fresh process of its own, so its peak resident memory is the
    # import's (Django included), not this process's generated rows, and it is timed
    # without tracemalloc, which slows Python down and adds its own memory.
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as file:
        file.write(data.getvalue())
    del data, book
    child = subprocess.run(
        [sys.executable, __file__, "--import-child", file.name],
        capture_output=True,
        text=True,
        check=False,
    )
    os.unlink(file.name)
    if child.returncode != 0:
        print(child.stderr[-2000:], file=sys.stderr)
        raise SystemExit("the import child failed")
    result |= json.loads(child.stdout.strip().splitlines()[-1])
    # Baseline: the same people as rows, inserted raw (no checks, no sealing).
    columns = "name, name_pinyin, name_initials, id_type, id_sealed, id_hash, id_masked, id_last4"
    sql = (
        f"INSERT INTO {Resident._meta.db_table} ({columns}, sex, phone_sealed, phone_hash,"
        " phone_masked, phone_last4, residence_type, hukou_place, note, created_at, updated_at,"
        " scope_path) VALUES (%s, '', '', 'resident_id', '', %s, '', %s, '', '', %s, '', %s,"
        " 'registered', '', '', now(), now(), '')"
    )
    raw = [(r[0], r[2], r[2][-4:], r[3], r[3][-4:]) for r in drawer_rows]
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, raw)
        result["raw_s"] = time.perf_counter() - start
        transaction.set_rollback(True)
    return result


def import_child(path: str) -> None:
    """In the child: one committed import (rolled back after), its time and peak memory."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from fengqiao.registry.imports import run_import

    admin = get_user_model().objects.get(username="admin")
    with open(path, "rb") as data, transaction.atomic():
        start = time.perf_counter()
        report = run_import(
            actor=admin, kind="residents", file_obj=data, filename="bench.xlsx", commit=True
        )
        elapsed = time.perf_counter() - start
        transaction.set_rollback(True)
    print(
        json.dumps(
            {
                "import_s": elapsed,
                "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "created": report.created,
                "errors": report.error_count,
            }
        )
    )


def import_rows(count: int, addresses: list[str]) -> list[list[str]]:
    import datetime as dt

    from fengqiao.demo.registry import RegistryBuilder

    drawer = RegistryBuilder(11, dt.date.today())
    rng = drawer.rng
    rows = []
    for _ in range(count):
        male = rng.random() < 0.5
        # Another county's code: the demo's residents (330699) are already registered.
        number = drawer._id_number(IMPORT_AREA_CODE, rng.randint(18, 80), male=male)
        rows.append(
            [
                drawer._name(male)[1],
                "居民身份证",
                number,
                drawer._mobile().removeprefix("+86"),
                "户籍" if rng.random() < 0.95 else "流动",
                "浙江省绍兴市青枫县",
                rng.choice(addresses) if addresses else "",
                "",
                "2020-05-01",
            ]
        )
    return rows


def print_import(r: dict | None) -> None:
    if r is None:
        return
    rate = r["rows"] / r["import_s"]
    print(f"\n(c) import of {r['rows']:,} residents from .xlsx ({r['xlsx_mb']:.1f} MB)")
    print(
        f"  run_import (its own process): {r['import_s']:.1f}s, {rate:,.0f} rows/s,"
        f" peak resident memory {r['maxrss_mb']:.0f} MB (target < 500);"
        f" created {r['created']}, {r['errors']} row errors"
    )
    print(
        f"  baseline executemany of the same rows: {r['raw_s']:.1f}s,"
        f" {r['rows'] / r['raw_s']:,.0f} rows/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="the maintenance database")
    parser.add_argument("--db", help="scratch database (default fengqiao_bench_reg[_quick])")
    parser.add_argument("--residents", type=int, help="residents (default 1,000,000)")
    parser.add_argument("--scale", type=float, default=0.05, help="demo county scale")
    parser.add_argument("--quick", action="store_true", help="100,000 residents")
    parser.add_argument("--fresh", action="store_true", help="drop the scratch database first")
    parser.add_argument("--skip-build", action="store_true", help="measure the data as it is")
    parser.add_argument("--requests", type=int, default=30, help="timed searches per query")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--case-rows", type=int, default=20_000)
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["search", "match", "import", "cases"]
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest")
    parser.add_argument("--import-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_child:
        import django

        django.setup()
        import_child(args.import_child)
        return
    args.residents = args.residents or (100_000 if args.quick else 1_000_000)
    db = args.db or ("fengqiao_bench_reg_quick" if args.quick else "fengqiao_bench_reg")
    try:
        url = ensure_database(args.pg_url, db, rebuild=args.fresh)
    except Exception as error:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        raise SystemExit(f"PostgreSQL unreachable at {args.pg_url}: {error}") from None
    data_dir = Path(tempfile.gettempdir()) / f"fq-bench-{db}"
    os.environ.update(
        DATABASE_URL=url,
        FENGQIAO_DATA_DIR=str(data_dir),  # kept: the sealing key must outlive the run
        DJANGO_SETTINGS_MODULE="fengqiao.settings",
        FENGQIAO_AXES="0",
    )
    import django

    django.setup()
    from django.db import connection

    started = time.perf_counter()
    timings = setup_data(args)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_resident")
        residents = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    print(
        f"Python {sys.version.split()[0]}, {version}, {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}; database {db}, {residents:,}"
        f" residents; setup {time.perf_counter() - started:.1f}s "
        f"({', '.join(f'{k} {v:.1f}s' for k, v in timings.items()) or 'reused'})"
    )
    if "search" not in args.skip:
        print_search(run_search(args), args.explain)
    if "match" not in args.skip:
        print_matcher(run_matcher())
    if "import" not in args.skip:
        print_import(run_import_bench(args.import_rows))
    if "cases" not in args.skip:
        print_cases(run_case_bench(args.case_rows))


if __name__ == "__main__":
    main()
