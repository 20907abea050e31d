"""How fast are the community groups at 10,000 groups and 500,000 members? Run by hand:
``python bench/community.py`` (``--quick``: 1,000 groups, 50,000 members).

Targets (from the issue): a broadcast to 500,000 members delivered in under 60 s on
PostgreSQL on this machine; a posted message visible to the other members within 2 s.

Four measurements, each beside a raw baseline from the same run:

(a) posting: ``community.services.post_message`` by ``--posts`` random residents, each in
    one of their groups: messages/s, p50/p99 ms; baseline: single-row committed ``INSERT``s
    into ``community_message`` through the cursor.
(b) visibility: a resident posts, and another member's poll (``selectors.messages_for``
    with ``after_id``, what the group page's poller asks for) runs in a loop on a second
    connection in another thread: ms from ``post_message`` returning (committed) to the
    poll seeing it. The page polls every ``views.POLL_SECONDS``, so a reader sees the
    message that much later at worst; both are printed.
(c) broadcast: ``community.notices.send_broadcast`` by the county admin to every group in
    the county: seconds until it returns with every receipt written (and committed);
    baseline: the receipts' ``INSERT ... SELECT`` alone, run raw for a bare broadcast row.
(d) unread counts: ``community.selectors.unread_counts`` for a resident in 3 groups and for
    the ``police`` login in 43 groups (the seeds' figure for a beat officer): p50/p95 ms;
    baseline: the same SQL, captured, run raw through the cursor.

Setup: a scratch database (``fengqiao_bench_community``, ``..._quick`` with ``--quick``)
created through the maintenance database and kept between runs (``--fresh`` drops it),
migrated, the demo county loaded at ``--scale`` (with its own demo groups), then
``--groups`` groups and ``--members`` memberships written by ``INSERT ... SELECT`` from
``generate_series``: groups spread over every grid of the county (one community group per
25, a grid group per 5, the rest building groups), 50 members each on average. Residents
are in one to three groups, as they usually are: in each run of six memberships one
person is in three groups, one in two and one in one, so 500,000 memberships are 250,000
accounts (unusable passwords). Each group gets ``--history`` past messages and each
member a read mark a few messages short of the end, so unread counts have something to
count. Then ``VACUUM ANALYZE``. ``--skip-build`` measures the data as it is.

A service not there yet (the community app is being written) prints a line and is skipped.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from worklist import DEFAULT_PG_URL, ensure_database, percentile, say, time_sql  # noqa: E402

TARGET_BROADCAST_S = 60.0
TARGET_VISIBLE_S = 2.0
OFFICER_GROUPS = 43
GROUPS_PER_COMMUNITY = 25
GROUPS_PER_GRID = 5
BENCH_USER = "bench"  # bench accounts are bench0, bench1, ...


def contract(module: str, name: str):
    """``module.name``, or None with a line saying it is not there yet."""
    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError:
        found = None
    if found is None:
        print(f"\n{module}.{name} is not there yet: skipped")
    return found


# --- building the data ---------------------------------------------------------------------


def setup_data(args) -> dict[str, float]:
    from django.core.management import call_command

    from fengqiao.places.models import Region

    timings: dict[str, float] = {}
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["migrate"] = time.perf_counter() - start
    if not Region.objects.filter(level="county").exists():
        say(f"loading the demo county (scale {args.scale}) ...")
        start = time.perf_counter()
        call_command("load_demo", scale=args.scale, verbosity=0)
        timings["load_demo"] = time.perf_counter() - start
    if args.skip_build or bench_groups() >= args.groups:
        say(f"{bench_groups():,} bench groups there: reusing the data")
        return timings
    say(f"adding {args.groups:,} groups, {args.members:,} members, history ...")
    start = time.perf_counter()
    build(args.groups, args.members, args.history)
    timings["build"] = time.perf_counter() - start
    return timings


def bench_groups() -> int:
    from fengqiao.community.models import Group

    return Group.objects.filter(invite_token__startswith="bench-").count()


def build(groups: int, members: int, history: int) -> None:
    from django.db import connection, transaction

    users = members // 2
    # Only integers go into the SQL text: no parameters, so "%" is SQL's modulo.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM community_group")
        first_group = cursor.fetchone()[0] + 1
        cursor.execute(
            f"""
            WITH grids AS (
                SELECT id, path, row_number() OVER (ORDER BY path) - 1 AS k
                FROM places_region WHERE level = 'grid'
            )
            INSERT INTO community_group (id, name, level, parent_id, region_id, building_id,
                members_visible, invite_token, active, created_at, scope_path)
            SELECT {first_group} + g, '测试群' || g,
                CASE WHEN g % {GROUPS_PER_COMMUNITY} = 0 THEN 'community'
                     WHEN g % {GROUPS_PER_GRID} = 0 THEN 'compound' ELSE 'building' END,
                NULL, grids.id, NULL, false, 'bench-' || g, true, now(), grids.path
            FROM generate_series(0, {groups} - 1) AS g
            JOIN grids ON grids.k = g % (SELECT count(*) FROM grids)
            """
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('community_group', 'id'), "
            "(SELECT max(id) FROM community_group))"
        )
        cursor.execute("SELECT coalesce(max(id), 0) FROM auth_user")
        first_user = cursor.fetchone()[0] + 1
        cursor.execute(
            f"""
            INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name,
                email, is_staff, is_active, date_joined)
            SELECT {first_user} + u, '!bench', false, '{BENCH_USER}' || u, '居民' || u, '', '',
                false, true, now()
            FROM generate_series(0, {users} - 1) AS u
            """
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('auth_user', 'id'), "
            "(SELECT max(id) FROM auth_user))"
        )
        # Membership i: run i / 6 holds three people (in 3, 2 and 1 groups); the groups of
        # one person are a prime stride apart, so never the same group twice.
        cursor.execute(
            f"""
            INSERT INTO community_member (group_id, user_id, display_name, phone, is_staff,
                role, joined_at, last_read_id, removed_at)
            SELECT {first_group} + ((i * 7919 + (i % 6) * 1009) % {groups}),
                {first_user} + (i / 6) * 3
                    + CASE WHEN i % 6 < 3 THEN 0 WHEN i % 6 < 5 THEN 1 ELSE 2 END,
                '居民' || i, '', false, 'resident', now(), 0, NULL
            FROM generate_series(0::bigint, {members} - 1) AS i
            ON CONFLICT DO NOTHING
            """
        )
        # Past messages, by members' accounts, oldest first.
        cursor.execute(
            f"""
            INSERT INTO community_message (group_id, author_id, author_name, author_is_staff,
                kind, text, client_id, created_at, hidden_reason, report_code)
            SELECT {first_group} + g, {first_user} + (g * 31 + n) % {users}, '居民', false,
                'text', '楼道里的杂物什么时候清理？第' || n || '条', '',
                now() - make_interval(hours => {history} - n), '', ''
            FROM generate_series(1, {history}) AS n, generate_series(0, {groups} - 1) AS g
            ORDER BY n, g
            """
        )
        cursor.execute(
            f"""
            UPDATE community_member m SET last_read_id = greatest(last.top - m.id % 5, 0)
            FROM (SELECT group_id, max(id) AS top FROM community_message
                  WHERE group_id >= {first_group} GROUP BY group_id) AS last
            WHERE last.group_id = m.group_id
            """
        )
        # The police login: a beat officer in 43 groups (its demo groups and some more).
        cursor.execute(
            f"""
            INSERT INTO community_member (group_id, user_id, display_name, phone, is_staff,
                role, joined_at, last_read_id, removed_at)
            SELECT {first_group} + g, u.id, '社区民警', '', true, 'community_police', now(), 0,
                NULL
            FROM auth_user u, generate_series(0, {OFFICER_GROUPS} - 1 - (
                SELECT count(*) FROM community_member m WHERE m.user_id = u.id)) AS g
            WHERE u.username = 'police'
            """
        )
    with connection.cursor() as cursor:
        for table in ("community_group", "community_member", "community_message", "auth_user"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


# --- (a) posting and (b) visibility --------------------------------------------------------


def poster_pairs(count: int) -> list[tuple]:
    """(user, group) of ``count`` memberships of bench residents, drawn at random."""
    from fengqiao.community.models import Member

    members = (
        Member.objects.filter(user__username__startswith=BENCH_USER)
        .select_related("user", "group")
        .order_by("?")[:count]
    )
    return [(member.user, member.group) for member in members]


def run_posting(count: int) -> dict | None:
    post_message = contract("fengqiao.community.services", "post_message")
    if post_message is None:
        return None
    from django.db import connection

    pairs = poster_pairs(count)
    times = []
    started = time.perf_counter()
    for n, (user, group) in enumerate(pairs):
        start = time.perf_counter()
        post_message(actor=user, group=group, text=f"东门口的车又乱停了（测试 {n}）")
        times.append((time.perf_counter() - start) * 1000)
    service_s = time.perf_counter() - started
    raw = []
    sql = (
        "INSERT INTO community_message (group_id, author_id, author_name, author_is_staff, kind, "
        "text, client_id, created_at, hidden_reason, report_code) "
        "VALUES (%s, %s, %s, false, 'text', %s, '', now(), '', '')"
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:  # autocommit: each INSERT commits
        for n, (user, group) in enumerate(pairs):
            start = time.perf_counter()
            cursor.execute(sql, [group.pk, user.pk, "居民", f"原始插入 {n}"])
            raw.append((time.perf_counter() - start) * 1000)
    raw_s = time.perf_counter() - started
    return {
        "count": len(pairs),
        "rate": len(pairs) / service_s,
        "p50": percentile(times, 50),
        "p99": percentile(times, 99),
        "raw_rate": len(pairs) / raw_s,
        "raw_p50": percentile(raw, 50),
        "raw_p99": percentile(raw, 99),
    }


def run_visibility(rounds: int) -> dict | None:
    post_message = contract("fengqiao.community.services", "post_message")
    messages_for = contract("fengqiao.community.selectors", "messages_for")
    if post_message is None or messages_for is None:
        return None
    from fengqiao.community.models import Member

    latencies, polls = [], []
    # A different writer each round: one member may post only so often (services' limit).
    for n, (writer, group) in enumerate(poster_pairs(rounds)):
        reader = (
            Member.objects.filter(group=group, user__username__startswith=BENCH_USER)
            .exclude(user=writer)
            .select_related("user")
            .first()
            .user
        )
        last = group.messages.order_by("-id").values_list("id", flat=True).first() or 0
        seen_at: list[float] = []
        watching = threading.Event()
        thread = threading.Thread(
            target=_poll_until_seen, args=(messages_for, reader, group, last, seen_at, watching)
        )
        thread.start()
        watching.wait()
        post_message(actor=writer, group=group, text=f"有人看到我家的猫吗？（测试 {n}）")
        committed = time.perf_counter()
        thread.join(timeout=10)
        if seen_at:
            latencies.append((seen_at[0] - committed) * 1000)
            polls.append(seen_at[1])
        time.sleep(0.05)
    try:
        poll_every_s = importlib.import_module("fengqiao.community.views").POLL_SECONDS
    except (ImportError, AttributeError):
        poll_every_s = float("nan")
    return {
        "rounds": len(latencies),
        "p50": percentile(latencies, 50),
        "max": max(latencies),
        "poll_p50": percentile(polls, 50),
        "poll_every_s": poll_every_s,
    }


def _poll_until_seen(messages_for, reader, group, after, seen_at, watching) -> None:
    """Another member's page polling on its own connection (Django's is per thread)."""
    from django.db import connection

    try:
        list(messages_for(reader, group, after_id=after))  # connect before the post
        watching.set()
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            found = list(messages_for(reader, group, after_id=after))
            if found:
                seen_at += [time.perf_counter(), (time.perf_counter() - start) * 1000]
                return
            time.sleep(0.002)
    finally:
        watching.set()
        connection.close()


# --- (c) broadcast -------------------------------------------------------------------------


def run_broadcast() -> dict | None:
    send_broadcast = contract("fengqiao.community.notices", "send_broadcast")
    if send_broadcast is None:
        return None
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from fengqiao.community.models import Broadcast, Group, Member
    from fengqiao.places.models import Region

    admin = get_user_model().objects.get(username="admin")
    county = Region.objects.get(level="county")
    groups = list(Group.objects.filter(active=True).values_list("pk", flat=True))
    expected = Member.objects.filter(group__active=True, removed_at__isnull=True).count()

    # Baseline first: a bare broadcast row, then only its receipts' INSERT ... SELECT.
    bare = Broadcast.objects.create(
        author=admin, author_name="基线", title="基线", text="基线", scope_path=county.path
    )
    Broadcast.groups.through.objects.bulk_create(
        [Broadcast.groups.through(broadcast_id=bare.pk, group_id=pk) for pk in groups],
        batch_size=5000,
    )
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO community_receipt (broadcast_id, member_id, delivered_at) "
            "SELECT %s, m.id, now() FROM community_member m "
            "JOIN community_broadcast_groups bg ON bg.group_id = m.group_id "
            "WHERE bg.broadcast_id = %s AND m.removed_at IS NULL",
            [bare.pk, bare.pk],
        )
        raw_rows = cursor.rowcount
    raw_s = time.perf_counter() - start
    bare.delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) community_receipt")

    start = time.perf_counter()
    broadcast = send_broadcast(
        actor=admin,
        title="防范电信网络诈骗",
        text="凡是索要短信验证码的都是诈骗！遇到可疑情况请拨打96110。",
        regions=[county],
    )
    service_s = time.perf_counter() - start
    return {
        "groups": broadcast.group_count,
        "receipts": broadcast.receipts.count(),
        "expected": expected,
        "seconds": service_s,
        "raw_rows": raw_rows,
        "raw_s": raw_s,
    }


# --- (d) unread counts ---------------------------------------------------------------------


def run_unread(repeat: int) -> list[dict]:
    unread_counts = contract("fengqiao.community.selectors", "unread_counts")
    if unread_counts is None:
        return []
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from fengqiao.community.models import Member

    resident_id = (
        Member.objects.filter(user__username__startswith=BENCH_USER)
        .values("user")
        .annotate(n=Count("id"))
        .filter(n=3)
        .order_by("user")
        .values_list("user", flat=True)
        .first()
    )
    users = [
        ("resident in 3 groups", get_user_model().objects.get(pk=resident_id)),
        (
            f"police in {Member.objects.filter(user__username='police').count()} groups",
            get_user_model().objects.get(username="police"),
        ),
    ]
    results = []
    for label, user in users:
        for _ in range(3):
            counts = unread_counts(user)
        with CaptureQueriesContext(connection) as captured:
            unread_counts(user)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            unread_counts(user)
            times.append((time.perf_counter() - start) * 1000)
        raw = time_sql([q["sql"] for q in captured.captured_queries], repeat)
        results.append(
            {
                "who": label,
                "groups": len(counts),
                "unread": sum(counts.values()),
                "p50": percentile(times, 50),
                "p95": percentile(times, 95),
                "raw_p50": statistics.median(raw),
                "raw_p95": percentile(raw, 95),
                "queries": len(captured.captured_queries),
            }
        )
    return results


# --- report --------------------------------------------------------------------------------


def report(posting, visible, broadcast, unread) -> None:
    if posting:
        print(
            f"\n(a) post_message, {posting['count']} posts by different residents: "
            f"{posting['rate']:.0f} msgs/s, p50 {posting['p50']:.1f} ms, p99 "
            f"{posting['p99']:.1f} ms | raw INSERT: {posting['raw_rate']:.0f} rows/s, p50 "
            f"{posting['raw_p50']:.2f} ms, p99 {posting['raw_p99']:.2f} ms "
            f"(service at {posting['rate'] / posting['raw_rate']:.0%} of raw)"
        )
    if visible:
        worst_s = visible["poll_every_s"] + visible["max"] / 1000
        verdict = "meets" if worst_s <= TARGET_VISIBLE_S else "misses"
        print(
            f"\n(b) visible to another member's poll, {visible['rounds']} rounds: p50 "
            f"{visible['p50']:.1f} ms, max {visible['max']:.1f} ms after commit (one poll "
            f"query p50 {visible['poll_p50']:.1f} ms); the page polls every "
            f"{visible['poll_every_s']} s, so worst case {worst_s:.2f} s, mean about "
            f"{visible['poll_every_s'] / 2 + visible['p50'] / 1000:.2f} s: {verdict} the "
            f"{TARGET_VISIBLE_S:.0f} s target"
        )
    if broadcast:
        verdict = "meets" if broadcast["seconds"] < TARGET_BROADCAST_S else "misses"
        print(
            f"\n(c) send_broadcast to {broadcast['groups']:,} groups: {broadcast['receipts']:,} "
            f"receipts (of {broadcast['expected']:,} members) delivered and committed in "
            f"{broadcast['seconds']:.1f} s ({broadcast['receipts'] / broadcast['seconds']:,.0f}"
            f"/s) | raw INSERT ... SELECT: {broadcast['raw_rows']:,} rows in "
            f"{broadcast['raw_s']:.1f} s ({broadcast['raw_rows'] / broadcast['raw_s']:,.0f}/s); "
            f"{verdict} the {TARGET_BROADCAST_S:.0f} s target"
        )
    if unread:
        print("\n(d) unread_counts             groups  unread   p50 ms   p95 ms | raw p50   p95")
        for row in unread:
            print(
                f"    {row['who']:<24}{row['groups']:>6}{row['unread']:>8}"
                f"{row['p50']:>9.2f}{row['p95']:>9.2f} | {row['raw_p50']:>7.2f}"
                f"{row['raw_p95']:>6.2f}  ({row['queries']} query)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="the maintenance database")
    parser.add_argument("--db", help="scratch database (default fengqiao_bench_community[_quick])")
    parser.add_argument("--quick", action="store_true", help="1,000 groups, 50,000 members")
    parser.add_argument("--groups", type=int, help="groups (default 10,000)")
    parser.add_argument("--members", type=int, help="memberships (default 500,000)")
    parser.add_argument("--history", type=int, default=20, help="past messages per group")
    parser.add_argument("--scale", type=float, default=0.05, help="demo county scale")
    parser.add_argument("--fresh", action="store_true", help="drop the scratch database first")
    parser.add_argument("--skip-build", action="store_true", help="measure the data as it is")
    parser.add_argument("--posts", type=int, default=1000, help="timed posts")
    parser.add_argument("--rounds", type=int, default=30, help="visibility rounds")
    parser.add_argument("--requests", type=int, default=200, help="timed unread counts")
    parser.add_argument("--no-broadcast", action="store_true", help="leave (c) out")
    args = parser.parse_args()
    args.groups = args.groups or (1_000 if args.quick else 10_000)
    args.members = args.members or (50_000 if args.quick else 500_000)
    if args.quick:
        args.posts = min(args.posts, 200)
    db = args.db or ("fengqiao_bench_community_quick" if args.quick else "fengqiao_bench_community")
    try:
        url = ensure_database(args.pg_url, db, rebuild=args.fresh)
    except Exception as error:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        raise SystemExit(f"PostgreSQL unreachable at {args.pg_url}: {error}") from None
    os.environ.update(
        DATABASE_URL=url,
        FENGQIAO_DATA_DIR=str(Path(tempfile.gettempdir()) / f"fq-bench-{db}"),
        DJANGO_SETTINGS_MODULE="fengqiao.settings",
        FENGQIAO_AXES="0",
    )
    import django

    django.setup()
    from django.db import connection

    started = time.perf_counter()
    timings = setup_data(args)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM community_group), (SELECT count(*) FROM "
            "community_member), (SELECT count(*) FROM community_message), version()"
        )
        groups, members, messages, version = cursor.fetchone()
    print(
        f"Python {sys.version.split()[0]}, {version.split(' on ')[0]}, {os.cpu_count()} CPUs, "
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}; database {db}: "
        f"{groups:,} groups, {members:,} members, {messages:,} messages; setup "
        f"{time.perf_counter() - started:.1f}s "
        f"({', '.join(f'{k} {v:.1f}s' for k, v in timings.items()) or 'reused'})"
    )
    posting = run_posting(args.posts)
    visible = run_visibility(args.rounds)
    broadcast = None if args.no_broadcast else run_broadcast()
    unread = run_unread(args.requests)
    report(posting, visible, broadcast, unread)


if __name__ == "__main__":
    main()
