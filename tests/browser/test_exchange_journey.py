"""A community police officer takes the residents' exchange file on the page: asked for a
reason before full numbers, then the download, audited. No console errors (strict CSP)."""

from __future__ import annotations

import pytest

from fengqiao.audit.models import AuditEvent
from tests.browser.conftest import screenshot_dir
from tests.registry.conftest import ID_ZHANG, registry  # noqa: F401 (the registry fixture)

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None


def test_export_residents_with_full_numbers_for_a_reason(
    world,
    registry,  # noqa: F811
    logged_in_page,
    page_errors,
    tmp_path,
):
    page = logged_in_page(world.officer_a)
    page.goto("/registry/import/")
    page.get_by_role("link", name="导出交换文件（一标三实、GB/T 31000）").click()
    expect(page.get_by_role("heading", name="导出交换文件")).to_be_visible()
    page.get_by_label("实有人口").check()
    page.get_by_label("CSV", exact=True).check()
    page.get_by_label("导出完整证件号码和电话").check()
    page.get_by_role("button", name="导出").click()
    expect(page.get_by_text("导出完整号码须写明理由（至少 4 个字）")).to_be_visible()
    assert not AuditEvent.objects.filter(action="registry.exchange_exported").exists()
    page.screenshot(path=screenshot_dir(tmp_path) / "exchange-reason.png", full_page=True)

    page.get_by_label("导出完整号码的理由").fill("省厅一标三实数据上报")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出").click()
    path = tmp_path / "residents.csv"
    download.value.save_as(path)
    text = path.read_bytes().decode("utf-8-sig")
    assert ID_ZHANG in text and "李四" not in text
    event = AuditEvent.objects.get(action="registry.exchange_exported")
    assert event.changes["revealed"] and event.changes["reason"] == "省厅一标三实数据上报"
    # The refused form answers 400 on purpose; nothing else failed.
    assert [e for e in page_errors if "HTTP 400 from" not in e] == []
    assert len(page_errors) == 1
