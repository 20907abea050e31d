"""How fast does a county's case history come in? ``python bench/case_import.py`` (also
section (d) of ``bench/registry.py``).

Generates ``--rows`` cases (default 20,000; ``--large`` 100,000) in the people's-mediation
18-column layout as an .xlsx, over the demo county's grids (each row's 行政区划 is its
township and grid name), with one or two parties each (half with an ID number), and runs,
in a process of its own so that its peak resident memory (ru_maxrss) is the import's:
a dry run, a commit, and a re-import of the same file (every row unchanged), all inside
one transaction rolled back at the end. With ``--separate`` each phase runs in a process of
its own (a process's resident memory never shrinks, so one phase's peak is then its own):
the commit is committed (its cases stay in the scratch database, under codes of this run's
own prefix) and the re-import rolled back; ``--tracemalloc`` adds each phase's traced peak
and its largest allocation sites (slower). Baseline, in the same run: the same rows
inserted raw into the case table with ``executemany`` (no checks, no parties, no events).
Target: 100,000 rows under 500 MB.
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

from worklist import DEFAULT_PG_URL, ensure_database, say  # noqa: E402

CATEGORIES = ("邻里纠纷", "婚姻家庭纠纷", "合同纠纷", "损害赔偿纠纷", "物业纠纷", "其它纠纷")
RESULTS = ("调解成功", "调解成功", "调解成功", "调解不成功", "部分达成", "")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def case_rows(count: int, places: list[str], seed: int = 7, prefix: str = "TJ") -> list[list]:
    import datetime as dt

    from fengqiao.identity import check_character

    rng = random.Random(seed)
    start = dt.date(2021, 1, 1)
    rows = []
    for n in range(count):
        received = start + dt.timedelta(days=rng.randrange(1400))
        result = rng.choice(RESULTS)
        mediated = received + dt.timedelta(days=rng.randrange(1, 30)) if result else ""
        first17 = f"330602{1950 + rng.randrange(50)}{rng.randrange(1, 13):02d}"
        first17 += f"{rng.randrange(1, 29):02d}{n % 1000:03d}"
        number = first17 + check_character(first17)
        applicant = rng.choice(SURNAMES) + "某" + ("甲乙丙丁"[n % 4])
        parties = f"{applicant}({number})" if n % 2 else applicant
        if rng.random() < 0.7:
            parties += f"；{rng.choice(SURNAMES)}某 139{rng.randrange(10**8):08d}"
        rows.append(
            [
                f"{prefix}{n:09d}",
                "书面协议",
                rng.choice(("申请调解", "主动调解", "接受委托移送调解")),
                "人民调解委员会",
                "",
                "调解员",
                received.isoformat(),
                f"第{n}起纠纷：邻里之间因琐事发生争执，经调解员多次上门做工作",
                rng.choice(("简单", "一般", "疑难")),
                rng.choice(CATEGORIES),
                "",
                "",
                rng.choice(places),
                "无",
                result,
                mediated.isoformat() if mediated else "",
                parties,
                str(rng.randrange(0, 50000)) if result else "",
            ]
        )
    return rows


def run_case_bench(rows: int, *, separate: bool = False, trace: bool = False) -> dict:
    """The case import of ``rows`` rows in a child process (``separate``: a process per
    phase), beside a raw insert."""
    from django.db import connection, transaction
    from openpyxl import Workbook

    from fengqiao.disputes.imports import MEDIATION_18
    from fengqiao.disputes.models import Case
    from fengqiao.places.models import Region

    places = [
        f"{township}{grid}"
        for township, grid in Region.objects.filter(level="grid").values_list(
            "parent__parent__name", "name"
        )
    ]
    # Committed phases leave their cases behind: a prefix of this run's own keeps the next
    # run's commit a creation.
    generated = case_rows(
        rows, places, prefix=f"TJ{int(time.time()) % 10**8:08d}-" if separate else "TJ"
    )
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([column.label for column in MEDIATION_18.columns])
    for row in generated:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    result = {"rows": rows, "xlsx_mb": data.tell() / 1e6}
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as file:
        file.write(data.getvalue())
    del data, book
    phases = ("dry_run", "commit", "reimport") if separate else ("all",)
    for phase in phases:
        command = [sys.executable, __file__, "--child", file.name, "--phase", phase]
        child = subprocess.run(
            command + (["--tracemalloc"] if trace else []),
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            print(child.stderr[-3000:], file=sys.stderr)
            raise SystemExit("the case import child failed")
        result |= json.loads(child.stdout.strip().splitlines()[-1])
    os.unlink(file.name)
    grid = Region.objects.filter(level="grid").first()
    sql = (
        f"INSERT INTO {Case._meta.db_table} (reference, category, risk, level, state, channel,"
        " title, narrative, request, grid_id, address, incident_number, court_number,"
        " received_at, version, scope_path, updated_at, source_system, source_code,"
        " source_county, source_digest, source_fields)"
        " VALUES (%s, 'neighbourhood', 'blue', 1, 'closed', 'walk_in', %s, %s, '', %s, '',"
        " '', '', %s::date, 0, %s, now(), 'rmtj', %s, '', '', '{}')"
    )
    if connection.vendor == "sqlite":
        sql = sql.replace("%s::date", "%s").replace("now()", "CURRENT_TIMESTAMP")
    raw = [(f"BENCH-{r[0]}", r[7][:60], r[7], grid.pk, r[6], grid.path, r[0]) for r in generated]
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, raw)
        result["raw_s"] = time.perf_counter() - start
        transaction.set_rollback(True)
    return result


def peak_mb() -> float:
    """This process's own peak resident memory. ``ru_maxrss`` is not: a child started by
    vfork and exec inherits its parent's peak there (the parent that loaded the demo county
    or generated the file), so Linux's VmHWM is read when there is one."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def case_child(path: str, phase: str, trace: bool) -> None:
    """In the child: dry run, commit, re-import (``phase`` "all", rolled back), or one of
    them (the commit kept); times and peak memory."""
    import tracemalloc

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from fengqiao.disputes.imports import import_cases

    admin = get_user_model().objects.get(username="admin")
    out: dict = {}
    before = peak_mb()
    if trace:
        tracemalloc.start()
    todo = (("dry_run", False), ("commit", True), ("reimport", True))
    with transaction.atomic():
        for name, commit in todo if phase == "all" else [p for p in todo if p[0] == phase]:
            with open(path, "rb") as data:
                start = time.perf_counter()
                report = import_cases(
                    actor=admin,
                    file_obj=data,
                    filename="bench.xlsx",
                    commit=commit,
                    exclude_unresolved=True,
                )
                out[f"{name}_s"] = time.perf_counter() - start
                out[f"{name}_counts"] = report.counts
                out[f"{name}_errors"] = report.error_count
                if report.error_count:
                    out[f"{name}_first_errors"] = report.lines()[:5]
        transaction.set_rollback(phase != "commit")
    peak = peak_mb()
    key = "" if phase == "all" else f"{phase}_"
    out[f"{key}maxrss_mb"] = peak
    out[f"{key}start_mb"] = before
    if trace:
        out[f"{key}traced_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        top = tracemalloc.take_snapshot().statistics("lineno")[:8]
        out[f"{key}top"] = [f"{s.size / 1e6:.1f} MB {s.traceback[0]}" for s in top]
    print(json.dumps(out, ensure_ascii=False))


def print_cases(r: dict) -> None:
    n = r["rows"]
    print(f"\n(d) case import of {n:,} rows, 18-column layout, from .xlsx ({r['xlsx_mb']:.1f} MB)")
    for phase in ("dry_run", "commit", "reimport"):
        seconds = r[f"{phase}_s"]
        print(
            f"  {phase:9s} {seconds:6.1f}s {n / seconds:8,.0f} rows/s"
            f"  {r[f'{phase}_counts']}  errors {r[f'{phase}_errors']}"
        )
        for line in r.get(f"{phase}_first_errors", []):
            print(f"    {line}")
    if "maxrss_mb" in r:
        print(
            f"  peak resident memory of the import process: {r['maxrss_mb']:.0f} MB (target < 500)"
        )
    for phase in ("dry_run", "commit", "reimport"):
        if f"{phase}_maxrss_mb" in r:
            print(
                f"  {phase} in its own process: peak {r[f'{phase}_maxrss_mb']:.0f} MB"
                f" (Django before it: {r[f'{phase}_start_mb']:.0f} MB; target < 500)"
            )
        if f"{phase}_traced_mb" in r:
            print(f"    tracemalloc peak {r[f'{phase}_traced_mb']:.0f} MB; at the end:")
            for line in r[f"{phase}_top"]:
                print(f"      {line}")
    raw = f"{r['raw_s']:.1f}s, {n / r['raw_s']:,.0f} rows/s"
    print(f"  baseline executemany of the same rows: {raw}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="the maintenance database")
    parser.add_argument("--db", default="fengqiao_bench_cases", help="scratch database")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--large", action="store_true", help="100,000 rows")
    parser.add_argument("--scale", type=float, default=0.05, help="demo county scale")
    parser.add_argument("--fresh", action="store_true", help="drop the scratch database first")
    parser.add_argument("--sqlite", action="store_true", help="the embedded SQLite instead")
    parser.add_argument("--separate", action="store_true", help="each phase in its own process")
    parser.add_argument("--tracemalloc", action="store_true", help="traced peaks and sites")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--phase", default="all", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import django

        django.setup()
        case_child(args.child, args.phase, args.tracemalloc)
        return
    data_dir = Path(tempfile.gettempdir()) / f"fq-bench-{args.db}"
    if args.sqlite:
        os.environ.pop("DATABASE_URL", None)
        data_dir = data_dir.with_name(data_dir.name + "-sqlite")
        if args.fresh:
            for stale in data_dir.glob("fengqiao.sqlite3*"):
                stale.unlink()
    else:
        os.environ["DATABASE_URL"] = ensure_database(args.pg_url, args.db, rebuild=args.fresh)
    os.environ.update(
        FENGQIAO_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="fengqiao.settings",
        FENGQIAO_AXES="0",
    )
    import django

    django.setup()
    from django.core.management import call_command

    from fengqiao.places.models import Region

    call_command("migrate", verbosity=0)
    if not Region.objects.filter(level="county").exists():
        say(f"loading the demo county (scale {args.scale}) ...")
        call_command("load_demo", scale=args.scale, verbosity=0)
    engine = "SQLite" if args.sqlite else "PostgreSQL"
    load = os.getloadavg()[0]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {load:.2f}, {engine}")
    rows = 100_000 if args.large else args.rows
    print_cases(run_case_bench(rows, separate=args.separate, trace=args.tracemalloc))


if __name__ == "__main__":
    main()
