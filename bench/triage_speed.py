"""How fast is triage, and early warning's related-case lookup? Run by hand:
``python bench/triage_speed.py [--repeat 5] [--db fengqiao_bench_wl] [--lookups 200]``.

1. ``triage.classify`` on every corpus text (``--repeat`` passes, one core, model already
   loaded): median and p95 ms per text, beside jieba's segmentation of the same texts in
   the same run (the cheapest thing triage must do anyway). Target: median under 2 ms.
2. ``disputes.early_warning.related_cases`` for ``--lookups`` random cases of the million-case
   PostgreSQL database that ``bench/worklist.py`` builds (``fengqiao_bench_wl``; skipped
   with a line saying so when it is missing): p50/p95 ms, beside the raw SQL of its
   cheapest source (parties by phone) run through the cursor. Target: p95 under 20 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/{db}"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def row(label: str, values: list[float], low: float, high: float, width: int) -> str:
    """One table line: the label and the two percentiles asked for."""
    return f"  {label:<{width}} {percentile(values, low):>10.3f} {percentile(values, high):>8.3f}"


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def classify_speed(repeat: int) -> None:
    import jieba

    from fengqiao import triage
    from fengqiao.triage import corpus

    texts = [e.text for e in corpus.load()]
    triage.classify(texts[0])  # load (or train) the model and jieba's dictionary
    ours = [timed(lambda t=t: triage.classify(t)) for _ in range(repeat) for t in texts]
    base = [timed(lambda t=t: jieba.lcut(t)) for _ in range(repeat) for t in texts]
    print(f"classify: {len(ours)} texts (mean {statistics.mean(map(len, texts)):.0f} chars)")
    print(f"  {'':<22} {'median ms':>10} {'p95 ms':>8}")
    print(row("triage.classify", ours, 0.5, 0.95, 22))
    print(row("jieba.lcut (baseline)", base, 0.5, 0.95, 22))
    verdict = "met" if statistics.median(ours) < 2 else "MISSED"
    print(f"  target median < 2 ms: {verdict}")


def related_speed(db: str, lookups: int) -> None:
    import psycopg

    url = DEFAULT_PG.format(db=db)
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as error:
        print(
            f"related cases: SKIPPED: {db} not reachable ({error.__class__.__name__}); "
            "build it with python bench/worklist.py --setup-only"
        )
        return
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    import django

    django.setup()
    from django.db import connection

    from fengqiao.disputes.early_warning import related_cases
    from fengqiao.disputes.models import Case, Party

    total = Case.objects.count()
    rng = random.Random(7)
    top = Case.objects.order_by("-pk").values_list("pk", flat=True).first()
    picked = []
    while len(picked) < lookups:
        case = Case.objects.filter(pk=rng.randint(1, top)).first()
        if case is not None:
            picked.append(case)
    for case in picked[:10]:
        related_cases(case)  # warm the caches as a running server would be
    ours, found = [], 0
    for case in picked:
        started = time.perf_counter()
        found += len(related_cases(case))
        ours.append((time.perf_counter() - started) * 1000)
    phones = [p for p in Party.objects.filter(case__in=picked).values_list("phone", flat=True) if p]
    raw = []
    with connection.cursor() as cursor:
        for phone in phones[:lookups]:
            started = time.perf_counter()
            cursor.execute("SELECT case_id FROM disputes_party WHERE phone = %s LIMIT 300", [phone])
            cursor.fetchall()
            raw.append((time.perf_counter() - started) * 1000)
    each = found / lookups
    print(f"related cases: {lookups} lookups over {total:,} cases ({each:.1f} found each)")
    print(f"  {'':<28} {'p50 ms':>10} {'p95 ms':>8}")
    print(row("early_warning.related_cases", ours, 0.5, 0.95, 28))
    print(row("raw: parties by phone", raw, 0.5, 0.95, 28))
    print(f"  target p95 < 20 ms: {'met' if percentile(ours, 0.95) < 20 else 'MISSED'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", default="fengqiao_bench_wl")
    parser.add_argument("--lookups", type=int, default=200)
    args = parser.parse_args()
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Python {sys.version.split()[0]}, load average {load}")
    classify_speed(args.repeat)
    related_speed(args.db, args.lookups)
    return 0


if __name__ == "__main__":
    sys.exit(main())
