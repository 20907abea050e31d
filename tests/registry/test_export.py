"""Export to Excel: masked numbers, the exporting user and time, the audit entry, scope."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from fengqiao.audit.models import AuditEvent
from fengqiao.registry import exports, selectors
from tests.registry.conftest import ID_LI, ID_ZHANG, PHONE_ZHANG

pytestmark = pytest.mark.django_db


def rows_of(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].values)


def test_an_export_masks_numbers_and_names_the_user_and_time(world, registry):
    content = exports.export_workbook(
        actor=world.officer_a,
        kind="residents",
        queryset=selectors.residents_for(world.officer_a),
    )
    rows = rows_of(content)
    assert rows[0][0].startswith("导出人：officer_a 导出时间：20")
    assert rows[1][:4] == ("姓名", "证件类型", "证件号码", "手机号码")
    assert rows[2][:4] == ("张三", "居民身份证", "330***********0014", "138****5678")
    flat = repr(rows)
    assert ID_ZHANG not in flat and PHONE_ZHANG not in flat
    assert load_workbook(io.BytesIO(content)).properties.creator == "officer_a"
    event = AuditEvent.objects.get(action="registry.exported")
    assert event.actor == world.officer_a and event.changes == {"kind": "residents", "rows": 1}


def test_an_export_never_reaches_outside_the_jurisdiction(world, registry):
    from fengqiao.registry.models import Resident

    # Even an unscoped queryset handed in is narrowed to the actor's jurisdiction.
    content = exports.export_workbook(
        actor=world.officer_a, kind="residents", queryset=Resident.objects.all()
    )
    assert [row[0] for row in rows_of(content)[2:]] == ["张三"]
    assert ID_LI[-4:] not in repr(rows_of(content))


def test_a_user_without_the_view_permission_cannot_export(world, registry):
    with pytest.raises(PermissionDenied):
        exports.export_workbook(
            actor=world.resident, kind="residents", queryset=selectors.residents_for(world.resident)
        )
    assert not AuditEvent.objects.filter(action="registry.exported").exists()


@pytest.mark.parametrize("kind", exports.EXPORT_KINDS)
def test_every_list_exports_from_its_page(client, world, registry, kind):
    client.force_login(world.county_admin)
    response = client.get(reverse("registry:export", args=[kind]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert rows_of(response.content)[0][0].startswith("导出人：county_admin")


def test_the_export_page_applies_the_list_filters(client, world, registry):
    client.force_login(world.county_admin)
    url = reverse("registry:export", args=["residents"])
    floating = rows_of(client.get(url, {"residence_type": "floating"}).content)
    assert [row[0] for row in floating[2:]] == ["李四"]
    within_a = rows_of(client.get(url, {"within": world.township_a.path}).content)
    assert [row[0] for row in within_a[2:]] == ["张三"]
    by_name = rows_of(client.get(url, {"q": "李四"}).content)
    assert [row[0] for row in by_name[2:]] == ["李四"]
    houses = rows_of(client.get(reverse("registry:export", args=["houses"]), {"q": "幸福"}).content)
    assert len(houses) == 2  # the house search is by owner name: none match "幸福"


def test_an_export_of_an_unknown_list_is_not_found(client, world):
    client.force_login(world.officer_a)
    assert client.get(reverse("registry:export", args=["cats"])).status_code == 404


# --- text that looks like a formula ----------------------------------------------------

FORMULA = '=HYPERLINK("http://x","y")'


def _unit_named(world, registry, name: str):
    from fengqiao.registry import services

    return services.register_establishment(
        actor=world.county_admin, address=registry.address_a, name=name, kind="shop"
    )


def test_a_name_that_looks_like_a_formula_is_exported_as_text(world, registry):
    _unit_named(world, registry, FORMULA)
    _unit_named(world, registry, "#N/A")
    content = exports.export_workbook(
        actor=world.officer_a, kind="units", queryset=selectors.establishments_for(world.officer_a)
    )
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    names = {cell.value: cell.data_type for (cell,) in sheet.iter_rows(min_row=3, max_col=1)}
    assert names == {FORMULA: "s", "#N/A": "s"}
    counts = [cell for (cell,) in sheet.iter_rows(min_row=3, min_col=9, max_col=9)]
    assert {(cell.value, cell.data_type) for cell in counts} == {(0, "n")}


def test_an_exported_formula_like_name_reads_back_through_the_import_unchanged(world, registry):
    from fengqiao.registry.imports.reading import read_rows

    _unit_named(world, registry, FORMULA)
    content = exports.export_workbook(
        actor=world.officer_a, kind="units", queryset=selectors.establishments_for(world.officer_a)
    )
    rows = list(read_rows("units", io.BytesIO(content), "实有单位.xlsx"))
    assert [row["name"] for row in rows] == [FORMULA]
