"""The exchange export's command and page: arguments checked, files written, refusals."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from fengqiao.audit.models import AuditEvent
from tests.registry.conftest import ID_ZHANG

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("export_exchange", *args, stdout=out)
    return out.getvalue()


def test_the_command_writes_a_masked_file_as_the_user(world, registry, tmp_path):
    target = tmp_path / "people.csv"
    said = run("residents", "--user", "officer_a", "--format", "csv", "--output", str(target))
    assert str(target) in said
    text = target.read_bytes().decode("utf-8-sig")
    assert "张三" in text and "李四" not in text and ID_ZHANG not in text
    event = AuditEvent.objects.get(action="registry.exchange_exported")
    assert event.actor == world.officer_a and event.changes["revealed"] is False


def test_the_command_reveals_with_a_reason(world, registry, tmp_path):
    target = tmp_path / "people.xlsx"
    run(
        "residents",
        "--user",
        "officer_a",
        "--output",
        str(target),
        "--reveal-reason",
        "省厅数据上报",
    )
    sheet = load_workbook(target, read_only=True).worksheets[0]
    assert ID_ZHANG in repr(list(sheet.values))
    assert AuditEvent.objects.get(action="registry.exchange_exported").changes["revealed"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["cats", "--user", "officer_a"], "未知的交换文件类型"),
        (["residents", "--user", "officer_a", "--format", "xls"], "格式只能是"),
        (["residents", "--user", "officer_a", "--format", "csv", "--encoding", "big5"], "编码"),
        (["residents", "--user", "nobody"], "没有这个用户"),
        (["residents", "--user", "resident"], "没有导出交换文件的权限"),
        (["residents", "--user", "officer_a", "--area", "330699002001"], "不在您的辖区内"),
        (["residents", "--user", "officer_a", "--reveal-reason", "上报"], "至少 4 个字"),
        (["residents", "--user", "county_admin", "--reveal-reason", "省厅数据上报"], "权限"),
    ],
)
def test_the_command_refuses_bad_arguments(world, registry, tmp_path, args, words):
    with pytest.raises(CommandError) as caught:
        run(*args, "--output", str(tmp_path / "x.xlsx"))
    assert words in str(caught.value)
    assert not (tmp_path / "x.xlsx").exists()
    assert not AuditEvent.objects.filter(action="registry.exchange_exported").exists()


def test_the_page_offers_what_the_user_may_export(client, world, registry):
    client.force_login(world.officer_a)
    page = client.get(reverse("registry:exchange"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "标准地址" in body and "矛盾纠纷" in body and "导出完整号码的理由" in body


@pytest.mark.parametrize("who", ["resident", "grid_worker_a1"])
def test_the_page_is_refused_to_residents_and_ground_workers(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("registry:exchange")).status_code == 403
    assert client.post(reverse("registry:exchange"), {"kind": "residents"}).status_code == 403


def test_the_page_downloads_the_file(client, world, registry):
    client.force_login(world.officer_a)
    response = client.post(
        reverse("registry:exchange"), {"kind": "residents", "file_format": "csv", "encoding": "gbk"}
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "张三" in response.content.decode("gb18030")


def test_the_page_asks_for_a_reason_to_reveal(client, world, registry):
    client.force_login(world.officer_a)
    response = client.post(
        reverse("registry:exchange"),
        {"kind": "residents", "file_format": "xlsx", "encoding": "utf-8", "reveal": "on"},
    )
    assert response.status_code == 400
    assert "导出完整号码须写明理由" in response.content.decode()
    assert not AuditEvent.objects.filter(action="registry.exchange_exported").exists()


def test_the_import_page_links_to_the_exchange_export(client, world):
    client.force_login(world.officer_a)
    assert reverse("registry:exchange") in client.get(reverse("registry:import")).content.decode()
