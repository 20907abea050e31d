"""The NBS 12-digit statistical code (统计用区划代码) of townships, villages and
communities: validated on the region, and accepted by the registry import beside our code."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from fengqiao.places.models import Region
from fengqiao.registry.imports import run_import
from fengqiao.registry.models import Resident
from tests.disputes.imports.conftest import chief_b  # noqa: F401 (fixture)
from tests.registry.conftest import ID_ZHANG

pytestmark = pytest.mark.django_db

NEW_ID = "330699198001010030"


@pytest.fixture
def coded(world):
    world.township_a.stat_code = "330699001000"
    world.township_a.full_clean()
    world.township_a.save()
    world.community_a.stat_code = "330699001201"
    world.community_a.full_clean()
    world.community_a.save()
    return world


@pytest.mark.parametrize(
    ("region", "code", "words"),
    [
        ("community_a", "33069900120", "12 位数字"),
        ("community_a", "3306990012011", "12"),
        ("community_a", "33069900120X", "12 位数字"),
        ("community_a", "110101001201", "前 6 位"),
        ("community_a", "330699002201", "前 9 位"),
        ("community_a", "330699001000", "末 3 位不能是 000"),
        ("township_a", "330699001201", "末 3 位应是 000"),
        ("county", "330699000000", "只有乡镇"),
        ("grid_a1", "330699001201", "只有乡镇"),
    ],
)
def test_a_malformed_statistical_code_is_refused(coded, region, code, words):
    record = getattr(coded, region)
    record.stat_code = code
    with pytest.raises(ValidationError) as caught:
        record.full_clean()
    assert words in caught.value.message_dict["stat_code"][0]


def test_a_statistical_code_belongs_to_one_region(coded):
    coded.community_b.stat_code = "330699001201"
    with pytest.raises(ValidationError):
        coded.community_b.validate_constraints()


def test_the_region_page_shows_the_statistical_code(client, coded):
    from django.urls import reverse

    client.force_login(coded.officer_a)
    page = client.get(reverse("places:region", args=[coded.community_a.code]))
    assert "330699001201" in page.content.decode()
    found = client.get(reverse("places:regions"), {"q": "330699001201"})
    assert "甲村" in found.content.decode()


def residents_file(rows: list[dict]) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    headers = ["姓名", "证件号码", "住址", "村（社区）代码"]
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header, "") for header in headers])
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


def import_residents(actor, rows: list[dict], *, commit: bool = True):
    return run_import(
        actor=actor,
        kind="residents",
        file_obj=residents_file(rows),
        filename="people.xlsx",
        commit=commit,
    )


@pytest.mark.parametrize("code", ["330699001201", "330699001001", "330699001000"])
def test_the_import_takes_the_statistical_code_or_ours(coded, registry, code):
    # The address leaves out the village: the code names it.
    report = import_residents(
        coded.officer_a,
        [{"姓名": "王五", "证件号码": NEW_ID, "住址": "3组12号", "村（社区）代码": code}],
    )
    assert report.committed, report.lines()
    assert Resident.objects.get(name="王五").house.address == registry.address_a


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("33069900120", "应是 12 位数字"),
        ("3306990012011", "应是 12 位数字"),
        ("110101001201", "前 6 位不是"),
        ("330699002001", "不存在或不在您的辖区内"),  # township B's community
        ("330699001299", "不存在或不在您的辖区内"),
    ],
)
def test_a_bad_region_code_is_a_row_error_and_nothing_is_written(coded, registry, code, words):
    before = Resident.objects.count()
    report = import_residents(
        coded.officer_a,
        [{"姓名": "王五", "证件号码": NEW_ID, "住址": "3组12号", "村（社区）代码": code}],
    )
    assert not report.committed
    assert [(e.row, e.field) for e in report.errors] == [(2, "村（社区）代码")]
    assert words in report.errors[0].message
    assert Resident.objects.count() == before


def test_an_address_outside_the_coded_village_is_not_found_there(coded, registry):
    report = import_residents(
        coded.officer_a,
        [
            {
                "姓名": "王五",
                "证件号码": NEW_ID,
                "住址": "人民路8号",
                "村（社区）代码": "330699001201",
            }
        ],
    )
    assert [e.field for e in report.errors] == ["住址"]
    assert "甲村" in report.errors[0].message


def test_an_address_row_whose_grid_is_outside_the_code_is_refused(coded):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["网格编码", "地址", "村（社区）代码"])
    sheet.append(["330699001001G01", "5组1号", "330699001000"])
    sheet.append(["330699001001G01", "5组2号", Region.objects.get(code="330699001").code])
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    report = run_import(
        actor=coded.county_admin, kind="addresses", file_obj=out, filename="a.xlsx", commit=False
    )
    assert report.ok, report.lines()
    sheet.append(["330699001001G01", "5组3号", "330699002001"])
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    report = run_import(
        actor=coded.county_admin, kind="addresses", file_obj=out, filename="a.xlsx", commit=False
    )
    assert [(e.row, e.field) for e in report.errors] == [(4, "村（社区）代码")]
    assert "不在" in report.errors[0].message


def test_masked_numbers_name_the_column(coded, registry):
    report = import_residents(
        coded.officer_a, [{"姓名": "王五", "证件号码": "330***********0030", "住址": "3组12号"}]
    )
    assert [(e.field, e.message) for e in report.errors] == [("证件号码", "号码已脱敏，无法导入")]
    assert ID_ZHANG  # the fixture's resident is untouched


# --- the case import's 行政区划 --------------------------------------------------------


def test_the_case_import_reads_a_region_code_in_its_place_column(world, chief_b):  # noqa: F811
    from fengqiao.disputes.models import Case
    from tests.disputes.imports.conftest import case_row, run

    world.community_b.stat_code = "330699002101"
    world.community_b.full_clean()
    world.community_b.save()
    rows = [
        case_row(1, 行政区划="330699002101", 调解组织="乙镇人民调解委员会"),  # 12-digit code
        case_row(2, 行政区划="330699002001", 调解组织="乙镇人民调解委员会"),  # our code
        case_row(3, 行政区划="330699002001G01", 调解组织="乙镇人民调解委员会"),  # a grid
    ]
    report = run(chief_b, rows)
    assert report.ok and report.committed, report.lines()
    assert {case.grid for case in Case.objects.all()} == {world.grid_b1}


def test_a_code_inside_a_longer_number_names_no_place():
    from fengqiao.places.place_names import PlaceNames, RegionRow

    names = PlaceNames(
        [
            RegionRow(1, "330699", "测试区", "county", "/330699/", None),
            RegionRow(2, "330699199", "丙镇", "township", "/330699/330699199/", 1, "330699199000"),
            RegionRow(3, "330699199201", "丙村", "community", "/330699/330699199/330699199201/", 2),
            RegionRow(4, "G1", "丙村一网格", "grid", "/330699/330699199/330699199201/G1/", 3),
        ]
    )
    assert names.find("330699199201").grid_id == 4
    assert names.find("丙镇 330699199201 门口").grid_id == 4
    assert names.find("当事人 330699199201011234").grid_id is None
