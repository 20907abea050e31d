"""The registry on phones: an officer finds 张三 by typing "zs", opens his page and reveals
his ID number for a stated reason; a grid worker reports a new tenant. No console errors
anywhere (the CSP forbids inline scripts)."""

from __future__ import annotations

import pytest

from fengqiao.audit.models import AuditEvent
from fengqiao.identity import check_character
from fengqiao.registry.models import TenantReport
from tests.browser.conftest import htmx_settled, screenshot_dir
from tests.registry import conftest as registry_data

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None

# The registry's data fixture lives beside the registry's tests; named here to be found.
registry = registry_data.registry
ID_ZHANG = registry_data.ID_ZHANG
FIRST17 = "33069919950303001"
ID_TENANT = FIRST17 + check_character(FIRST17)


def test_an_officer_finds_a_resident_live_and_reveals_the_id_for_a_reason(
    world, registry, logged_in_page, page_errors, tmp_path
):
    page = logged_in_page(world.officer_a)
    page.locator("nav.mainnav").get_by_role("link", name="人口房屋").click()
    box = page.get_by_label("查找人员、地址、房屋、单位")
    expect(box).to_be_focused()
    box.press_sequentially("zs", delay=50)
    results = page.locator("#search-results")
    found = results.get_by_role("link", name="张三")
    expect(found).to_be_visible()  # no Enter pressed: the results came as one typed
    expect(results).to_contain_text("330***********0014")
    htmx_settled(page)
    found.click()

    expect(page.get_by_role("heading", name="张三")).to_be_visible()
    identity = page.locator(f"#reveal-resident{registry.zhang.pk}-id_number")
    expect(identity).to_contain_text("330***********0014")
    identity.get_by_text("查看完整号码").click()
    identity.get_by_label("查看证件号码的理由（将记录在案）").fill("核查租户身份")
    identity.get_by_role("button", name="确认查看").click()
    expect(page.locator(f"#reveal-resident{registry.zhang.pk}-id_number")).to_contain_text(ID_ZHANG)
    expect(page.locator(f"#reveal-resident{registry.zhang.pk}-phone")).to_contain_text(
        "138****5678"
    )
    page.screenshot(path=screenshot_dir(tmp_path) / "registry-revealed.png", full_page=True)
    assert AuditEvent.objects.filter(action="registry.revealed").count() == 1
    assert page_errors == []


def test_a_grid_worker_reports_a_new_tenant_from_a_phone(
    world, registry, logged_in_page, page_errors, tmp_path
):
    page = logged_in_page(world.grid_worker_a1)
    page.goto("/registry/tenants/new/")
    page.get_by_label("房屋").select_option(str(registry.house_a.pk))
    page.get_by_label("新租户入住").check()
    page.get_by_label("租户姓名").fill("王小二")
    page.get_by_label("证件号码").fill(ID_TENANT)
    page.get_by_label("手机号（可不填）").fill("13900001111")
    page.get_by_role("button", name="提交").click()

    expect(page.get_by_role("status")).to_contain_text("已提交，等待社区民警核实")
    recent = page.locator("section", has=page.get_by_role("heading", name="我最近的报告"))
    expect(recent).to_contain_text("王小二")
    expect(recent).to_contain_text("待核实")
    page.screenshot(path=screenshot_dir(tmp_path) / "registry-tenant-sent.png", full_page=True)
    assert TenantReport.objects.filter(reported_by=world.grid_worker_a1).count() == 1
    assert page_errors == []
