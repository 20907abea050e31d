"""When triage is unsure of the category the staff pages ask a person to choose among its
top choices instead of asserting one (issue 21)."""

from __future__ import annotations

from django.urls import reverse

from fengqiao import taxonomy, triage
from fengqiao.intake import services

VAGUE = "情况比较复杂，电话里说不清楚，想当面谈谈"
PLAIN = "楼上邻居每天半夜拖椅子，噪音很大，沟通了几次都不理"


def test_the_staff_form_asks_to_choose_when_triage_is_unsure(client, world):
    client.force_login(world.officer_a)
    result = triage.classify(VAGUE)
    assert result.confident is False
    unsure = client.post(reverse("intake:suggest"), {"text": VAGUE}).content.decode()
    assert "请选择类别" in unsure
    for code, _chance in result.alternatives:
        assert taxonomy.label("category", code) in unsure
    sure = client.post(reverse("intake:suggest"), {"text": PLAIN}).content.decode()
    assert "请选择类别" not in sure and taxonomy.label("category", "neighbourhood") in sure


def test_the_report_page_shows_the_choices_of_an_unsure_prediction(client, world):
    report = services.submit_report(
        channel="phone",
        kind="dispute",
        text=VAGUE,
        lon=120.005,
        lat=30.005,
        actor=world.officer_a,
    ).report
    assert report.triage["confident"] is False and report.triage["alternatives"]
    client.force_login(world.officer_a)
    page = client.get(reverse("intake:detail", args=[report.tracking_code])).content.decode()
    assert "请选择类别" in page
