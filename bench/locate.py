"""How fast is point -> grid? Run by hand: ``python bench/locate.py [--grids 5000 100000] [--db]``.

Builds a synthetic county-to-province of grids (a jittered lattice: neighbours share their
wavy edges exactly, like real grids, 16 vertices each), then measures points per second of
``GridIndex.locate_arrays`` (the vectorised core), ``GridIndex.locate_many`` (with result
objects) and single ``GridIndex.locate`` calls, against a baseline in the same run: a raw
``STRtree.query(points, predicate="within")`` over unprepared polygons, which finds the
grid but not the edge distance. ``--db`` adds ``places.selectors.locate`` over a throwaway
SQLite database (index signature + region path: two queries per lookup).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fengqiao.places.spatial import GridIndex  # noqa: E402

CELL = 0.005  # degrees: about 480 m × 555 m at 30°N, a typical urban grid
SEGMENTS = 4  # per edge, so 16 vertices per grid


def lattice(count: int, *, seed: int = 7) -> list[tuple[int, dict]]:
    """About ``count`` quadrilateral-ish grids tiling a rectangle near (120°E, 30°N)."""
    rng = np.random.default_rng(seed)
    cols = int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / cols))
    xs = 120.0 + np.arange(cols + 1) * CELL
    ys = 30.0 + np.arange(rows + 1) * CELL
    corners = np.stack(np.meshgrid(xs, ys), axis=-1)  # [row, col, xy]
    jitter = rng.uniform(-0.2, 0.2, size=corners.shape) * CELL
    jitter[[0, -1], :, :] = 0  # straight outer edges
    jitter[:, [0, -1], :] = 0
    corners = corners + jitter
    # Sideways wobble of each edge's inner points, drawn once per edge so that the two grids
    # sharing an edge get exactly the same vertices.
    wobbles = {
        "h": rng.uniform(-0.05, 0.05, (rows + 1, cols, SEGMENTS - 1, 1)),
        "v": rng.uniform(-0.05, 0.05, (rows, cols + 1, SEGMENTS - 1, 1)),
    }
    t = np.linspace(0, 1, SEGMENTS + 1)[1:-1, None]

    def edge(a, b, key):
        kind, r, c = key
        normal = np.array([-(b - a)[1], (b - a)[0]])
        return a + t * (b - a) + wobbles[kind][r, c] * normal

    grids = []
    for r in range(rows):
        for c in range(cols):
            if len(grids) == count:
                break
            sw, se = corners[r, c], corners[r, c + 1]
            ne, nw = corners[r + 1, c + 1], corners[r + 1, c]
            ring = np.vstack(
                [
                    [sw],
                    edge(sw, se, ("h", r, c)),
                    [se],
                    edge(se, ne, ("v", r, c + 1)),
                    [ne],
                    edge(nw, ne, ("h", r + 1, c))[::-1],
                    [nw],
                    edge(sw, nw, ("v", r, c))[::-1],
                    [sw],
                ]
            )
            grids.append((len(grids) + 1, {"type": "Polygon", "coordinates": [ring.tolist()]}))
    return grids


def random_points(grids_count: int, n: int, *, seed: int = 11) -> np.ndarray:
    cols = int(np.ceil(np.sqrt(grids_count)))
    rows = int(np.ceil(grids_count / cols))
    rng = np.random.default_rng(seed)
    # A little margin outside the lattice, so some points find no grid.
    lon = rng.uniform(120.0 - CELL, 120.0 + (cols + 1) * CELL, n)
    lat = rng.uniform(30.0 - CELL, 30.0 + (rows + 1) * CELL, n)
    return np.column_stack((lon, lat))


def rate(fn, n: int, *, repeat: int = 3) -> float:
    """Best points/second over ``repeat`` runs of ``fn`` handling ``n`` points."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def bench_spatial(count: int, n_bulk: int, n_single: int) -> list[tuple[str, float]]:
    grids = lattice(count)
    start = time.perf_counter()
    index = GridIndex(grids)
    build_s = time.perf_counter() - start
    raw_tree = shapely.STRtree([shapely.geometry.shape(g) for _id, g in grids])
    raw_ids = np.array([grid_id for grid_id, _g in grids])

    points = random_points(count, n_bulk)
    singles = points[:n_single]

    def baseline_bulk():
        return raw_tree.query(shapely.points(points), predicate="within")

    def baseline_single():
        for lon, lat in singles:
            raw_tree.query(shapely.Point(lon, lat), predicate="within")

    # Same answers as the baseline wherever the baseline finds exactly one grid.
    point_idx, tree_idx = baseline_bulk()
    once = np.bincount(point_idx, minlength=len(points)) == 1
    expected = np.full(len(points), -1)
    expected[point_idx] = raw_ids[tree_idx]
    got, distances = index.locate_arrays(points)
    assert np.array_equal(got[once], expected[once]), "GridIndex disagrees with the baseline"
    found = got >= 0

    rows = [
        (f"build GridIndex ({count} grids), seconds", build_s),
        ("baseline STRtree.query(within), bulk", rate(baseline_bulk, n_bulk)),
        ("GridIndex.locate_arrays, bulk", rate(lambda: index.locate_arrays(points), n_bulk)),
        ("GridIndex.locate_many, bulk", rate(lambda: index.locate_many(points), n_bulk)),
        ("baseline STRtree.query(within), one by one", rate(baseline_single, n_single)),
        (
            "GridIndex.locate, one by one",
            rate(lambda: [index.locate(lon, lat) for lon, lat in singles], n_single),
        ),
        ("(points found in a grid, %)", 100 * found.mean()),
        ("(of those near a boundary, %)", 100 * (distances[found] <= 30).mean()),
    ]
    rates = dict(rows)
    rows.append(
        (
            "(locate_arrays vs baseline, bulk, %; target >= 80)",
            100
            * rates["GridIndex.locate_arrays, bulk"]
            / rates["baseline STRtree.query(within), bulk"],
        )
    )
    return rows


def bench_db(count: int, n_single: int) -> list[tuple[str, float]]:
    """selectors.locate over a throwaway SQLite database holding ``count`` grids."""
    import django
    from django.apps import apps

    if not apps.ready:
        # Always a throwaway database: this benchmark deletes every grid it finds.
        os.environ["FENGQIAO_DATA_DIR"] = tempfile.mkdtemp(prefix="fq-bench-")
        os.environ.pop("DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "fengqiao.settings"
        django.setup()
    from django.core.management import call_command

    from fengqiao.places import selectors
    from fengqiao.places.models import Region

    call_command("migrate", verbosity=0)
    # A second size reuses the database set up for the first.
    Region.objects.filter(level="grid").delete()
    county, _ = Region.objects.get_or_create(code="330699", name="测试区", level="county")
    township, _ = Region.objects.get_or_create(
        code="330699001", name="甲镇", level="township", parent=county
    )
    community, _ = Region.objects.get_or_create(
        code="330699001001", name="甲村", level="community", parent=township
    )
    Region.objects.bulk_create(
        Region(
            code=f"G{grid_id:07d}",
            name=f"网格{grid_id}",
            level="grid",
            parent=community,
            path=f"{community.path}G{grid_id:07d}/",
            depth=3,
            boundary=geojson,
        )
        for grid_id, geojson in lattice(count)
    )
    points = random_points(count, n_single)
    start = time.perf_counter()
    selectors.locate(*points[0])
    first_s = time.perf_counter() - start
    return [
        (f"selectors.locate first call, index build from DB ({count} grids), seconds", first_s),
        (
            "selectors.locate (SQLite), one by one",
            rate(lambda: [selectors.locate(lon, lat) for lon, lat in points], n_single),
        ),
        (
            "selectors.locate_many (SQLite), bulk",
            rate(lambda: selectors.locate_many(points.tolist()), n_single),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, nargs="+", default=[5000, 100_000])
    parser.add_argument("--points", type=int, default=200_000, help="points per bulk call")
    parser.add_argument("--single", type=int, default=5000, help="points looked up one by one")
    parser.add_argument("--db", action="store_true", help="also time selectors.locate on SQLite")
    args = parser.parse_args()

    print(f"shapely {shapely.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs")
    for count in args.grids:
        print(f"\n{count} grids, {args.points} bulk points, {args.single} single lookups")
        rows = bench_spatial(count, args.points, args.single)
        if args.db:
            rows += bench_db(count, min(args.single, 2000))
        width = max(len(label) for label, _value in rows)
        for label, value in rows:
            unit = "" if label.startswith("(") or "seconds" in label else " points/s"
            print(f"  {label:<{width}}  {value:>12,.1f}{unit}")


if __name__ == "__main__":
    main()
