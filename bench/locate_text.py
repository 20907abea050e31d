"""How fast is address text -> grid? Run by hand: ``python bench/locate_text.py [--db]``.

Builds a synthetic province of region names (townships, villages, grids; village names drawn
from a small pool of syllables, so many villages share a name with one in another township,
as they do), then measures texts per second of ``PlaceNames.find`` (the Aho-Corasick index
behind ``places.locate_text``) over a mix of report addresses: township + village + house
number (a village of several grids: "not sure"), village + grid + landmark (a grid name,
ambiguous where the village name repeats), township + village + grid (one grid), and
street addresses that name no place. Beside it, in the same run: the baseline, a plain
``dict`` lookup of each text's grid name (what finding a place costs when the caller already
holds the exact key), and the loop ``intake`` used before (every grid's name tested as a
substring of the text) on a small sample. ``--db`` adds ``places.locate_text`` over a
throwaway SQLite database holding the same regions (building address, index signature and
grid: three queries per text).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fengqiao.places.place_names import PlaceNames, RegionRow  # noqa: E402

SYLLABLES = (
    "东西南北新老大小王李张刘陈杨黄赵周吴徐孙马朱胡郭何林高罗"
    "郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程魏苏吕丁沈任姚卢姜崔钟谭陆汪范金石廖贾夏韦"
)
NUMERALS = "一二三四五六七八九十"
GRIDS_PER_VILLAGE = 4
VILLAGES_PER_TOWNSHIP = 16
TOWNSHIPS_PER_COUNTY = 16


def province(grids: int, *, seed: int = 7) -> list[RegionRow]:
    """About ``grids`` grids under villages, townships, counties and one province."""
    rng = random.Random(seed)
    rows: list[RegionRow] = [RegionRow(1, "33", "浙东省", "province", "/33/", None)]

    def add(code: str, name: str, level: str, parent: RegionRow) -> RegionRow:
        row = RegionRow(len(rows) + 1, code, name, level, f"{parent.path}{code}/", parent.id)
        rows.append(row)
        return row

    villages = -(-grids // GRIDS_PER_VILLAGE)
    townships = -(-villages // VILLAGES_PER_TOWNSHIP)
    counties = -(-townships // TOWNSHIPS_PER_COUNTY)
    made = 0
    for c in range(counties):
        county = add(
            f"33{c:04d}", f"{rng.choice(SYLLABLES)}{rng.choice(SYLLABLES)}县", "county", rows[0]
        )
        for t in range(TOWNSHIPS_PER_COUNTY):
            township_name = f"{rng.choice(SYLLABLES)}{rng.choice(SYLLABLES)}{rng.choice('镇乡')}"
            township = add(f"{county.code}{t:03d}", township_name, "township", county)
            for v in range(VILLAGES_PER_TOWNSHIP):
                village_name = f"{rng.choice(SYLLABLES)}{rng.choice(SYLLABLES)}村"
                village = add(f"{township.code}{v:03d}", village_name, "community", township)
                for g in range(GRIDS_PER_VILLAGE):
                    add(
                        f"{village.code}G{g:02d}",
                        f"{village_name}{NUMERALS[g]}网格",
                        "grid",
                        village,
                    )
                    made += 1
                    if made == grids:
                        return rows
    return rows


def texts_for(rows: list[RegionRow], n: int, *, seed: int = 11) -> list[tuple[str, str]]:
    """``n`` report addresses, each with the grid name it was written from ("" for none)."""
    rng = random.Random(seed)
    by_id = {row.id: row for row in rows}
    grids = [row for row in rows if row.level == "grid"]
    texts = []
    for i in range(n):
        grid = rng.choice(grids)
        village = by_id[grid.parent_id]
        township = by_id[village.parent_id]
        house = f"{rng.randint(1, 12)}组{rng.randint(1, 99)}号"
        kind = i % 4
        if kind == 0:
            texts.append((f"{township.name}{village.name}{house}", grid.name))
        elif kind == 1:
            texts.append((f"{grid.name}村口小卖部旁", grid.name))
        elif kind == 2:
            texts.append((f"{township.name}{grid.name}{house}", grid.name))
        else:
            texts.append((f"人民路{rng.randint(1, 999)}号{rng.randint(1, 30)}幢", ""))
    return texts


def rate(fn, n: int, *, repeat: int = 3) -> float:
    """Best texts/second over ``repeat`` runs of ``fn`` handling ``n`` texts."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def bench_index(count: int, n: int, n_loop: int) -> tuple[list[tuple[str, float]], list[RegionRow]]:
    rows = province(count)
    start = time.perf_counter()
    names = PlaceNames(rows)
    build_s = time.perf_counter() - start
    texts = texts_for(rows, n)
    plain = [text for text, _grid in texts]
    keys = [grid for _text, grid in texts]
    grid_ids = {row.name: row.id for row in rows if row.level == "grid"}
    grid_names = [(row.id, row.name) for row in rows if row.level == "grid"]

    def baseline():
        for key in keys:
            grid_ids.get(key)

    def old_loop():
        # intake's loop before places.locate_text: the first grid whose name is in the text.
        for text in plain[:n_loop]:
            next((pk for pk, name in grid_names if name in text), None)

    hits = [names.find(text) for text in plain]
    found = sum(hit.grid_id is not None for hit in hits)
    not_sure = sum(hit.grid_id is None and bool(hit.candidate_ids) for hit in hits)
    # Never a guess: a text that finds a grid finds the one it was written from (or one of
    # the same name in the same township, which it cannot tell apart and does not find).
    wrong = sum(
        hit.grid_id is not None and names.rows[hit.grid_id].name != key
        for hit, (_text, key) in zip(hits, texts, strict=True)
    )
    assert not wrong, f"{wrong} texts found a grid other than the one they name"
    exact = [hit for i, hit in enumerate(hits) if i % 4 == 2]
    table = [
        (f"build PlaceNames ({count} grids, {len(rows)} regions), seconds", build_s),
        ("baseline dict lookup of the grid name", rate(baseline, n)),
        ("PlaceNames.find", rate(lambda: [names.find(text) for text in plain], n)),
        ("old loop: every grid name as a substring", rate(old_loop, n_loop, repeat=1)),
        ("(found one grid, %)", 100 * found / n),
        ("(not sure, with candidates, %)", 100 * not_sure / n),
        ("(no place named, %)", 100 * (n - found - not_sure) / n),
        (
            "(township + grid named: found, %)",
            100 * sum(h.grid_id is not None for h in exact) / len(exact),
        ),
    ]
    return table, rows


def bench_db(rows: list[RegionRow], n: int) -> list[tuple[str, float]]:
    """places.locate_text over a throwaway SQLite database holding ``rows``."""
    import django

    # Always a throwaway database.
    os.environ["FENGQIAO_DATA_DIR"] = tempfile.mkdtemp(prefix="fq-bench-")
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "fengqiao.settings"
    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from fengqiao.places import selectors
    from fengqiao.places.models import Region

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        Region.objects.bulk_create(
            (
                Region(
                    id=row.id,
                    code=row.code,
                    name=row.name,
                    level=row.level,
                    parent_id=row.parent_id,
                    path=row.path,
                    depth=row.path.count("/") - 1,
                )
                for row in rows
            ),
            batch_size=5000,
        )
    texts = [text for text, _grid in texts_for(rows, n, seed=13)]
    start = time.perf_counter()
    selectors.locate_text(texts[0])
    first_s = time.perf_counter() - start
    return [
        (f"locate_text first call, index build from DB ({len(rows)} regions), seconds", first_s),
        (
            "places.locate_text (SQLite), one by one",
            rate(lambda: [selectors.locate_text(text) for text in texts], n),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, nargs="+", default=[100_000])
    parser.add_argument("--texts", type=int, default=20_000, help="texts per measurement")
    parser.add_argument("--loop", type=int, default=200, help="texts for the old loop")
    parser.add_argument("--db", action="store_true", help="also time locate_text on SQLite")
    args = parser.parse_args()

    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    for i, count in enumerate(args.grids):
        print(f"\n{count} grids, {args.texts} texts")
        rows, regions = bench_index(count, args.texts, args.loop)
        if args.db and i == len(args.grids) - 1:
            # Django is set up once per process: the database holds the last size only.
            rows += bench_db(regions, min(args.texts, 5000))
        width = max(len(label) for label, _value in rows)
        for label, value in rows:
            unit = "" if label.startswith("(") or "seconds" in label else " texts/s"
            print(f"  {label:<{width}}  {value:>12,.1f}{unit}")
        speed = dict(rows)
        print(f"  (target: PlaceNames.find >= 5,000 texts/s; got {speed['PlaceNames.find']:,.0f})")


if __name__ == "__main__":
    main()
