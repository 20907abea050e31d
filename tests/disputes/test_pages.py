"""The staff pages for cases: worklist, case page with its actions, the chief's board.

Scope is the page's first promise: officer_a sees township A's cases and nothing of B's.
Every refused action checks that nothing changed (state, timeline, audit trail).
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.disputes import services
from fengqiao.disputes.models import Case, Notification, Party
from fengqiao.intake.services import submit_report
from tests.snapshots import case_snapshot

_PHONES = itertools.count()


def _case(*, risk="yellow", lon=120.005, text="楼上每天半夜拖椅子，沟通多次没用", **extra) -> Case:
    # Graded by hand, so the pages under test do not depend on triage's reading of the text;
    # each reporter has their own phone (same last digits), so early warning stays quiet.
    extra.setdefault("level", 2 if risk == "red" else 1)
    extra.setdefault("reporter_phone", f"13{(8 + next(_PHONES)) % 10} 1234 5678")
    return submit_report(
        channel="web",
        kind="dispute",
        category="neighbourhood",
        risk=risk,
        text=text,
        lon=lon,
        lat=30.005,
        reporter_name="李大姐",
        **extra,
    ).report.case


def _act(client, case: Case, action: str, *, version=None, htmx=False, **fields):
    data = {f"{action}-version": case.version if version is None else version}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("disputes:act", args=[case.reference, action]), data, **headers)


@pytest.fixture
def cases(world):
    return _case(text="甲镇邻里噪音纠纷"), _case(lon=120.105, text="乙镇停车位纠纷")


def test_officer_sees_his_townships_cases_and_not_the_others(client, world, cases):
    case_a, case_b = cases
    client.force_login(world.officer_a)
    page = client.get(reverse("disputes:cases")).content.decode()
    assert case_a.reference in page and "甲镇邻里噪音纠纷" in page
    assert case_b.reference not in page and "乙镇停车位纠纷" not in page


def test_a_case_outside_the_jurisdiction_is_not_found(client, world, cases):
    _case_a, case_b = cases
    client.force_login(world.officer_a)
    assert client.get(reverse("disputes:case", args=[case_b.reference])).status_code == 404
    assert client.get(reverse("disputes:case", args=["330699-2000-999999"])).status_code == 404
    before = case_snapshot(case_b)
    assert _act(client, case_b, "accept").status_code == 404
    assert case_snapshot(case_b) == before


def test_a_resident_may_not_open_the_worklist(client, world, cases):
    client.force_login(world.resident)
    assert client.get(reverse("disputes:cases")).status_code == 403
    assert client.get(reverse("disputes:case", args=[cases[0].reference])).status_code == 403


def test_the_case_page_shows_clocks_parties_masked_and_the_timeline(client, world, cases):
    case_a, _ = cases
    services.add_party(
        case=case_a, actor=None, role="respondent", name="张某", id_number="11010519491231002X"
    )
    client.force_login(world.grid_worker_a1)
    page = client.get(reverse("disputes:case", args=[case_a.reference])).content.decode()
    assert "首次处置" in page and "化解时限" in page and "一个月调解期限" in page
    phone = case_a.parties.get(name="李大姐").phone.removeprefix("+86")
    assert "李大姐" in page and f"{phone[:3]}****5678" in page and phone not in page
    assert "110***********002X" in page and "11010519491231002X" not in page
    assert "登记" in page and "甲村一网格" in page and "grid_worker_a1" in page
    client.force_login(world.officer_a)
    page = client.get(reverse("disputes:case", args=[case_a.reference])).content.decode()
    assert "11010519491231002X" not in page and "110***********002X" in page
    assert f"{phone[:3]} 1234 5678" not in page and "查看完整号码" in page


def test_the_grid_worker_accepts_a_case_through_the_page(client, world, cases):
    case_a, _ = cases
    client.force_login(world.grid_worker_a1)
    page = client.get(reverse("disputes:case", args=[case_a.reference])).content.decode()
    assert reverse("disputes:act", args=[case_a.reference, "accept"]) in page
    assert reverse("disputes:act", args=[case_a.reference, "close"]) not in page
    response = _act(client, case_a, "accept", note="已电话联系双方")
    assert response.status_code == 302
    assert response["Location"] == reverse("disputes:case", args=[case_a.reference])
    case_a.refresh_from_db()
    assert case_a.state == "accepted"
    page = client.get(response["Location"]).content.decode()
    assert "已受理" in page and "已电话联系双方" in page and "已完成：受理" in page
    timeline = page[page.index("办理经过") :]
    assert timeline.index("登记") < timeline.index("已电话联系双方")


def test_an_htmx_action_answers_with_the_refreshed_case_only(client, world, cases):
    case_a, _ = cases
    client.force_login(world.grid_worker_a1)
    response = _act(client, case_a, "accept", htmx=True)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'id="case-body"' in body and "已受理" in body
    assert Case.objects.get(pk=case_a.pk).state == "accepted"


def test_an_illegal_action_is_refused_in_chinese_and_changes_nothing(client, world, cases):
    case_a, _ = cases
    client.force_login(world.officer_a)
    before = case_snapshot(case_a)
    response = _act(client, case_a, "close")
    assert response.status_code == 400
    assert "这项操作在案件当前状态下不允许" in response.content.decode()
    assert case_snapshot(case_a) == before
    response = _act(client, case_a, "close", htmx=True)
    assert response.status_code == 200 and "这项操作在案件当前状态下不允许" in (
        response.content.decode()
    )
    assert case_snapshot(case_a) == before
    # An agreement is reached by the agreement taking effect, never by a bare button.
    assert _act(client, case_a, "reach_agreement").status_code == 404
    assert case_snapshot(case_a) == before


def test_an_action_the_user_may_not_take_is_refused(client, world, cases):
    case_a, _ = cases
    client.force_login(world.grid_worker_a1)
    before = case_snapshot(case_a)
    response = _act(client, case_a, "escalate", reason="太难了")
    assert response.status_code == 403
    assert "您没有办理这个案件的权限" in response.content.decode()
    assert case_snapshot(case_a) == before


def test_a_stale_submit_is_refused_with_reload_advice(client, world, cases):
    case_a, _ = cases
    client.force_login(world.officer_a)
    stale_version = case_a.version
    services.accept_case(case=case_a, actor=world.grid_worker_a1)
    before = case_snapshot(case_a)
    case_a.refresh_from_db()
    response = _act(client, case_a, "investigate", version=stale_version)
    assert response.status_code == 409
    assert "这个案件刚刚被其他人修改过，请刷新后再操作" in response.content.decode()
    assert case_snapshot(case_a) == before


def test_a_missing_reason_is_shown_on_its_field(client, world, cases):
    case_a, _ = cases
    client.force_login(world.officer_a)
    before = case_snapshot(case_a)
    response = _act(client, case_a, "transfer", body="", reason="")
    assert response.status_code == 400 and "field-error" in response.content.decode()
    assert case_snapshot(case_a) == before


def test_escalation_and_regrade_through_the_page(client, world, cases):
    case_a, _ = cases
    client.force_login(world.officer_a)
    assert _act(client, case_a, "escalate", reason="双方情绪激动").status_code == 302
    case_a.refresh_from_db()
    assert case_a.level == 2
    assert _act(client, case_a, "regrade", risk="red", reason="").status_code == 302
    case_a.refresh_from_db()
    assert case_a.risk == "red"


def test_merge_into_a_case_outside_the_jurisdiction_is_refused(client, world, cases):
    case_a, case_b = cases
    client.force_login(world.officer_a)
    before = case_snapshot(case_a)
    response = _act(client, case_a, "merge", into=case_b.reference, reason="")
    assert response.status_code == 400
    assert "目标案件不存在" in response.content.decode()
    assert case_snapshot(case_a) == before


def test_filters_narrow_the_worklist(client, world, cases):
    case_a, _ = cases
    red = _case(risk="red", text="持刀威胁邻居")
    old = _case(text="三个月前的老纠纷")
    Case.objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(days=40))
    services.accept_case(case=case_a, actor=world.officer_a)
    # The red case's warning names it above the list; only the list is under test here.
    Notification.objects.all().delete()
    client.force_login(world.officer_a)
    url = reverse("disputes:cases")

    def listed(**params):
        page = client.get(url, params).content.decode()
        return {c.reference for c in (case_a, red, old) if c.reference in page}

    assert listed() == {case_a.reference, red.reference, old.reference}
    assert listed(risk="red") == {red.reference}
    assert listed(level="2") == {red.reference}
    assert listed(state="accepted") == {case_a.reference}
    assert listed(overdue="on") == {old.reference}
    assert listed(category="marriage_family") == set()
    assert len(listed(category="neighbourhood")) == 3
    assert listed(q="持刀") == {red.reference}
    assert listed(q=red.reference) == {red.reference}
    assert listed(q="李大姐") == {case_a.reference, red.reference, old.reference}
    assert listed(q="5678") == {case_a.reference, red.reference, old.reference}
    assert listed(q="9999") == set()
    assert listed(level="bogus") == {case_a.reference, red.reference, old.reference}


def test_overdue_means_past_a_time_limit(client, world, cases):
    case_a, _ = cases
    Case.objects.filter(pk=case_a.pk).update(received_at=timezone.now() - dt.timedelta(days=20))
    client.force_login(world.officer_a)
    page = client.get(reverse("disputes:cases"), {"overdue": "on"}).content.decode()
    assert case_a.reference in page and "超时" in page
    page = client.get(reverse("disputes:case", args=[case_a.reference])).content.decode()
    assert "已超时" in page


def test_ground_roles_start_with_their_own_cases(client, world, cases):
    case_a, _ = cases
    other = _case(text="民警承办的纠纷")
    other.handlers.set([world.officer_a.person])
    client.force_login(world.officer_a)
    page = client.get(reverse("disputes:cases")).content.decode()
    assert case_a.reference in page and other.reference in page
    client.force_login(world.grid_worker_a1)
    page = client.get(reverse("disputes:cases")).content.decode()
    assert case_a.reference in page and other.reference not in page
    assert 'value="mine" selected' in page


def test_the_worklist_answers_htmx_with_only_the_rows(client, world, cases):
    case_a, _ = cases
    client.force_login(world.officer_a)
    url = reverse("disputes:cases")
    full = client.get(url).content.decode()
    fragment = client.get(url, {"q": "噪音"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" in full and "<html" not in fragment
    assert case_a.reference in fragment and 'id="case-count"' in fragment


def test_the_worklist_pages_by_fifty(client, world):
    for n in range(52):
        _case(text=f"第{n}号邻里纠纷")
    client.force_login(world.officer_a)
    url = reverse("disputes:cases")
    first = client.get(url).content.decode()
    assert first.count('<li class="case-card') == 50 and "下一页" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('<li class="case-card') == 2


def test_the_chief_sees_red_cases_on_his_board(client, world, cases):
    red = _case(risk="red", text="持刀威胁邻居")
    red_b = _case(risk="red", lon=120.105, text="乙镇聚众堵路")
    near = _case(text="快满一个月的纠纷")
    Case.objects.filter(pk=near.pk).update(received_at=timezone.now() - dt.timedelta(days=27))
    client.force_login(world.chief)
    page = client.get(reverse("disputes:board")).content.decode()
    red_section = page[page.index("红色案件") : page.index("超时案件")]
    assert red.reference in red_section and red_b.reference not in page
    near_section = page[page.index("临近一个月调解期限") :]
    assert near.reference in near_section


def test_the_board_lists_level_three_cases_without_a_team(client, world, cases):
    case_a, _ = cases
    Case.objects.filter(pk=case_a.pk).update(level=3)
    client.force_login(world.chief)
    page = client.get(reverse("disputes:board")).content.decode()
    section = page[page.index("等待调解团队") : page.index("临近一个月调解期限")]
    assert case_a.reference in section


def test_only_supervisors_see_the_board(client, world, cases):
    client.force_login(world.officer_a)
    assert client.get(reverse("disputes:board")).status_code == 403
    client.force_login(world.county_admin)
    assert client.get(reverse("disputes:board")).status_code == 200


def test_the_nav_links_to_cases_for_staff_only(client, world):
    client.force_login(world.officer_a)
    assert reverse("disputes:cases") in client.get(reverse("home")).content.decode()
    client.force_login(world.resident)
    assert reverse("disputes:cases") not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("extra_cases", [2, 12])
def test_busy_pages_keep_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries, extra_cases
):
    for n in range(extra_cases):
        case = _case(risk=("red", "yellow", "blue")[n % 3], text=f"第{n}号纠纷，反复吵闹")
        Party.objects.create(case=case, role="respondent", name=f"被申请人{n}")
        services.accept_case(case=case, actor=world.officer_a)
        services.pause_clock(case=case, actor=world.officer_a, reason="等当事人回来")
        services.resume_clock(case=case, actor=world.officer_a)
    case = Case.objects.order_by("id").first()
    # The case page also asks early warning for related cases: a handful of queries more,
    # however many cases are related; and the ladder's panels (supervision, the county's
    # limits, hand-offs and the bodies to hand to, similar typical cases) one or two each.
    for user, url, most in [
        (world.officer_a, reverse("disputes:cases"), 20),
        (world.officer_a, reverse("disputes:cases") + "?q=5678&overdue=on", 20),
        (world.officer_a, reverse("disputes:case", args=[case.reference]), 30),
        (world.chief, reverse("disputes:board"), 20),
    ]:
        client.force_login(user)
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200
