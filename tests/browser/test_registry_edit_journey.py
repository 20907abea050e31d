"""Registry editing on phones (issue 22's "done when"): a grid worker adds a resident from
the address page, the community police officer verifies it in the queue, then corrects the
new resident's phone on the resident's page. Numbers are shown masked all the way; no
console errors (the CSP forbids inline scripts)."""

from __future__ import annotations

import pytest

from fengqiao.audit.models import AuditEvent
from fengqiao.identity import check_character
from fengqiao.registry.models import RegistryChange, Resident
from tests.browser.conftest import PHONE, htmx_settled, log_in, screenshot_dir
from tests.registry import conftest as registry_data

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None

registry = registry_data.registry
FIRST17 = "33069919950303001"
ID_WANG = FIRST17 + check_character(FIRST17)


def _fits(page) -> bool:
    """Nothing wider than the phone: no sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_grid_worker_adds_a_resident_the_officer_verifies_then_corrects_the_phone(
    world, registry, page, browser, live_server, page_errors, tmp_path
):
    shots = screenshot_dir(tmp_path)
    log_in(page, "grid_worker_a1")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"/registry/addresses/{registry.address_a.pk}/")
    page.get_by_role("link", name="新增居民").click()
    expect(page.get_by_role("heading", name="新增居民")).to_be_visible()
    expect(page.get_by_label("房屋")).to_have_value(str(registry.house_a.pk))
    assert _fits(page)
    page.get_by_label("姓名").fill("王小二")
    page.get_by_label("证件号码").fill(ID_WANG[:-1] + "0")  # a wrong check digit first
    page.get_by_label("手机号（可不填）").fill("139 0000 1111")
    page.get_by_label("流动人口（人在户不在）").check()
    page.get_by_role("button", name="提交核实").click()
    expect(page.locator(".field-error")).to_contain_text("校验位")
    expect(page.get_by_label("姓名")).to_have_value("王小二")  # what was typed is kept
    # The refused form answers 400 by design; any other failure still counts below.
    assert [e for e in page_errors if "400" in e and "/registry/residents/new/" in e]
    page_errors.clear()
    page.get_by_label("证件号码").fill(ID_WANG)
    page.get_by_role("button", name="提交核实").click()
    expect(page.get_by_role("status")).to_contain_text("等待社区民警核实")
    recent = page.locator("section", has=page.get_by_role("heading", name="我最近提交的"))
    expect(recent).to_contain_text("王小二")
    expect(recent).to_contain_text("待核实")
    page.screenshot(path=shots / "registry-edit-submitted.png", full_page=True)
    assert not Resident.objects.filter(name="王小二").exists()

    officer = browser.new_context(base_url=live_server.url, **PHONE).new_page()
    officer.on("pageerror", lambda error: page_errors.append(f"page error: {error}"))
    log_in(officer, "officer_a")
    officer.wait_for_url(lambda url: "/accounts/login/" not in url)
    officer.goto("/registry/")
    officer.get_by_role("link", name="人员信息变更核实").click()
    card = officer.locator(".tenant-review", has_text="王小二")
    expect(card).to_contain_text("139****1111")
    expect(card).not_to_contain_text(ID_WANG)
    assert _fits(officer)
    card.get_by_label("核实意见（可不填）").fill("已上门核实")
    card.get_by_role("button", name="核实无误，生效").click()
    expect(officer.locator(".tenant-review", has_text="王小二")).to_contain_text("已核实")
    htmx_settled(officer)
    officer.screenshot(path=shots / "registry-edit-verified.png", full_page=True)
    wang = Resident.objects.get(name="王小二")
    assert wang.id_number == ID_WANG

    officer.goto(f"/registry/residents/{wang.pk}/")
    officer.get_by_role("link", name="修改").click()
    officer.get_by_label("新手机号").fill("137 0000 2222")
    officer.get_by_role("button", name="保存修改").click()
    expect(officer.get_by_role("status")).to_contain_text("已修改")
    expect(officer.locator(f"#reveal-resident{wang.pk}-phone")).to_contain_text("137****2222")
    officer.screenshot(path=shots / "registry-edit-corrected.png", full_page=True)
    wang.refresh_from_db()
    assert wang.phone == "+8613700002222"
    event = AuditEvent.objects.get(action="registry.resident.corrected")
    assert set(event.changes["fields"]) == {"phone"}
    assert "13700002222" not in str(event.changes)
    assert RegistryChange.objects.filter(status="applied").count() == 2
    assert page_errors == []
