"""The stations' weekly and monthly briefs: produced by the task and the command, one per
station and period (a rerun replaces), the same figures as the indicators, and readable only
inside one's jurisdiction."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from fengqiao.analytics import briefs, facts, indicators
from fengqiao.analytics.models import Brief
from fengqiao.analytics.tasks import produce_briefs
from tests.analytics.figures_data import make_case
from tests.conftest import _staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(world):
    user, _person = _staff("analyst", ["analyst"], unit=world.bureau, grant_unit=world.bureau)
    return user


@pytest.fixture
def cases(world):
    """Township A: three cases this week, one resolved, one red and open; township B: one."""
    made = [
        make_case(world, world.grid_a1, close=True),
        make_case(world, world.grid_a1, risk="red"),
        make_case(world, world.grid_a1),
        make_case(world, world.grid_b1),
    ]
    facts.rebuild()
    return made


def _produce(*args):
    out = io.StringIO()
    call_command("briefs", *args, stdout=out)
    return out.getvalue()


def test_the_task_produces_last_week_and_last_month_for_every_station_and_reruns_replace(world):
    assert produce_briefs.call() == {"week": 2, "month": 2}
    kept = set(Brief.objects.values_list("unit__code", "period", "start", "end"))
    week, month = briefs.last_period("week"), briefs.last_period("month")
    assert week.start.weekday() == 0 and week.days == 7 and week.end < timezone.localdate()
    assert month.start.day == 1 and (month.end + dt.timedelta(days=1)).day == 1
    assert kept == {
        (unit.code, kind, period.start, period.end)
        for unit in (world.station_a, world.station_b)
        for kind, period in (("week", week), ("month", month))
    }
    first = dict(Brief.objects.values_list("pk", "created_at"))
    produce_briefs.call()
    again = dict(Brief.objects.values_list("pk", "created_at"))
    assert again.keys() == first.keys()
    assert all(again[pk] >= first[pk] for pk in first)


def test_the_command_brief_carries_the_indicators_figures(world, cases):
    today = timezone.localdate()
    output = _produce("--period", "week", "--date", today.isoformat(), "--unit", "U33069901")
    assert "U33069901" in output and "1" in output
    brief = Brief.objects.get()
    period = briefs.period_of("week", today)
    assert (brief.unit, brief.period, brief.start, brief.end) == (
        world.station_a,
        "week",
        period.start,
        period.end,
    )
    assert brief.scope_path == world.township_a.path
    assert bytes(brief.pdf).startswith(b"%PDF")

    book = load_workbook(io.BytesIO(bytes(brief.xlsx)))
    rows = list(book["指标"].iter_rows(min_row=3, values_only=True))
    shown = {row[0]: (row[2], row[3], row[4], row[6], row[7], row[8], row[9]) for row in rows}
    expected = indicators.compute(
        briefs._job_reader(), indicators.Target(unit=world.station_a), period
    )
    assert shown == {
        r.definition.code: (
            r.current.value,
            r.current.numerator,
            r.current.denominator,
            r.previous.value,
            r.mom,
            r.last_year.value,
            r.yoy,
        )
        for r in expected
    }
    # Only township A's cases are counted, and the figures are what happened.
    assert shown["cases_received"][0] == 3
    assert shown["resolution_rate"][1:3] == (1, 3)

    places = list(book["辖区分布"].iter_rows(min_row=2, values_only=True))
    assert places == [(world.community_a.code, world.community_a.name, 3, 1, 33.33)]
    todo = {row[0]: row[1] for row in book["待办"].iter_rows(min_row=2, values_only=True)}
    assert todo["在办红色案件"] == 1


def test_a_rerun_of_the_same_period_replaces_the_brief(world, cases):
    today = timezone.localdate().isoformat()
    _produce("--period", "month", "--date", today)
    first = dict(Brief.objects.values_list("unit__code", "pk"))
    make_case(world, world.grid_a1)
    facts.rebuild()
    _produce("--period", "month", "--date", today)
    assert dict(Brief.objects.values_list("unit__code", "pk")) == first
    brief = Brief.objects.get(unit=world.station_a)
    rows = load_workbook(io.BytesIO(bytes(brief.xlsx)))["指标"].iter_rows(values_only=True)
    assert {row[0]: row[2] for row in rows}["cases_received"] == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2026-02-30"], "--date"),
        (["--date", "2999-01-01"], "--date"),
        (["--unit", "NOPE"], "--unit"),
        (["--unit", "U330699"], "--unit"),  # the bureau: briefs are per station
        (["--period", "year"], "--period"),
    ],
)
def test_the_command_names_the_option_that_is_wrong_and_writes_nothing(world, args, message):
    with pytest.raises(CommandError, match=message):
        _produce(*args)
    assert not Brief.objects.exists()


def _both_briefs(world):
    return {b.unit_id: b for b in briefs.produce_all(kinds=("week",), day=timezone.localdate())}


def test_a_chief_lists_and_downloads_only_their_stations_briefs(client, world):
    made = _both_briefs(world)
    own, other = made[world.station_a.pk], made[world.station_b.pk]
    client.force_login(world.chief)
    page = client.get(reverse("analytics:briefs"))
    assert page.status_code == 200
    assert world.station_a.name in page.text and world.station_b.name not in page.text
    pdf = client.get(reverse("analytics:brief_pdf", args=[own.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("analytics:brief_xlsx", args=[own.pk]))
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    for name in ("analytics:brief_pdf", "analytics:brief_xlsx"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
        assert client.get(reverse(name, args=[other.pk + 1000])).status_code == 404


def test_the_chief_of_station_b_cannot_download_station_as_brief(client, world):
    made = _both_briefs(world)
    chief_b, _person = _staff(
        "chief_b", ["station_chief"], unit=world.station_b, grant_unit=world.station_b
    )
    client.force_login(chief_b)
    a_brief = made[world.station_a.pk]
    assert client.get(reverse("analytics:brief_pdf", args=[a_brief.pk])).status_code == 404
    assert client.get(reverse("analytics:brief_xlsx", args=[a_brief.pk])).status_code == 404
    page = client.get(reverse("analytics:briefs"))
    assert world.station_b.name in page.text and world.station_a.name not in page.text


def test_the_analyst_sees_every_stations_briefs(client, world, analyst):
    made = _both_briefs(world)
    client.force_login(analyst)
    page = client.get(reverse("analytics:briefs"))
    assert world.station_a.name in page.text and world.station_b.name in page.text
    for brief in made.values():
        assert client.get(reverse("analytics:brief_pdf", args=[brief.pk])).status_code == 200


def test_the_police_without_the_briefs_permission_are_refused(client, world):
    made = _both_briefs(world)
    client.force_login(world.officer_a)
    assert client.get(reverse("analytics:briefs")).status_code == 403
    own = made[world.station_a.pk]
    assert client.get(reverse("analytics:brief_pdf", args=[own.pk])).status_code == 403
