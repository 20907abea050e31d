"""From message to case: one action through the intake door, pre-filled, idempotent, linked
both ways, with the answer in the thread or privately to the sender."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fengqiao.community import selectors, services, to_case
from fengqiao.community.models import Message
from fengqiao.intake.models import Report


@pytest.fixture
def complaint(world, groups):
    return services.post_message(
        actor=world.resident, group=groups.building_a1, text="@社区民警 楼道堆放杂物"
    )


def test_a_message_becomes_a_report_pre_filled_and_linked_both_ways(world, groups, complaint):
    code = to_case.message_to_report(actor=world.officer_a, message=complaint)
    report = Report.objects.get(tracking_code=code)
    assert report.channel == "community_group"
    assert report.kind == "dispute" and report.case is not None
    assert "楼道堆放杂物" in report.text
    assert report.reporter_name == "李大姐"
    assert report.phone == "+8613812345678" and report.phone_masked == "138****5678"
    assert report.building == world.building_a1
    assert report.source == f"community.message:{complaint.pk}"
    # The key is the server's own (a keyed hash), not one a client could send or guess.
    guessable = {f"community-message-{complaint.pk}", f"message-{complaint.pk}"}
    assert report.client_key not in guessable and len(report.client_key) == 64
    complaint.refresh_from_db()
    assert complaint.report_code == code


def test_the_thread_hears_it_was_registered_and_only_the_sender_gets_the_code(
    world, groups, complaint
):
    code = to_case.message_to_report(actor=world.officer_a, message=complaint)
    public = Message.objects.get(kind="system", recipient__isnull=True)
    private = Message.objects.get(kind="system", recipient__isnull=False)
    assert public.thread == complaint and code not in public.text and "已登记" in public.text
    assert private.thread == complaint and code in private.text
    assert private.recipient == world.resident
    assert private not in selectors.messages_for(groups.neighbour, groups.building_a1)
    assert complaint.mentions.get().answered_at is not None


def test_the_code_on_the_converted_message_shows_to_its_sender_and_staff_only(
    client, world, groups, complaint
):
    code = to_case.message_to_report(actor=world.officer_a, message=complaint)
    url = reverse("community:group", args=[groups.building_a1.pk])
    for user, sees in ((world.resident, True), (groups.neighbour, False), (world.officer_a, True)):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert (code in page) is sees, user
        assert "已转为案件" in page


def test_a_sensitive_matter_is_answered_privately(world, groups, complaint):
    to_case.message_to_report(actor=world.officer_a, message=complaint, sensitive=True)
    note = Message.objects.get(kind="system")
    assert note.recipient == world.resident
    assert note in selectors.messages_for(world.resident, groups.building_a1)
    assert note not in selectors.messages_for(groups.neighbour, groups.building_a1)


def test_turning_it_twice_gives_the_same_report(world, groups, complaint):
    first = to_case.message_to_report(actor=world.officer_a, message=complaint)
    complaint.report_code = ""  # as if a second officer acted from a stale page
    second = to_case.message_to_report(actor=world.officer_a, message=complaint)
    assert first == second
    assert Report.objects.count() == 1


def test_residents_and_other_townships_cannot_make_cases(world, groups, complaint):
    for user in (world.resident, world.officer_b):
        with pytest.raises(PermissionDenied):
            to_case.message_to_report(actor=user, message=complaint)
    assert not Report.objects.exists()
    complaint.refresh_from_db()
    assert complaint.report_code == ""


def test_a_community_group_over_several_grids_asks_for_the_grid(world, groups):
    message = services.post_message(
        actor=world.resident, group=groups.village_a, text="路灯坏了很久"
    )
    with pytest.raises(ValidationError) as caught:
        to_case.message_to_report(actor=world.officer_a, message=message)
    assert "grid_code" in caught.value.message_dict
    code = to_case.message_to_report(
        actor=world.officer_a, message=message, kind="hazard", grid_code=world.grid_a2.code
    )
    assert Report.objects.get(tracking_code=code).grid == world.grid_a2


def test_a_thread_brings_its_replies_along(world, groups, complaint):
    services.post_message(
        actor=groups.neighbour, group=groups.building_a1, text="还挡住了消防通道", thread=complaint
    )
    code = to_case.message_to_report(actor=world.officer_a, message=complaint)
    assert "王阿姨：还挡住了消防通道" in Report.objects.get(tracking_code=code).text


def test_one_click_on_the_page_makes_the_case_and_shows_the_thread(
    world, groups, complaint, client
):
    client.force_login(world.officer_a)
    response = client.post(reverse("community:to_case", args=[complaint.pk]), {"kind": "dispute"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "已登记为案件" in page
    assert Report.objects.count() == 1


def test_the_page_shows_the_grid_question_when_it_cannot_place_the_matter(world, groups, client):
    message = services.post_message(
        actor=world.resident, group=groups.village_a, text="路灯坏了很久"
    )
    client.force_login(world.officer_a)
    response = client.post(reverse("community:to_case", args=[message.pk]), {"kind": "dispute"})
    assert response.status_code == 400
    assert "请选择事发网格" in response.content.decode()
    assert not Report.objects.exists()


def test_the_report_page_leads_back_to_the_message_in_its_thread(world, groups, complaint, client):
    code = to_case.message_to_report(actor=world.officer_a, message=complaint)
    client.force_login(world.officer_a)
    page = client.get(reverse("intake:detail", args=[code])).content.decode()
    link = reverse("community:message", args=[complaint.pk])
    assert link in page
    answer = client.get(link)
    assert answer["Location"] == reverse(
        "community:thread", args=[groups.building_a1.pk, complaint.pk]
    )
    client.force_login(world.officer_b)
    assert client.get(link).status_code == 404
