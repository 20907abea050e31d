"""A county's administrator brings a people's-mediation system's cases in on a phone:
upload the file, see the check and the mapping, map an unknown category, check again,
confirm, and find the imported cases in the list. No console errors (strict CSP)."""

from __future__ import annotations

import re

import pytest

from fengqiao.disputes.models import Case
from tests.browser.conftest import htmx_settled, screenshot_dir
from tests.disputes.imports.conftest import case_row, xlsx

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None


def test_upload_check_map_commit_and_see_the_cases(world, logged_in_page, page_errors, tmp_path):
    path = tmp_path / "调解案件.xlsx"
    path.write_bytes(xlsx([case_row(1, 纠纷类别="宗族纠纷"), case_row(2)]).getvalue())
    page = logged_in_page(world.county_admin)
    page.goto("/cases/import/")
    expect(page.get_by_role("heading", name="导入人民调解案件")).to_be_visible()
    page.get_by_label(re.compile(r"^文件（\.xlsx 或 \.csv")).set_input_files(path)
    page.get_by_role("button", name="上传并检查").click()

    result = page.locator("#import-result")
    expect(result).to_contain_text("发现 1 个问题，未导入任何内容")
    expect(result).to_contain_text("未知的纠纷类别“宗族纠纷”")
    htmx_settled(page)
    page.get_by_label("“宗族纠纷”对应的本系统选项").select_option("other")
    page.get_by_role("button", name="按对照表重新检查").click()
    expect(result).to_contain_text("2 行全部通过")
    expect(result).to_contain_text("新增案件 2 件")
    htmx_settled(page)
    page.screenshot(path=screenshot_dir(tmp_path) / "case-import-checked.png", full_page=True)
    page.get_by_role("button", name="确认导入").click()
    expect(result).to_contain_text("已导入 2 行")
    assert Case.objects.filter(imported_at__isnull=False).count() == 2
    assert Case.objects.get(source_code="TJ2024000001").category == "other"

    page.get_by_role("link", name="查看案件").click()
    reference = Case.objects.get(source_code="TJ2024000002").reference
    expect(page.get_by_text(reference)).to_be_visible()
    assert page_errors == []
