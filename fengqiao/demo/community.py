"""The demo's community groups, in the showcase town (where the demo logins work).

A community group per community, a compound (grid) group per grid under it and building
groups for a few residential blocks per grid, each under the one above. Staff join the
groups of the places they package (``org.selectors``: the beat's community police, the
village auxiliary, the grid workers, the building head), but only those with an account:
in the demo that is the logins, so the groups of the login's places carry staff and the
rest carry residents only. Residents get accounts as joining by invitation makes them
(named by a keyed hash of the phone, no password); most are in their building's group
and the two above it, as residents usually are in one to three groups. The ``resident``
login lives in the ``building`` login's block.

A handful of messages in the police login's groups (anti-fraud reminders, things stacked
in the stairwell, parking, ``@社区民警`` questions: one answered, one overdue, one waiting),
a broadcast from last week with its receipts, and a missing-person alert that ended well.
Rows are written directly (a few thousand at most): the services check permissions and
rate limits that a generated history would only have to work around.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections import defaultdict
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from faker.providers.person.zh_CN import Provider as ChineseNames

from fengqiao import sealing
from fengqiao.community.models import (
    Alert,
    AlertRecipient,
    Broadcast,
    Group,
    Member,
    Mention,
    Message,
    Receipt,
    Sighting,
)
from fengqiao.community.services import resident_username
from fengqiao.org.models import AccessGrant
from fengqiao.org.selectors import building_heads, responsibles_for_grids
from fengqiao.places.models import Building, Region, subtree_q

Progress = Callable[[str], None]

BUILDING_GROUPS_PER_GRID = 2
RESIDENTS_PER_BUILDING = 6  # in the building's, the grid's and the community's group
RESIDENTS_PER_GRID = 4  # in the grid's and the community's group
RESIDENTS_PER_COMMUNITY = 4  # in the community's group only
MOBILE_PREFIXES = ("133", "135", "136", "139", "152", "157", "159", "178", "183", "188")
STAFF_ORDER = ("community_police", "auxiliary_police", "grid_worker", "building_head")

# (where, author, text, hours ago): "police" is the police login, "resident" the resident
# login, "grid"/"building" those logins, "neighbour" a resident of the group.
CHAT = (
    (
        "community",
        "police",
        "【反诈提醒】近期有人冒充快递客服，以“理赔退款”为由让大家开"
        "屏幕共享、转账，这是诈骗！接到此类电话请直接挂断，拿不准的在群里问我。",
        70,
    ),
    ("community", "neighbour", "收到，谢谢警官提醒，我转给家里老人看看。", 69),
    ("community", "neighbour", "昨天我妈就接到一个，说她医保卡被冻结，幸好没理他。", 68),
    (
        "compound",
        "grid",
        "各位邻居，本周六上午网格开展消防安全检查，楼道里的纸箱、"
        "旧家具请在周五前清理，电动车不要在楼道充电。",
        50,
    ),
    (
        "building",
        "neighbour",
        "三楼楼梯口又堆了好几袋杂物，晚上下楼差点绊倒，谁家的麻烦收一下。",
        30,
    ),
    ("building", "building", "我去看了，是302装修剩的材料，已经跟他们说了，明天清走。", 29),
    ("compound", "neighbour", "小区东门口每天晚上都有车乱停，消防通道堵死了，能不能管管？", 26),
    ("compound", "grid", "已经拍照登记，明天联系物业在东门加装隔离桩，也会请交警来看看。", 25),
)
# (where, asker, question, answer or None, hours ago, hours until due): the mentions.
MENTIONS = (
    (
        "community",
        "resident",
        "@社区民警 请问老人办居住证要带哪些材料？户口在外地，来这边照顾孙子。",
        "带本人身份证、一寸照片和房东的租房合同或房产证明，"
        "到镇派出所户籍窗口办理，一般十五个工作日。",
        46,
        24,
    ),
    (
        "compound",
        "neighbour",
        "@社区民警 我们楼下这几天晚上总有陌生人在电动车棚转悠，是不是在偷电瓶？",
        None,
        30,
        4,
    ),
    (
        "building",
        "resident",
        "@社区民警 楼下快递柜旁边有辆没牌照的电动车停了一个多星期了，会不会是偷来的？",
        None,
        2,
        22,
    ),
)
BROADCAST = (
    "防范电信网络诈骗告知书",
    "凡是自称“公检法”要求转账到“安全账户”的，凡是网上刷单返利的，凡是索要短信验证码的，"
    "都是诈骗！请大家下载“国家反诈中心”App，遇到可疑情况拨打96110。",
    7 * 24,
)
ALERT = {
    "title": "寻找走失老人：王阿婆，82岁",
    "description": "身高约1.55米，短白发，穿深蓝色棉袄、黑色布鞋，说本地话，有轻度认知障碍。",
    "place": "菜市场东门",
    "sighting": "在老街桥头的小卖部门口看到一个很像的阿婆，坐在台阶上，我先陪着她。",
    "note": "王阿婆已在老街桥头找到，平安到家，感谢各位邻居帮忙留意！",
    "hours_ago": 5 * 24,
}


def load_community(*, seed: int = 2026, progress: Progress | None = None) -> dict[str, int]:
    """Write the showcase town's groups, members and a little history; returns counts.
    One transaction; nothing when the demo logins are missing."""
    say = progress or (lambda stage: None)
    say("社区群组 / community groups")
    with transaction.atomic():
        builder = _CommunityBuilder(random.Random(f"community-{seed}"), timezone.now())
        if builder.town is None:
            return {}
        builder.groups()
        builder.members()
        builder.history()
    return builder.counts


class _CommunityBuilder:
    def __init__(self, rng: random.Random, now: dt.datetime) -> None:
        self.rng = rng
        self.now = now
        self.counts: dict[str, int] = {}
        users = get_user_model().objects.in_bulk(
            ["police", "grid", "building", "resident"], field_name="username"
        )
        self.logins = users
        grant = (
            AccessGrant.objects.filter(user__username="police", unit__isnull=False)
            .select_related("unit__jurisdiction")
            .first()
        )
        self.town = grant.unit.jurisdiction if grant and grant.unit.jurisdiction else None
        self.community_groups: dict[int, Group] = {}  # region id -> group
        self.grid_groups: dict[int, Group] = {}
        self.building_groups: dict[int, Group] = {}  # building id -> group
        self.members_of: dict[int, list[Member]] = defaultdict(list)  # group id -> members
        self.staff_in: dict[int, set[int]] = defaultdict(set)  # group id -> staff user ids
        self.posts: list[tuple] = []  # (hours ago, order, group, author, text, fields, key)
        self.used_phones: set[str] = set()

    # --- groups ----------------------------------------------------------------------------

    def groups(self) -> None:
        regions = Region.objects.filter(
            subtree_q(self.town.path), level__in=["community", "grid"]
        ).defer("boundary")
        communities = [r for r in regions if r.level == "community"]
        self.grids = [r for r in regions if r.level == "grid"]
        for community in communities:
            self.community_groups[community.pk] = self._group(
                f"{community.name}居民群", Group.Level.COMMUNITY, community
            )
        for grid in self.grids:
            self.grid_groups[grid.pk] = self._group(
                f"{grid.name}邻里群",
                Group.Level.COMPOUND,
                grid,
                parent=self.community_groups[grid.parent_id],
            )
        heads = building_heads(self._blocks())
        self.heads = heads
        for building in self._blocks():
            self.building_groups[building.pk] = self._group(
                f"{building.name}楼栋群",
                Group.Level.BUILDING,
                building.grid,
                parent=self.grid_groups[building.grid_id],
                building=building,
                members_visible=True,
            )
        self.counts["community_groups"] = (
            len(self.community_groups) + len(self.grid_groups) + len(self.building_groups)
        )

    def _blocks(self) -> list[Building]:
        """A few blocks of flats with a building head per grid, the ``building`` login's
        first; drawn once."""
        if hasattr(self, "blocks"):
            return self.blocks
        mine = self._login_building()
        by_grid: dict[int, list[Building]] = defaultdict(list)
        candidates = (
            Building.objects.filter(
                grid__in=self.grids,
                use=Building.Use.RESIDENTIAL,
                assignments__duty="building_head",
            )
            .select_related("grid")
            .distinct()
            .order_by("code")
        )
        for building in candidates:
            by_grid[building.grid_id].append(building)
        if mine is not None and mine not in by_grid[mine.grid_id]:
            by_grid[mine.grid_id].append(mine)  # a 联户长's farmhouse row
        self.blocks = []
        for grid_id, buildings in by_grid.items():
            chosen = self.rng.sample(buildings, min(BUILDING_GROUPS_PER_GRID, len(buildings)))
            if mine is not None and mine.grid_id == grid_id and mine not in chosen:
                chosen[0] = mine
            self.blocks.extend(chosen)
        return self.blocks

    def _login_building(self) -> Building | None:
        head = self.logins.get("building")
        if head is None:
            return None
        return (
            Building.objects.filter(
                assignments__duty="building_head", assignments__person__user=head
            )
            .select_related("grid")
            .first()
        )

    def _group(self, name, level, region, *, parent=None, building=None, **fields) -> Group:
        return Group.objects.create(
            name=name[:60],
            level=level,
            region=region,
            parent=parent,
            building=building,
            invite_token=secrets.token_urlsafe(16),
            scope_path=region.path,
            **fields,
        )

    # --- members ---------------------------------------------------------------------------

    def members(self) -> None:
        staff = responsibles_for_grids(self.grids)
        rows: list[Member] = []
        for grid in self.grids:
            people = staff[grid.pk]
            area_staff = [(person, duty) for duty in STAFF_ORDER for person in people.get(duty, [])]
            for group in (self.community_groups[grid.parent_id], self.grid_groups[grid.pk]):
                rows += self._staff_rows(group, area_staff)
        for building in self._blocks():
            people = staff[building.grid_id]
            in_building = [(p, "building_head") for p in self.heads.get(building.pk, [])]
            in_building += [(p, d) for d in STAFF_ORDER[:3] for p in people.get(d, [])]
            rows += self._staff_rows(self.building_groups[building.pk], in_building)
        rows += self._resident_rows()
        Member.objects.bulk_create(rows)
        for member in Member.objects.filter(group__in=self._all_groups()).select_related("user"):
            self.members_of[member.group_id].append(member)
        self.counts["community_members"] = len(rows)

    def _all_groups(self) -> list[Group]:
        return [
            *self.community_groups.values(),
            *self.grid_groups.values(),
            *self.building_groups.values(),
        ]

    def _staff_rows(self, group: Group, people: list) -> list[Member]:
        """Members for the staff with accounts, once each, by their first duty here."""
        seen = self.staff_in[group.pk]
        rows = []
        for person, duty in people:
            if person.user_id is None or person.user_id in seen:
                continue
            seen.add(person.user_id)
            rows.append(
                Member(
                    group=group,
                    user_id=person.user_id,
                    display_name=person.name,
                    is_staff=True,
                    role=duty,
                )
            )
        return rows

    def _resident_rows(self) -> list[Member]:
        """Resident accounts and their memberships: by building, grid and community."""
        placements: list[list[Group]] = []  # the groups of one new resident
        for building in self._blocks():
            chain = self._chain(self.building_groups[building.pk])
            placements += [chain] * RESIDENTS_PER_BUILDING
        for grid in self.grids:
            placements += [self._chain(self.grid_groups[grid.pk])] * RESIDENTS_PER_GRID
        for group in self.community_groups.values():
            placements += [[group]] * RESIDENTS_PER_COMMUNITY
        people = [self._resident() for _ in placements]
        User = get_user_model()
        users = []
        for name, phone in people:
            user = User(username=resident_username(phone), first_name=name)
            user.set_unusable_password()
            users.append(user)
        User.objects.bulk_create(users)
        users = User.objects.in_bulk([u.username for u in users], field_name="username")
        rows = []
        for (name, phone), groups in zip(people, placements, strict=True):
            user = users[resident_username(phone)]
            rows += [self._resident_member(g, user, name, phone) for g in groups]
        self.counts["resident_accounts"] = len(users)
        mine = self._login_building()
        resident = self.logins.get("resident")
        if resident is not None and mine is not None and mine.pk in self.building_groups:
            name, phone = self._resident()
            for group in self._chain(self.building_groups[mine.pk]):
                rows.append(self._resident_member(group, resident, name, phone))
        return rows

    def _resident_member(self, group: Group, user, name: str, phone: str) -> Member:
        return Member(
            group=group,
            user=user,
            display_name=name,
            role="resident",
            **sealing.phone_columns(phone),
        )

    def _chain(self, group: Group) -> list[Group]:
        chain = [group]
        while chain[-1].parent is not None:
            chain.append(chain[-1].parent)
        return chain

    def _resident(self) -> tuple[str, str]:
        male = self.rng.random() < 0.5
        given = ChineseNames.first_names_male if male else ChineseNames.first_names_female
        name = self.rng.choice(list(ChineseNames.last_names)) + self.rng.choice(given)
        while True:
            phone = f"+86{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randint(0, 99_999_999):08d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return name, phone

    # --- history ---------------------------------------------------------------------------

    def history(self) -> None:
        """Messages, mentions, a broadcast and an alert in the police login's groups."""
        police = self.logins.get("police")
        places = self._police_places(police)
        if places is None:
            return
        for where, who, text, hours in CHAT:
            self._plan(places[where], who, text, hours)
        for n, (where, who, question, answer, hours, _due_in) in enumerate(MENTIONS):
            self._plan(places[where], who, question, hours, key=("asked", n))
            if answer:
                self._plan(places[where], "police", answer, hours - 1, key=("answer", n))
        self._broadcast(police, places)
        self._alert(police, places)
        posted = self._write_posts()
        mentions = []
        for n, (_where, _who, _question, _answer, _hours, due_in) in enumerate(MENTIONS):
            asked = posted[("asked", n)]
            mention = Mention(
                message=asked,
                recipient=police,
                role="community_police",
                due_at=asked.created_at + dt.timedelta(hours=due_in),
            )
            reply = posted.get(("answer", n))
            if reply is not None:
                Message.objects.filter(pk=reply.pk).update(thread=asked)
                mention.answer, mention.answered_at = reply, reply.created_at
            mentions.append(mention)
        Mention.objects.bulk_create(mentions)
        self.counts["community_mentions"] = len(mentions)
        self._read_marks()

    def _plan(self, group: Group, who: str, text: str, hours_ago: float, *, key=None, **fields):
        author = self._author(group, who)
        self.posts.append((hours_ago, len(self.posts), group, author, text, fields, key))

    def _write_posts(self) -> dict[tuple, Message]:
        """The planned messages, oldest first: a group page orders messages by id."""
        messages, keys = [], []
        for hours_ago, _order, group, author, text, fields, key in sorted(
            self.posts, key=lambda post: (-post[0], post[1])
        ):
            messages.append(
                Message(
                    group=group,
                    author_id=author.user_id,
                    author_name=author.display_name,
                    author_is_staff=author.is_staff,
                    text=text,
                    **fields,
                )
            )
            keys.append((key, self.now - dt.timedelta(hours=hours_ago)))
        # bulk_create returns ids on both databases; created_at is auto_now_add, so the past
        # times are written after the insert.
        Message.objects.bulk_create(messages)
        for message, (_key, at) in zip(messages, keys, strict=True):
            message.created_at = at
        Message.objects.bulk_update(messages, ["created_at"])
        self.counts["community_messages"] = len(messages)
        return {key: message for message, (key, _at) in zip(messages, keys, strict=True) if key}

    def _police_places(self, police) -> dict[str, Group] | None:
        """The groups the police login is in, at each level, around the building login's
        block where there is one (the resident login lives there)."""
        if police is None:
            return None
        in_groups = {m.group_id for ms in self.members_of.values() for m in ms if m.user == police}
        block = self._login_building()
        group = self.building_groups.get(block.pk) if block else None
        if group is None or group.pk not in in_groups:
            group = next((g for g in self.building_groups.values() if g.pk in in_groups), None)
        if group is None:
            return None
        return {"building": group, "compound": group.parent, "community": group.parent.parent}

    def _author(self, group: Group, who: str) -> Member:
        members = self.members_of[group.pk]
        if who == "neighbour":
            residents = [m for m in members if not m.is_staff and m.user.username != "resident"]
            return self.rng.choice(residents)
        login = self.logins[who]
        return next(m for m in members if m.user_id == login.pk)

    def _broadcast(self, police, places: dict[str, Group]) -> None:
        title, text, hours = BROADCAST
        community = places["community"]
        groups = [g for g in self._all_groups() if g.scope_path.startswith(community.scope_path)]
        sent_at = self.now - dt.timedelta(hours=hours)
        author = self._author(community, "police")
        broadcast = Broadcast.objects.create(
            author=police,
            author_name=author.display_name,
            title=title,
            text=text,
            group_count=len(groups),
            member_count=sum(len(self.members_of[g.pk]) for g in groups),
            delivered_at=sent_at,
            scope_path=self.town.path,
            topic=Broadcast.Topic.ANTI_FRAUD,
        )
        Broadcast.objects.filter(pk=broadcast.pk).update(created_at=sent_at)
        broadcast.groups.set(groups)
        for group in groups:
            self._plan(
                group, "police", f"【{title}】{text}", hours, broadcast=broadcast, kind="broadcast"
            )
        receipts = []
        for group in groups:
            for member in self.members_of[group.pk]:
                read = self.rng.random() < 0.7
                receipts.append(
                    Receipt(
                        broadcast=broadcast,
                        member=member,
                        delivered_at=sent_at,
                        read_at=sent_at + dt.timedelta(minutes=self.rng.randint(2, 3000))
                        if read
                        else None,
                    )
                )
        Receipt.objects.bulk_create(receipts)
        self.counts["community_receipts"] = len(receipts)

    def _alert(self, police, places: dict[str, Group]) -> None:
        grid_group = places["compound"]
        raised = self.now - dt.timedelta(hours=ALERT["hours_ago"])
        alert = Alert.objects.create(
            kind=Alert.Kind.MISSING_PERSON,
            title=ALERT["title"],
            description=ALERT["description"],
            last_seen_place=ALERT["place"],
            last_seen_at=raised - dt.timedelta(hours=2),
            status=Alert.Status.FOUND,
            created_by=police,
            closed_at=raised + dt.timedelta(hours=3),
            closing_note=ALERT["note"],
            scope_path=grid_group.scope_path,
        )
        Alert.objects.filter(pk=alert.pk).update(created_at=raised)
        alert.grids.set([grid_group.region])
        groups = [grid_group, *[g for g in self._all_groups() if g.parent_id == grid_group.pk]]
        users = set()
        text = f"【寻人】{ALERT['title']}。{ALERT['description']}最后出现在{ALERT['place']}。"
        for group in groups:
            self._plan(group, "police", text, ALERT["hours_ago"], kind="alert", alert=alert)
            users |= {m.user_id for m in self.members_of[group.pk]}
        AlertRecipient.objects.bulk_create(
            [
                AlertRecipient(
                    alert=alert,
                    user_id=user_id,
                    delivered_at=raised,
                    acknowledged_at=raised + dt.timedelta(minutes=5) if n % 3 == 0 else None,
                )
                for n, user_id in enumerate(sorted(users))
            ]
        )
        reporter = self._author(grid_group, "neighbour")
        Sighting.objects.create(
            alert=alert,
            reporter_id=reporter.user_id,
            reporter_name=reporter.display_name,
            text=ALERT["sighting"],
            place="老街桥头",
            seen_at=raised + dt.timedelta(hours=2, minutes=40),
        )
        self._plan(
            grid_group,
            "police",
            f"【已找到】{ALERT['note']}",
            ALERT["hours_ago"] - 3,
            kind="alert",
            alert=alert,
        )

    def _read_marks(self) -> None:
        """Staff have read everything; residents are up to two messages behind (by their
        member id), so most have something unread. One UPDATE."""
        quote = connection.ops.quote_name
        member, message = quote(Member._meta.db_table), quote(Message._meta.db_table)
        groups = [group.pk for group in self._all_groups()]
        with connection.cursor() as cursor:
            cursor.execute(
                # The newest message with ``behind`` newer ones after it (SQLite allows no
                # outer column in an OFFSET).
                f"UPDATE {member} SET last_read_id = coalesce(("
                f"SELECT max(m.id) FROM {message} m WHERE m.group_id = {member}.group_id "
                f"AND (SELECT count(*) FROM {message} n WHERE n.group_id = m.group_id "
                f"AND n.id > m.id) "
                f"= (CASE WHEN {member}.is_staff THEN 0 ELSE {member}.id %% 3 END)"
                f"), 0) WHERE group_id IN ({', '.join(['%s'] * len(groups))})",
                groups,
            )
