"""The indicators through the API (``/api/v1/indicators/``, the cases behind a figure, the
cases list's region and period) and the command (``manage indicators``, ``manage facts``):
the same answer as ``indicators.compute``, the same scope, errors that name the field."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from fengqiao.analytics import indicators
from fengqiao.analytics.indicators import Period
from fengqiao.analytics.models import DailyFact
from tests.analytics import indicator_cases
from tests.analytics.test_indicators import EXPECTED, MARCH

# The set's fixtures.
clock, figures = indicator_cases.clock, indicator_cases.figures

PERIOD = {"from": "2026-03-01", "to": "2026-03-31"}


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _get(user, query: dict, url: str | None = None):
    return _api(user).get(url or reverse("api:indicators"), query)


def _command(*args) -> dict:
    out = io.StringIO()
    call_command("indicators", *args, stdout=out)
    return json.loads(out.getvalue())


# --- one answer ----------------------------------------------------------------------


def test_the_api_the_command_and_compute_give_the_same_answer(world, figures):
    api = _get(world.officer_a, {"region": "330699001", **PERIOD})
    assert api.status_code == 200
    cli = _command("--region", "330699001", "--from", PERIOD["from"], "--to", PERIOD["to"])
    cli_as = _command("--as", "officer_a", "--from", PERIOD["from"], "--to", PERIOD["to"])
    target = indicators.target_for(world.officer_a, region="330699001")
    computed = indicators.answer(world.officer_a, target, MARCH)
    assert api.json() == cli == cli_as == json.loads(json.dumps(computed))
    assert api.json()["target"] == {"kind": "region", "code": "330699001", "name": "甲镇"}
    assert api.json()["period"] == PERIOD
    assert api.json()["previous_period"] == {"from": "2026-02-01", "to": "2026-02-28"}
    assert api.json()["last_year_period"] == {"from": "2025-03-01", "to": "2025-03-31"}
    numbers = {
        row["code"]: (row["numerator"], row["denominator"], row["value"])
        for row in api.json()["indicators"]
    }
    assert numbers == EXPECTED


def test_each_row_carries_its_definition_and_comparisons(world, figures):
    rows = _get(world.officer_a, PERIOD).json()["indicators"]
    resolution = next(row for row in rows if row["code"] == "resolution_rate")
    assert resolution["name"] == "化解率" and resolution["name_en"] == "Resolution rate"
    assert resolution["numerator_measure"] == "resolved"
    assert resolution["denominator_measure"] == "received"
    assert resolution["definition"].startswith("已化解")
    assert (resolution["previous"], resolution["mom"]) == (100.0, -57.1)
    assert (resolution["last_year"], resolution["yoy"]) == (0.0, None)


def test_code_narrows_the_answer_repeated_or_comma_separated(world, figures):
    client = _api(world.officer_a)
    url = reverse("api:indicators")
    repeated = client.get(f"{url}?code=satisfaction_rate&code=resolution_rate&from=2026-03-01")
    listed = client.get(url, {"code": "resolution_rate,satisfaction_rate", "from": "2026-03-01"})
    codes = [row["code"] for row in repeated.json()["indicators"]]
    assert codes == ["resolution_rate", "satisfaction_rate"]  # in the definitions' order
    assert repeated.json() == listed.json()
    cli = _command(
        "--as", "officer_a", "--code", "satisfaction_rate,resolution_rate", "--from", "2026-03-01"
    )
    assert cli == repeated.json()


def test_the_default_period_is_this_year_until_today(world, figures, clock):
    answer = _get(world.officer_a, {}).json()
    assert answer["period"] == {"from": "2026-01-01", "to": "2026-04-02"}


# --- refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, field",
    [
        ({"from": "2026-3-1"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-04-01", "to": "2026-03-01"}, "to"),
        ({"from": "0001-01-01"}, "from"),
        ({"code": "resolution_rate,no_such"}, "code"),
        ({"person": "abc"}, "person"),
        ({"region": "330699001", "unit": "U33069901"}, "region"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(world, query, field):
    response = _get(world.officer_a, query)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "query", [{"region": "330699002"}, {"unit": "U33069902"}, {"region": "330699"}]
)
def test_a_target_outside_the_jurisdiction_is_404_like_a_missing_one(world, figures, query):
    response = _get(world.officer_a, query)
    missing = _get(world.officer_a, {"region": "000000"})
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    drill = _get(world.officer_a, query, reverse("api:indicator-cases", args=["cases_received"]))
    assert drill.status_code == 404


def test_only_those_who_may_see_the_figures_read_them(world):
    assert _get(world.resident, {}).status_code == 403
    assert _get(None, {}).status_code in (401, 403)
    url = reverse("api:indicator-cases", args=["cases_received"])
    assert _get(world.resident, {}, url).status_code == 403
    assert _api(world.officer_a).post(reverse("api:indicators"), {}).status_code in (403, 405)


# --- the cases behind a figure -------------------------------------------------------


def test_the_cases_behind_a_figure_are_listed_page_by_page_without_personal_data(world, figures):
    url = reverse("api:indicator-cases", args=["resolution_rate"])
    response = _get(world.officer_a, PERIOD, url)
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 3
    expected = [figures.cases[name] for name in ("c11", "c2", "c1")]  # newest first
    assert [row["reference"] for row in page["results"]] == [c.reference for c in expected]
    assert set(page["results"][0]) == {
        "reference",
        "title",
        "category",
        "risk",
        "level",
        "state",
        "received_at",
    }
    assert page["results"][0]["title"] == expected[0].title
    assert "吠叫纠纷甲" not in response.content.decode()  # the parties are not shown
    denominator = _get(world.officer_a, {**PERIOD, "part": "denominator"}, url).json()
    assert denominator["count"] == 7


def test_a_figure_without_cases_or_an_unknown_one_is_refused(world, figures):
    url = reverse("api:indicator-cases", args=["reports_per_10k"])
    assert _get(world.officer_a, PERIOD, url).json() == {"part": ["这一项没有可列出的案件"]}
    url = reverse("api:indicator-cases", args=["resolution_rate"])
    assert "part" in _get(world.officer_a, {"part": "all"}, url).json()
    url = reverse("api:indicator-cases", args=["no_such_indicator"])
    assert _get(world.officer_a, PERIOD, url).status_code == 404


# --- counting a denominator from the cases list ----------------------------------------


def test_the_cases_list_counts_a_denominator_with_the_same_region_and_period(world, figures):
    cases = _api(world.county_admin).get(
        reverse("api:case-list"), {"region": "330699001", **PERIOD}
    )
    assert cases.status_code == 200
    assert cases.json()["count"] == EXPECTED["cases_received"][0]
    references = {row["reference"] for row in cases.json()["results"]}
    assert figures.cases["c7"].reference in references  # 23:30 on the last day
    assert not references & {figures.cases[n].reference for n in ("c8", "c9", "b1")}
    county = _api(world.county_admin).get(reverse("api:case-list"), {"region": "330699", **PERIOD})
    assert county.json()["count"] == 8
    grid = _api(world.county_admin).get(reverse("api:case-list"), {"region": "330699001001G02"})
    assert {row["reference"] for row in grid.json()["results"]} == {
        figures.cases["c3"].reference,
        figures.cases["c5"].reference,
    }


@pytest.mark.parametrize(
    "query, field",
    [
        ({"region": "330699002"}, "region"),  # township B, for officer_a
        ({"region": "nowhere"}, "region"),
        ({"from": "2026-13-01"}, "from"),
        ({"from": "0001-01-01"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "2026-04-01", "to": "2026-03-01"}, "to"),
    ],
)
def test_the_cases_list_refuses_a_bad_region_or_period_by_name(world, query, field):
    response = _api(world.officer_a).get(reverse("api:case-list"), query)
    assert response.status_code == 400
    assert list(response.json()) == [field]


# --- the command ---------------------------------------------------------------------


def test_the_workbook_opens_and_has_the_numbers(world, figures, tmp_path):
    path = tmp_path / "march.xlsx"
    call_command(
        "indicators",
        "--as",
        "officer_a",
        "--from",
        PERIOD["from"],
        "--to",
        PERIOD["to"],
        "--format",
        "xlsx",
        "--output",
        str(path),
        stdout=io.StringIO(),
    )
    sheet = load_workbook(path).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:2] == ["统计对象", "甲镇（330699001）"]
    assert rows[1][:2] == ["统计期间", "2026-03-01 — 2026-03-31"]
    header = rows[5]
    assert header[:6] == ["指标代码", "指标", "定义", "分子", "分母", "数值"]
    found = {row[0]: (row[3], row[4], row[5]) for row in rows[6:]}
    assert found == EXPECTED
    resolution = next(row for row in rows[6:] if row[0] == "resolution_rate")
    assert resolution[header.index("上期")] == 100.0
    assert resolution[header.index("环比（%）")] == -57.1


def test_the_command_writes_json_to_a_file(world, figures, tmp_path):
    path = tmp_path / "march.json"
    call_command(
        "indicators", "--from", "2026-03-01", "--to", "2026-03-31", "--region", "330699001",
        "--output", str(path), stdout=io.StringIO(),
    )  # fmt: skip
    assert json.loads(path.read_text("utf-8"))["indicators"][1]["value"] == 42.86


@pytest.mark.parametrize(
    "args, option",
    [
        (["--as", "officer_a", "--region", "330699002"], "--region"),
        (["--as", "officer_a", "--unit", "U33069902"], "--unit"),
        (["--from", "2026-3-1"], "--from"),
        (["--from", "2026-04-01", "--to", "2026-03-01"], "--to"),
        (["--code", "no_such"], "--code"),
        (["--person", "x"], "--person"),
        (["--region", "330699001", "--unit", "U33069901"], "--region"),
        (["--format", "csv"], "--format"),
        (["--format", "xlsx"], "--output"),
        (["--as", "nobody"], "--as"),
        (["--as", "resident"], "--as"),
    ],
)
def test_the_command_refuses_bad_arguments_naming_the_option(world, args, option):
    with pytest.raises(CommandError) as error:
        call_command("indicators", *args, stdout=io.StringIO())
    assert str(error.value).startswith(option)


def test_the_facts_command_rebuilds_and_refuses_bad_days(world, figures):
    DailyFact.objects.all().delete()
    out = io.StringIO()
    call_command("facts", "--rebuild", "--from", "2026-03-01", "--to", "2026-03-31", stdout=out)
    assert "rebuilt" in out.getvalue()
    assert sum(DailyFact.objects.values_list("received", flat=True)) == 8  # A's 7 and b1
    call_command("facts", "--rebuild", stdout=io.StringIO())
    assert sum(DailyFact.objects.values_list("received", flat=True)) == 11
    for args, option in (
        ([], "--rebuild"),
        (["--rebuild", "--from", "2026-02-30"], "--from"),
        (["--rebuild", "--from", "2026-03-02", "--to", "2026-03-01"], "--to"),
        (["--heal", "--rebuild"], "--heal"),
    ):
        with pytest.raises(CommandError) as error:
            call_command("facts", *args, stdout=io.StringIO())
        assert str(error.value).startswith(option)


def test_the_facts_command_heals_only_what_changed_lately(world, figures):
    # March's rows, spoiled on purpose: the nightly healing mends only the rows of the
    # last two days and of cases touched since (a full --rebuild mends them all).
    DailyFact.objects.update(received=0)
    out = io.StringIO()
    call_command("facts", "--heal", stdout=out)
    assert "healed" in out.getvalue()
    assert sum(DailyFact.objects.values_list("received", flat=True)) < 11
    call_command("facts", "--rebuild", stdout=io.StringIO())
    assert sum(DailyFact.objects.values_list("received", flat=True)) == 11


def test_answer_periods_are_the_ones_compute_compares_with(world, figures):
    period = Period.parse("2026-03-10", "2026-03-19")
    answer = indicators.answer(world.officer_a, indicators.target_for(world.officer_a), period)
    assert answer["previous_period"] == {"from": "2026-02-28", "to": "2026-03-09"}
    assert answer["last_year_period"] == {"from": "2025-03-10", "to": "2025-03-19"}
