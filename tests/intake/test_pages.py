"""The intake pages: the public report form and status page, and staff quick intake."""

from __future__ import annotations

import re

from django.urls import reverse

from fengqiao.disputes import services as disputes
from fengqiao.intake import services
from fengqiao.intake.models import Report

KEY = "web-3f9a2c7e41"


def _public_form(**extra):
    values = {
        "kind": "dispute",
        "category": "neighbourhood",
        "text": "楼上每天半夜拖椅子，沟通多次没用",
        "address": "甲村二网格村口小卖部旁",
        "reporter_name": "王阿姨",
        "reporter_phone": "138 1234 5678",
        "client_key": KEY,
    }
    return {**values, **extra}


def _tracking_code(page: str) -> str:
    return re.search(r'class="tracking-code"[^>]*>([0-9A-Z]{10})<', page).group(1)


def _hazard(world, **extra):
    values = {
        "channel": "web",
        "kind": "hazard",
        "category": "public_safety_hazard",
        "text": "3号楼楼道里有电动车飞线充电",
        "grid_code": world.grid_a1.code,
    }
    return services.submit_report(**{**values, **extra}).report


# --- residents -------------------------------------------------------------------------


def test_the_public_form_needs_no_login_and_offers_plain_examples(client, world):
    page = client.get(reverse("intake:report")).content.decode()
    assert "矛盾纠纷" in page and "噪音、漏水" in page
    assert 'name="csrfmiddlewaretoken"' in page and 'name="client_key"' in page
    assert "甲镇" in page and "乙镇" in page


def test_a_public_submission_creates_one_report_and_shows_its_tracking_code(client, world):
    response = client.post(reverse("intake:report"), _public_form(), follow=True)
    report = Report.objects.get()
    assert report.channel == "web" and report.grid == world.grid_a2
    assert _tracking_code(response.content.decode()) == report.tracking_code
    assert reverse("intake:status", args=[report.tracking_code]) in response.content.decode()


def test_a_kiosk_submission_is_marked_as_such(client, world):
    client.post(reverse("intake:report"), _public_form(channel="kiosk"))
    assert Report.objects.get().channel == "kiosk"


def test_posting_the_same_client_key_twice_gives_the_same_tracking_code(client, world):
    first = client.post(reverse("intake:report"), _public_form(), follow=True)
    again = client.post(reverse("intake:report"), _public_form(), follow=True)
    assert _tracking_code(first.content.decode()) == _tracking_code(again.content.decode())
    assert Report.objects.count() == 1


def test_errors_are_shown_next_to_each_field_and_nothing_is_stored(client, world):
    response = client.post(
        reverse("intake:report"),
        _public_form(category="", text="吵", reporter_phone="12", address=""),
    )
    page = response.content.decode()
    assert response.status_code == 200 and Report.objects.count() == 0
    assert re.search(r'id="id_text-error">请把情况写清楚一些', page)
    assert re.search(r'id="id_reporter_phone-error">“12”是服务号码', page)
    assert "王阿姨" in page and KEY in page  # what was typed is kept


def test_a_place_outside_every_grid_is_explained_next_to_the_location(client, world):
    response = client.post(reverse("intake:report"), _public_form(lon="100.0", lat="10.0"))
    page = response.content.decode()
    assert 'id="id_lon-error"' in page and "不在本地任何网格内" in page
    assert Report.objects.count() == 0


def test_the_place_picker_lists_villages_then_grids(client, world):
    villages = client.get(reverse("intake:places"), {"township": world.township_a.code})
    assert "甲村" in villages.content.decode() and "乙社区" not in villages.content.decode()
    grids = client.get(reverse("intake:places"), {"community": world.community_a.code})
    assert "甲村一网格" in grids.content.decode() and "甲村二网格" in grids.content.decode()


def test_a_grid_chosen_in_the_picker_locates_the_report(client, world):
    client.post(
        reverse("intake:report"),
        _public_form(address="", township=world.township_a.code, grid_code=world.grid_a1.code),
    )
    assert Report.objects.get().grid == world.grid_a1


def test_an_anonymous_name_is_hidden_on_the_status_page_but_shown_to_staff(client, world):
    client.post(reverse("intake:report"), _public_form(anonymous="on"))
    report = Report.objects.get()
    public = client.get(reverse("intake:status", args=[report.tracking_code])).content.decode()
    assert "王阿姨" not in public and "13812345678" not in public
    assert "已登记" in public
    client.force_login(world.officer_a)
    staff = client.get(reverse("intake:detail", args=[report.tracking_code])).content.decode()
    assert "王阿姨" in staff and "对外匿名" in staff


def test_the_status_page_shows_no_staff_notes(client, world):
    report = services.submit_report(
        channel="web",
        kind="dispute",
        category="neighbourhood",
        text="楼上每天半夜拖椅子",
        grid_code=world.grid_a1.code,
    ).report
    disputes.accept_case(case=report.case, actor=world.grid_worker_a1, note="当事人有前科，注意")
    page = client.get(reverse("intake:status", args=[report.tracking_code])).content.decode()
    assert "已受理" in page and "前科" not in page and "grid_worker_a1" not in page


def test_feedback_and_reopen_through_the_status_page(client, world):
    report = _hazard(world)
    url = reverse("intake:status", args=[report.tracking_code])
    assert "评价办理结果" not in client.get(url).content.decode()
    services.close_report(report=report, actor=world.officer_a)
    page = client.get(url).content.decode()
    assert "评价办理结果" in page and "要求重新处理" in page

    response = client.post(url, {"action": "feedback", "feedback": "partly"})
    assert "满意度请选择 1 到 5 分" in response.content.decode()
    client.post(url, {"action": "feedback", "feedback": "partly", "satisfaction": "3"})
    report.refresh_from_db()
    assert (report.feedback, report.satisfaction) == ("partly", 3)

    response = client.post(url, {"action": "reopen", "reason": ""})
    assert 'id="id_reason-error">请说明' in response.content.decode()
    response = client.post(url, {"action": "reopen", "reason": "充电的又回来了"}, follow=True)
    report.refresh_from_db()
    assert report.reopened == 1 and report.status == "open"
    assert "您要求重新处理" in response.content.decode()


def test_an_unknown_tracking_code_says_so_in_chinese(client, world):
    response = client.get(reverse("intake:status", args=["ZZZZZZZZZZ"]))
    assert response.status_code == 404
    assert "没有找到查询码" in response.content.decode()
    lookup = client.get(reverse("intake:status_lookup"), {"code": "nope"})
    assert "没有找到查询码" in lookup.content.decode()


def test_the_lookup_form_goes_to_the_status_page(client, world):
    report = _hazard(world)
    response = client.get(reverse("intake:status_lookup"), {"code": report.tracking_code.lower()})
    assert response["Location"] == reverse("intake:status", args=[report.tracking_code])


# --- staff -----------------------------------------------------------------------------


def test_staff_intake_needs_login_and_permission(client, world):
    url = reverse("intake:new")
    assert client.get(url).status_code == 302
    client.force_login(world.resident)
    assert client.get(url).status_code == 403
    assert client.post(reverse("intake:related"), {}).status_code == 403
    assert client.get(reverse("intake:report")).status_code == 200
    client.force_login(world.officer_a)
    page = client.get(url).content.decode()
    assert 'href="/report/new/"' in page  # the nav link


def test_staff_grid_choices_exclude_township_b(client, world):
    client.force_login(world.officer_a)
    page = client.get(reverse("intake:new")).content.decode()
    assert world.grid_a1.code in page and world.grid_a2.code in page
    assert world.grid_b1.code not in page and "乙社区一网格" not in page


def test_staff_cannot_post_a_grid_outside_their_scope(client, world):
    client.force_login(world.officer_a)
    response = client.post(
        reverse("intake:new"),
        {
            "channel": "walk_in",
            "kind": "hazard",
            "text": "楼道堆放杂物堵塞通道",
            "grid_code": world.grid_b1.code,
            "client_key": KEY,
        },
    )
    assert 'id="id_grid_code-error"' in response.content.decode()
    assert Report.objects.count() == 0


def test_a_walk_in_dispute_opens_a_case_with_its_parties(client, world):
    client.force_login(world.officer_a)
    response = client.post(
        reverse("intake:new"),
        {
            "channel": "walk_in",
            "kind": "dispute",
            "category": "neighbourhood",
            "risk": "yellow",
            "text": "两户因为楼道堆物吵了起来",
            "grid_code": world.grid_a1.code,
            "applicant_name": "张三",
            "applicant_phone": "13900001111",
            "respondent_name": "李四",
            "client_key": KEY,
        },
    )
    report = Report.objects.get()
    assert report.channel == "walk_in" and report.created_by == world.officer_a
    assert {p.name for p in report.case.parties.all()} == {"张三", "李四"}
    assert response.status_code == 302
    assert (
        report.case.reference in response["Location"]
        or report.tracking_code in (response["Location"])
    )


def test_a_bad_id_number_is_shown_next_to_the_party(client, world):
    client.force_login(world.officer_a)
    response = client.post(
        reverse("intake:new"),
        {
            "channel": "phone",
            "kind": "dispute",
            "category": "neighbourhood",
            "text": "两户因为楼道堆物吵了起来",
            "grid_code": world.grid_a1.code,
            "applicant_name": "张三",
            "applicant_id": "110101199003071234",
        },
    )
    assert 'id="id_applicant_id-error">身份证号码校验位错误' in response.content.decode()
    assert Report.objects.count() == 0


def test_a_hazard_taken_by_staff_lands_on_its_report_page(client, world):
    client.force_login(world.officer_a)
    response = client.post(
        reverse("intake:new"),
        {
            "channel": "grid_report",
            "kind": "hazard",
            "text": "楼道堆放杂物堵塞通道",
            "grid_code": world.grid_a1.code,
        },
        follow=True,
    )
    report = Report.objects.get()
    assert response.redirect_chain[-1][0] == reverse("intake:detail", args=[report.tracking_code])


def test_the_staff_report_page_is_scoped(client, world):
    report = _hazard(world)
    client.force_login(world.officer_b)
    assert client.get(reverse("intake:detail", args=[report.tracking_code])).status_code == 404


def test_related_suggestions_find_same_phone_and_nearby_same_category_not_township_b(client, world):
    same_phone = _hazard(world, reporter_phone="13900001111", text="楼道里有人飞线充电")
    nearby = services.submit_report(
        channel="web",
        kind="dispute",
        category="neighbourhood",
        text="隔壁装修噪音每天到半夜",
        lon=120.0052,
        lat=30.0061,
    ).report
    far_category = services.submit_report(
        channel="web",
        kind="dispute",
        category="labour",
        text="老板拖欠三个月工资",
        lon=120.005,
        lat=30.005,
    ).report
    other_township = _hazard(
        world, grid_code=world.grid_b1.code, reporter_phone="13900001111", text="同一个电话"
    )
    client.force_login(world.officer_a)
    response = client.post(
        reverse("intake:related"),
        {
            "applicant_phone": "139 0000 1111",
            "category": "neighbourhood",
            "lon": "120.005",
            "lat": "30.005",
        },
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert "<html" not in page
    assert same_phone.tracking_code in page and "同一电话" in page
    assert nearby.tracking_code in page and "相距约" in page
    assert far_category.tracking_code not in page
    assert other_township.tracking_code not in page


def test_a_form_posted_without_a_key_comes_back_with_one(client, world):
    response = client.post(reverse("intake:report"), _public_form(client_key="", text="吵"))
    key = re.search(r'name="client_key" value="([^"]*)"', response.content.decode()).group(1)
    assert len(key) >= 8 and Report.objects.count() == 0


def test_a_tampered_key_is_replaced_with_a_fresh_one(client, world):
    response = client.post(reverse("intake:report"), _public_form(client_key="bad key!"))
    key = re.search(r'name="client_key" value="([^"]*)"', response.content.decode()).group(1)
    assert key != "bad key!" and re.fullmatch(r"[\w-]{8,64}", key)
    assert Report.objects.count() == 0


def test_related_suggestions_cost_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    for n in range(5):
        _hazard(world, reporter_phone="13900001111", text=f"楼道里有人飞线充电 {n}")
    client.force_login(world.officer_a)
    client.post(reverse("intake:related"), {"applicant_phone": "13900001111"})
    with django_assert_max_num_queries(12):
        response = client.post(reverse("intake:related"), {"applicant_phone": "13900001111"})
    assert response.content.decode().count("同一电话") == 5


def test_a_resident_who_is_not_sure_of_the_category_leaves_it_to_triage(client, world):
    client.post(reverse("intake:report"), _public_form(category=""))
    report = Report.objects.get()
    assert report.category == report.triage["category"] and report.case.category == report.category
