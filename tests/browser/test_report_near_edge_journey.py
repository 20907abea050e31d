"""A resident on a phone reports from a spot by a grid's edge: the form says it is not for
emergencies, asks which grid once the phone gives the location, and sends in one go, the
photo still attached."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fengqiao.intake.models import Report
from tests.browser.conftest import htmx_settled, screenshot_dir

pytestmark = pytest.mark.django_db(transaction=True)

NEAR_EDGE = {"longitude": 120.0099, "latitude": 30.005}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_a_point_by_the_edge_is_confirmed_before_sending(
    world, page, page_errors, cjk_font, tmp_path
):
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(NEAR_EDGE)
    page.goto("/report/")
    emergency = page.locator(".emergency")
    expect(emergency).to_contain_text("这里不受理紧急求助")
    expect(emergency.get_by_role("link", name="一键报警：拨打 110")).to_have_attribute(
        "href", "tel:110"
    )
    page.get_by_label("发生了什么").fill("路灯杆上的电线垂下来了，很危险")
    page.get_by_role("radio", name="安全隐患", exact=True).check()
    page.locator("#id_photos").set_input_files(
        files=[{"name": "wire.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_role("button", name="使用我现在的位置").click()
    question = page.locator("#chosen-grid")
    expect(question).to_contain_text("您的位置靠近网格边界")
    # The map of the village holding the point is drawn, the point marked on it.
    expect(page.locator("[data-pick-map] [data-map-mark]")).to_be_visible()
    htmx_settled(page)
    page.screenshot(path=str(screenshot_dir(tmp_path) / "report-near-edge.png"), full_page=True)
    question.get_by_label("甲村二网格").check()
    page.get_by_role("button", name="提交").click()
    expect(page.locator("h1")).to_contain_text("已收到您的反映")
    expect(page.locator(".acknowledgement")).to_contain_text("已交甲村二网格的网格员核实处理")
    report = Report.objects.get()
    assert report.grid == world.grid_a2 and report.grid_confirmed
    assert report.photos.count() == 1
    assert page_errors == []
