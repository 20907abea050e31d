"""The official statistics (矛盾纠纷排查调处情况统计表): arithmetic on a hand-built set of cases,
per level, per people's-mediation category and per lower division, for a month, a quarter
and a year, inside the user's jurisdiction only; the page, its errors and the Excel layout.

The cases are made through the services (opening, accepting, sessions, agreements) and
received last year, in February, May and November; crowds of parties are added as rows
(a case with 500 named parties is not typed in one by one). ``facts.rebuild`` then
summarises them, as the nightly job does.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from openpyxl import load_workbook

from fengqiao.analytics import facts, official_forms
from fengqiao.analytics.official import (
    BRACKETS,
    OfficialPeriod,
    official_table,
    region_for,
)
from fengqiao.disputes import services
from fengqiao.disputes.mediation import services as mediation
from fengqiao.disputes.models import Case, Party
from fengqiao.org.models import Person
from fengqiao.triage.mediation import mediation_category

URL = "/figures/official/"
YEAR = timezone.localdate().year - 1


def _admin(world) -> Person:
    return Person.objects.get(user=world.county_admin)


def _case(world, *, on, category="neighbourhood", level=1, risk="yellow", grid=None, people=2):
    """A case received at noon on ``on``, accepted, with ``people`` parties."""
    case = services.open_case(
        actor=world.county_admin,
        title="纠纷",
        narrative="双方争执，需要调解",
        category=category,
        risk=risk,
        channel="walk_in",
        grid=grid or world.grid_a1,
        level=level,
        parties=[
            {"role": "applicant", "name": "申请人甲"},
            {"role": "respondent", "name": "被申请人乙"},
        ],
        received_at=timezone.make_aware(dt.datetime.combine(on, dt.time(12))),
    )
    Party.objects.bulk_create(
        Party(case=case, role="third_party", name=f"群众{n}", scope_path=case.scope_path)
        for n in range(people - 2)
    )
    return services.accept_case(case=case, actor=world.county_admin)


def _session(world, case, *, outcome="settled", failure_reason=""):
    mediation.record_session(
        case=case,
        actor=world.county_admin,
        held_at=timezone.now() - dt.timedelta(hours=1),
        place="调解室",
        mediators=[_admin(world)],
        record="双方陈述各自意见",
        outcome=outcome,
        failure_reason=failure_reason,
    )
    return Case.objects.get(pk=case.pk)


def _oral(world, case):
    mediation.draft_agreement(
        case=case, actor=world.county_admin, oral=True, terms=[{"obligation": "互相谅解"}]
    )


def _written(world, case):
    agreement = mediation.draft_agreement(
        case=case,
        actor=world.county_admin,
        committee="甲镇人民调解委员会",
        facts="借款到期未还",
        issues="还款期限",
        terms=[{"obligation": "三个月内还清借款"}],
    )
    for signer in [*case.parties.all(), _admin(world)]:
        mediation.sign_agreement(agreement=agreement, actor=world.county_admin, signer=signer)
    mediation.apply_seal(agreement=agreement, actor=world.county_admin)


@pytest.fixture
def cases(world):
    """Township A: seven cases last year; township B: one.

    ========  ===========  =====  ===  =======  ==========================================
    received  category     level  risk people   what happened
    ========  ===========  =====  ===  =======  ==========================================
    02-10     邻里          1      黄    2        session, oral agreement
    02-20     婚姻家庭      2      黄    2        session failed
    02-25     其他 (a2)     1      黄    500      nothing yet
    05-05     合同          3      红    2        session, written agreement signed, sealed
    05-06     涉校          1      黄    2        nothing yet (counted as 损害赔偿)
    11-15     劳动争议 (a2) 2      黄    60       session, oral agreement
    11-20     医疗          1      黄    100      nothing yet
    02-11     邻里 (B)      1      黄    2        nothing yet
    ========  ===========  =====  ===  =======  ==========================================
    """
    day = lambda month, d: dt.date(YEAR, month, d)  # noqa: E731
    c1 = _case(world, on=day(2, 10))
    _oral(world, _session(world, c1))
    c2 = _case(world, on=day(2, 20), category="marriage_family", level=2)
    _session(world, c2, outcome="failed", failure_reason="双方分歧太大")
    _case(world, on=day(2, 25), category="other", grid=world.grid_a2, people=500)
    c3 = _case(world, on=day(5, 5), category="contract", level=3, risk="red")
    _written(world, _session(world, c3))
    _case(world, on=day(5, 6), category="campus")
    c5 = _case(world, on=day(11, 15), category="labour", level=2, grid=world.grid_a2, people=60)
    _oral(world, _session(world, c5))
    _case(world, on=day(11, 20), category="medical", people=100)
    _case(world, on=day(2, 11), grid=world.grid_b1)
    facts.rebuild()


def _counts(line) -> dict:
    return {name: value for name, value in line.counts.items() if value}


def _line(lines, code):
    return next(line for line in lines if line.code == code)


# --- the arithmetic ------------------------------------------------------------------


def test_the_year_of_township_a_counts_its_seven_cases(world, cases):
    table = official_table(world.officer_a, world.township_a, OfficialPeriod(YEAR))
    assert _counts(table.total) == {
        "received": 7,
        "mediated": 4,
        "mediation_succeeded": 3,
        "agreements_written": 1,
        "agreements_oral": 2,
        "people_lt50": 4,
        "people_50_100": 1,
        "people_100_500": 1,
        "people_gt500": 1,
        "criminal_prevented": 1,
        "mass_prevented": 1,
    }
    # 调处率 = 4 / 7, 调处成功率 = 3 / 4.
    assert table.total.value("mediation_rate") == 57.1
    assert table.total.value("success_rate") == 75.0


def test_rows_per_level_count_each_case_at_the_level_it_is_at(world, cases):
    table = official_table(world.officer_a, world.township_a, OfficialPeriod(YEAR))
    assert [line.label for line in table.levels] == ["一级", "二级", "三级"]
    assert [line.counts["received"] for line in table.levels] == [4, 2, 1]
    assert [line.counts["mediation_succeeded"] for line in table.levels] == [1, 1, 1]
    assert [line.counts["agreements_written"] for line in table.levels] == [0, 0, 1]
    level_3 = table.levels[2]
    assert level_3.value("success_rate") == 100.0 and level_3.counts["criminal_prevented"] == 1


def test_rows_per_category_are_the_fourteen_named_and_other(world, cases):
    table = official_table(world.officer_a, world.township_a, OfficialPeriod(YEAR))
    assert len(table.categories) == 15
    assert [line.label for line in table.categories[:3]] == ["婚姻家庭", "邻里", "房屋宅基地"]
    assert table.categories[-1].label == "其他"
    received = {line.code: line.counts["received"] for line in table.categories}
    assert {code: n for code, n in received.items() if n} == {
        "neighbourhood": 1,
        "marriage_family": 1,
        "contract": 1,
        "labour": 1,
        "medical": 1,
        "other": 1,
        # The school-related case, on the line triage.mediation maps campus to.
        "damage_compensation": 1,
    }
    assert _line(table.categories, "labour").counts["mass_prevented"] == 1
    assert _line(table.categories, "marriage_family").value("success_rate") == 0.0
    assert _line(table.categories, "medical").value("success_rate") is None  # nothing mediated


def test_a_category_outside_peoples_mediation_is_counted_on_its_mapped_line_with_a_note(
    world, cases
):
    """Campus counts as 损害赔偿, the line ``triage.mediation`` gives it, with a note."""
    table = official_table(world.officer_a, world.township_a, OfficialPeriod(YEAR))
    assert table.folded == [("涉校", 1, "损害赔偿")]
    assert mediation_category("campus") == "损害赔偿"
    assert any("涉校 1 件" in note and "“损害赔偿”" in note for note in table.notes)
    assert not any("“其他”" in note for note in table.notes)
    february = official_table(world.officer_a, world.township_a, OfficialPeriod(YEAR, month=2))
    assert february.folded == [] and not any("涉校" in note for note in february.notes)


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (OfficialPeriod(YEAR, month=2), {"received": 3, "mediated": 2, "people_gt500": 1}),
        (OfficialPeriod(YEAR, month=3), {"received": 0, "mediated": 0, "people_gt500": 0}),
        (OfficialPeriod(YEAR, quarter=1), {"received": 3, "mediated": 2, "people_gt500": 1}),
        (OfficialPeriod(YEAR, quarter=2), {"received": 2, "mediated": 1, "people_gt500": 0}),
        (OfficialPeriod(YEAR, quarter=4), {"received": 2, "mediated": 1, "people_gt500": 0}),
        (OfficialPeriod(YEAR, month=11), {"received": 2, "mediated": 1, "people_gt500": 0}),
        (OfficialPeriod(YEAR), {"received": 7, "mediated": 4, "people_gt500": 1}),
        (OfficialPeriod(YEAR - 1), {"received": 0, "mediated": 0, "people_gt500": 0}),
    ],
)
def test_months_quarters_and_years_count_the_cases_received_in_them(world, cases, period, expected):
    table = official_table(world.officer_a, world.township_a, period)
    assert {name: table.total.counts[name] for name in expected} == expected


@pytest.mark.parametrize("period", [OfficialPeriod(YEAR), OfficialPeriod(YEAR, quarter=1)])
def test_every_row_s_people_brackets_add_up_to_its_screened_and_the_parts_to_the_total(
    world, cases, period
):
    table = official_table(world.county_admin, world.county, period)
    lines = [table.total, *table.levels, *table.categories, *table.divisions, table.subtotal]
    for line in lines:
        assert sum(line.counts[name] for name in BRACKETS) == line.counts["received"], line
    for parts in (table.levels, table.categories, table.divisions):
        for name, value in table.total.counts.items():
            assert sum(line.counts[name] for line in parts) == value, name
    assert table.subtotal.counts == table.total.counts


def test_the_county_has_a_row_per_township_with_a_subtotal(world, cases):
    table = official_table(world.county_admin, world.county, OfficialPeriod(YEAR))
    assert [(line.label, line.counts["received"]) for line in table.divisions] == [
        ("甲镇", 7),
        ("乙镇", 1),
    ]
    assert table.subtotal.label == "小计" and table.subtotal.counts["received"] == 8
    assert all(line.drillable for line in table.divisions)


def test_a_village_has_a_row_per_grid(world, cases):
    table = official_table(world.officer_a, world.community_a, OfficialPeriod(YEAR))
    rows = [(line.label, line.counts["received"], line.drillable) for line in table.divisions]
    assert rows == [("甲村一网格", 5, False), ("甲村二网格", 2, False)]


def test_the_year_to_date_runs_from_january_to_the_end_of_the_period(world, cases):
    table = official_table(world.officer_a, world.township_a, OfficialPeriod(YEAR, month=5))
    village = table.divisions[0]
    assert village.counts["received"] == 2 and village.year_to_date["received"] == 5
    assert village.value("success_rate", year_to_date=True) == 66.7  # 2 of 3 mediated
    assert [c.group for c in table.division_columns][-4:] == ["年度累计"] * 4
    whole_year = official_table(world.officer_a, world.township_a, OfficialPeriod(YEAR))
    assert whole_year.subtotal.year_to_date == whole_year.subtotal.counts
    assert "年度累计" not in {c.group for c in whole_year.division_columns}


# --- scope ---------------------------------------------------------------------------


def test_another_townships_cases_are_not_counted(world, cases):
    table = official_table(world.officer_b, world.township_b, OfficialPeriod(YEAR))
    assert table.total.counts["received"] == 1
    # Township A's officer reading the whole county sees only the facts in his scope.
    county = official_table(world.officer_a, world.county, OfficialPeriod(YEAR))
    assert county.total.counts["received"] == 7
    assert [line.counts["received"] for line in county.divisions] == [7]


def test_a_region_outside_the_jurisdiction_is_not_found(world):
    with pytest.raises(Http404):
        region_for(world.officer_a, world.township_b.code)
    with pytest.raises(Http404):
        region_for(world.officer_a, "nowhere")
    assert region_for(world.officer_a) == world.township_a
    assert region_for(world.county_admin) == world.county


def test_a_grid_is_not_a_region_the_form_is_filled_in_for(world):
    with pytest.raises(ValidationError) as error:
        region_for(world.officer_a, world.grid_a1.code)
    assert "region" in error.value.message_dict


# --- periods -------------------------------------------------------------------------


def test_periods_have_their_days_and_labels():
    assert OfficialPeriod.parse("2024", "2", "") == OfficialPeriod(2024, month=2)
    february = OfficialPeriod(2024, month=2)
    assert (february.start, february.end) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert february.label == "2024年2月" and february.slug == "2024-02"
    q3 = OfficialPeriod(2023, quarter=3)
    assert (q3.start, q3.end) == (dt.date(2023, 7, 1), dt.date(2023, 9, 30))
    assert q3.label == "2023年第三季度" and q3.slug == "2023-Q3"
    year = OfficialPeriod.parse("2022")
    assert (year.start, year.end, year.label) == (
        dt.date(2022, 1, 1),
        dt.date(2022, 12, 31),
        "2022年",
    )
    assert OfficialPeriod(2022, month=12).end == dt.date(2022, 12, 31)
    assert OfficialPeriod.parse("", "", "").year == timezone.localdate().year


@pytest.mark.parametrize(
    ("year", "month", "quarter", "field", "words"),
    [
        ("abc", "", "", "year", "四位数字"),
        ("1999", "", "", "year", "2000"),
        (str(timezone.localdate().year + 1), "", "", "year", "之间"),
        ("2024", "13", "", "month", "1 至 12"),
        ("2024", "0", "", "month", "1 至 12"),
        ("2024", "x", "", "month", "1 至 12"),
        ("2024", "", "5", "quarter", "1 至 4"),
        ("2024", "3", "1", "quarter", "只能选一个"),
    ],
)
def test_a_bad_period_names_the_field(year, month, quarter, field, words):
    with pytest.raises(ValidationError) as error:
        OfficialPeriod.parse(year, month, quarter)
    assert words in error.value.message_dict[field][0]


def test_a_period_not_yet_begun_is_refused(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: dt.date(2026, 3, 15))
    for month, quarter, field in (("4", "", "month"), ("", "2", "quarter")):
        with pytest.raises(ValidationError) as error:
            OfficialPeriod.parse("2026", month, quarter)
        assert "尚未开始" in error.value.message_dict[field][0]
    assert OfficialPeriod.parse("2026", "3", "").end == dt.date(2026, 3, 31)
    assert OfficialPeriod.parse("2026", "", "1").quarter == 1


# --- the page ------------------------------------------------------------------------


def test_the_page_shows_the_table_of_the_region_and_period_asked_for(
    client, world, cases, django_assert_max_num_queries
):
    client.force_login(world.county_admin)
    with django_assert_max_num_queries(15):
        response = client.get(URL, {"region": world.county.code, "year": YEAR, "quarter": "1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "测试区矛盾纠纷排查调处情况统计表" in body
    assert f"{YEAR}年第一季度" in body
    assert "按层级" in body and "按纠纷类别" in body and "年度累计" in body
    assert "调解协议" in body and "不足50人" in body and "本期涉及人数" in body
    # The township rows open their own form for the same period.
    assert f"?region={world.township_a.code}&amp;year={YEAR}&amp;month=&amp;quarter=1" in body
    assert (
        f"region={world.county.code}&amp;year={YEAR}&amp;month=&amp;quarter=1&amp;format=xlsx"
        in (body)
    )
    table = response.context["table"]
    assert table.total.counts["received"] == 4  # three in A, one in B, in February


def test_the_page_defaults_to_this_month_of_the_users_own_area(client, world):
    client.force_login(world.officer_a)
    response = client.get(URL)
    assert response.status_code == 200
    table = response.context["table"]
    today = timezone.localdate()
    assert table.region == world.township_a
    assert table.period == OfficialPeriod(today.year, month=today.month)
    assert "甲镇矛盾纠纷排查调处情况统计表" in response.content.decode()


def test_the_region_select_lists_only_the_users_jurisdiction(client, world):
    client.force_login(world.officer_a)
    body = client.get(URL).content.decode()
    assert world.township_a.code in body and world.community_a.code in body
    assert world.township_b.name not in body and f'value="{world.county.code}"' not in body


def test_a_long_region_list_leaves_the_villages_out_but_keeps_the_one_asked_for(
    client, world, monkeypatch
):
    monkeypatch.setattr(official_forms, "MAX_OPTIONS", 3)
    client.force_login(world.county_admin)
    options = client.get(URL).context["form"]["region"].field.widget.choices
    assert [code for code, _label in options] == ["330699", "330699001", "330699002"]
    options = client.get(URL, {"region": world.community_b.code}).context["form"]
    codes = [code for code, _label in options["region"].field.widget.choices]
    assert codes == ["330699", "330699001", "330699002", "330699002001"]


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"year": "abc"}, "year", "年份应为四位数字"),
        ({"year": "2024", "month": "13"}, "month", "月份应为 1 至 12"),
        ({"year": "2024", "quarter": "9"}, "quarter", "季度应为 1 至 4"),
        ({"year": "2024", "month": "2", "quarter": "1"}, "quarter", "月份和季度只能选一个"),
        ({"region": "330699001001G01", "year": "2024"}, "region", "只能选择县"),
    ],
)
def test_bad_input_answers_400_with_the_error_beside_its_field(client, world, query, field, words):
    client.force_login(world.officer_a)
    for fmt in ("", "xlsx"):
        response = client.get(URL, {**query, "format": fmt})
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
        assert words in response.context["form"].errors[field][0]
        assert words in response.content.decode()


def test_an_unknown_download_format_is_refused(client, world):
    client.force_login(world.officer_a)
    response = client.get(URL, {"format": "pdf"})
    assert response.status_code == 400
    assert "xlsx" in response.context["form"].non_field_errors()[0]


def test_another_townships_region_answers_404(client, world, cases):
    client.force_login(world.officer_a)
    for fmt in ("", "xlsx"):
        response = client.get(URL, {"region": world.township_b.code, "format": fmt})
        assert response.status_code == 404


def test_only_those_who_may_see_figures_open_the_page(client, world):
    for user in (world.resident, world.grid_worker_a1):
        client.force_login(user)
        assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


# --- the workbook --------------------------------------------------------------------


def _workbook(client, world, **query):
    client.force_login(world.officer_a)
    response = client.get(URL, {**query, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def test_the_workbook_has_the_forms_title_and_merged_headers(client, world, cases):
    book = _workbook(client, world, region=world.township_a.code, year=YEAR, month="5")
    assert book.sheetnames == ["分类统计", "分地区统计"]
    sheet = book["分类统计"]
    assert sheet["A1"].value == "甲镇矛盾纠纷排查调处情况统计表"
    assert f"{YEAR}年5月" in sheet["A2"].value and f"{YEAR}-05-31" in sheet["A2"].value
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:O1", "A3:B4", "C3:C4", "H3:I3", "J3:M3", "A5:B5", "A6:A8", "A9:A23"} <= merged
    headers = [sheet.cell(3, c).value for c in range(1, 16)]
    assert headers[:7] == [
        "项目",
        None,
        "排查数",
        "调处数",
        "调处率（%）",
        "调处成功数",
        "调处成功率（%）",
    ]
    assert headers[7] == "调解协议" and headers[9] == "涉及人数"
    assert headers[13:] == ["防止民转刑", "防止群体性事件"]
    assert [sheet.cell(4, c).value for c in range(8, 14)] == [
        "书面",
        "口头",
        "不足50人",
        "50至100人",
        "100至500人",
        "500人以上",
    ]


def test_the_workbook_rows_hold_the_numbers(client, world, cases):
    book = _workbook(client, world, region=world.township_a.code, year=YEAR)
    sheet = book["分类统计"]
    rows = {
        (row[0].value or "", row[1].value): [c.value for c in row[2:]]
        for row in sheet.iter_rows(min_row=5, max_row=23)
    }
    assert rows[("合计", None)] == [7, 4, 57.1, 3, 75.0, 1, 2, 4, 1, 1, 1, 1, 1]
    assert rows[("按层级", "一级")][:4] == [4, 1, 25.0, 1]
    assert rows[("", "三级")] == [1, 1, 100.0, 1, 100.0, 1, 0, 1, 0, 0, 0, 1, 0]
    assert rows[("按纠纷类别", "婚姻家庭")][:5] == [1, 1, 100.0, 0, 0.0]
    assert rows[("", "医疗")][:5] == [1, 0, 0.0, 0, "—"]
    assert rows[("", "其他")][0] == 1
    assert rows[("", "损害赔偿")][0] == 1
    assert sheet.cell(5, 5).number_format == "0.0"
    notes = [sheet.cell(r, 1).value for r in range(25, sheet.max_row + 1)]
    assert notes[0] == "注：" and any("涉校 1 件" in (n or "") for n in notes)

    divisions = book["分地区统计"]
    assert divisions["A1"].value == "甲镇矛盾纠纷排查调处情况统计表"
    assert [divisions.cell(3, c).value for c in (1, 2, 7)] == ["地区", "本期", "本期涉及人数"]
    assert [c.value for c in divisions[5]] == ["甲村", 7, 4, 57.1, 3, 75.0, 4, 1, 1, 1]
    assert [c.value for c in divisions[6]] == ["小计", 7, 4, 57.1, 3, 75.0, 4, 1, 1, 1]


def test_the_workbook_of_a_month_has_the_year_to_date_block(client, world, cases):
    book = _workbook(client, world, region=world.township_a.code, year=YEAR, month="5")
    sheet = book["分地区统计"]
    assert sheet.cell(3, 11).value == "年度累计"
    assert [sheet.cell(4, c).value for c in range(11, 15)] == [
        "排查数",
        "调处数",
        "调处成功数",
        "调处成功率（%）",
    ]
    assert [c.value for c in sheet[5]] == ["甲村", 2, 1, 50.0, 1, 100.0, 2, 0, 0, 0, 5, 3, 2, 66.7]


def test_a_region_name_that_looks_like_a_formula_stays_text(client, world):
    world.township_a.name = "=HYPERLINK(1)"
    world.township_a.save()
    book = _workbook(client, world, region=world.township_a.code, year=YEAR)
    cell = book["分类统计"]["A1"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK(1)")
