"""The group pages through the test client: the list with unread counts, the chat and its
poll, posting with and without htmx, threads, members, invite, inbox; scope by 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fengqiao.community import services
from fengqiao.community.models import Message


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_the_group_list_shows_a_residents_groups_with_unread_counts(world, groups, as_user):
    services.post_message(actor=groups.neighbour, group=groups.village_a, text="今晚停水")
    page = as_user(world.resident).get(reverse("community:groups")).content.decode()
    assert "甲村居民群" in page and "甲村1号楼栋群" in page
    assert "乙社区居民群" not in page
    assert "1 条未读" in page


def test_staff_see_the_groups_of_their_jurisdiction(world, groups, as_user):
    page = as_user(world.chief).get(reverse("community:groups")).content.decode()
    assert "甲村居民群" in page and "乙社区居民群" not in page


def test_the_group_list_leads_staff_to_broadcasts_and_alerts_and_residents_to_neither(
    world, groups, as_user
):
    officer = as_user(world.officer_a).get(reverse("community:groups")).content.decode()
    assert reverse("community:broadcasts") in officer and reverse("community:alerts") in officer
    resident = as_user(world.resident).get(reverse("community:groups")).content.decode()
    assert reverse("community:broadcasts") not in resident
    assert reverse("community:alerts") not in resident


def test_a_group_outside_reach_is_a_404(world, groups, as_user):
    client = as_user(world.resident)
    assert client.get(reverse("community:group", args=[groups.community_b.pk])).status_code == 404
    response = client.post(
        reverse("community:post", args=[groups.community_b.pk]), {"text": "你好"}
    )
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_the_chat_masks_numbers_for_residents_and_not_for_staff(world, groups, as_user):
    services.post_message(
        actor=groups.neighbour, group=groups.village_a, text="有事打我电话13812345678"
    )
    url = reverse("community:group", args=[groups.village_a.pk])
    assert "138****5678" in as_user(world.resident).get(url).content.decode()
    assert "13812345678" in as_user(world.officer_a).get(url).content.decode()


def test_posting_without_javascript_redirects_to_the_chat(world, groups, as_user):
    client = as_user(world.resident)
    response = client.post(
        reverse("community:post", args=[groups.village_a.pk]),
        {"text": "楼下的车挡路了", "client_id": "form-0001"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#latest")
    assert Message.objects.get().text == "楼下的车挡路了"


def test_posting_with_htmx_returns_a_fresh_form_and_triggers_a_poll(world, groups, as_user):
    client = as_user(world.resident)
    url = reverse("community:post", args=[groups.village_a.pk])
    data = {"text": "你好", "client_id": "form-0002"}
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "community-posted"
    assert "form-0002" not in response.content.decode()
    client.post(url, data, HTTP_HX_REQUEST="true")  # a double tap
    assert Message.objects.count() == 1


def test_an_empty_message_comes_back_with_the_error_by_the_field(world, groups, as_user):
    client = as_user(world.resident)
    url = reverse("community:post", args=[groups.village_a.pk])
    response = client.post(url, {"text": " "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "请输入消息内容" in response.content.decode()
    response = client.post(url, {"text": " "})
    assert response.status_code == 400
    assert "请输入消息内容" in response.content.decode()


def test_a_role_chosen_in_the_picker_becomes_a_mention(world, groups, as_user):
    client = as_user(world.resident)
    client.post(
        reverse("community:post", args=[groups.village_a.pk]),
        {"text": "楼道堆放杂物", "mention_role": "社区民警"},
    )
    message = Message.objects.get()
    assert message.text == "@社区民警 楼道堆放杂物"
    assert message.mentions.get().recipient == world.officer_a


def test_the_poll_returns_only_newer_messages_or_nothing(world, groups, as_user):
    first = services.post_message(actor=groups.neighbour, group=groups.village_a, text="第一条")
    client = as_user(world.resident)
    url = reverse("community:poll", args=[groups.village_a.pk])
    assert client.get(url, {"after": first.pk}).status_code == 204
    second = services.post_message(actor=groups.neighbour, group=groups.village_a, text="第二条")
    page = client.get(url, {"after": first.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert "第二条" in page and "第一条" not in page
    assert f"after={second.pk}" in page


def test_the_busy_chat_page_keeps_a_fixed_number_of_queries(
    world, groups, as_user, django_assert_max_num_queries, settings
):
    settings.FENGQIAO_COMMUNITY_RATE_LIMIT = {"messages": 100}
    for n in range(30):
        root = services.post_message(actor=groups.neighbour, group=groups.village_a, text=f"{n}")
        Message.objects.create(
            group=groups.village_a, author_name="王阿姨", text="回复", thread=root
        )
    client = as_user(world.officer_a)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("community:group", args=[groups.village_a.pk])).status_code == 200


def test_the_member_list_is_hidden_from_residents_unless_the_group_allows(world, groups, as_user):
    url = reverse("community:members", args=[groups.village_a.pk])
    assert "王阿姨" not in as_user(world.resident).get(url).content.decode()
    assert "王阿姨" in as_user(world.officer_a).get(url).content.decode()
    groups.village_a.members_visible = True
    groups.village_a.save()
    assert "王阿姨" in as_user(world.resident).get(url).content.decode()


def test_staff_get_the_invitation_link_and_residents_do_not(world, groups, as_user):
    url = reverse("community:invite", args=[groups.village_a.pk])
    page = as_user(world.officer_a).get(url).content.decode()
    assert groups.village_a.invite_token in page
    assert as_user(world.resident).get(url).status_code == 404


def test_the_invitation_page_draws_a_qr_code_of_the_join_link(world, groups, as_user):
    import segno

    page = (
        as_user(world.officer_a)
        .get(reverse("community:invite", args=[groups.village_a.pk]))
        .content.decode()
    )
    link = "http://testserver" + reverse("community:join", args=[groups.village_a.invite_token])
    assert segno.make(link, error="m").svg_inline(scale=6, dark="#000", light="#fff") in page


def test_the_inbox_lists_mentions_with_their_clock(world, groups, as_user):
    services.post_message(actor=world.resident, group=groups.village_a, text="@社区民警 有人吵架")
    page = as_user(world.officer_a).get(reverse("community:inbox")).content.decode()
    assert "有人吵架" in page and "前回复" in page


def test_the_nav_badge_sums_unread_messages(world, groups, as_user):
    services.post_message(actor=groups.neighbour, group=groups.village_a, text="一")
    services.post_message(actor=groups.neighbour, group=groups.building_a1, text="二")
    page = as_user(world.resident).get(reverse("community:unread")).content.decode()
    assert ">2<" in page


def test_the_worklist_and_board_show_overdue_mentions(world, groups, as_user):
    message = services.post_message(
        actor=world.resident, group=groups.village_a, text="@社区民警 有人吵架"
    )
    mention = message.mentions.get()
    mention.due_at = mention.due_at.replace(year=2020)
    mention.save()
    worklist = as_user(world.officer_a).get(reverse("disputes:cases")).content.decode()
    assert "超时未回复的群消息@" in worklist and "有人吵架" in worklist
    board = as_user(world.chief).get(reverse("disputes:board")).content.decode()
    assert "有人吵架" in board


def test_an_officer_creates_a_building_group_and_lands_on_its_invitation(world, as_user):
    from fengqiao.community.models import Group

    client = as_user(world.officer_a)
    answer = client.post(
        reverse("community:group-new"),
        {
            "name": "甲村1号楼栋群",
            "level": "building",
            "region": world.grid_a1.pk,
            "building": world.building_a1.pk,
        },
    )
    group = Group.objects.get(name="甲村1号楼栋群")
    assert answer.status_code == 302
    assert answer["Location"] == reverse("community:invite", args=[group.pk])
    assert group.members.get().user == world.officer_a


def test_a_group_cannot_be_created_outside_the_area_or_by_a_resident(world, as_user):
    from fengqiao.community.models import Group

    form = {"name": "乙社区群", "level": "community", "region": world.community_b.pk}
    answer = as_user(world.officer_a).post(reverse("community:group-new"), form)
    assert answer.status_code == 400 and "所属社区或网格" in answer.content.decode()
    assert as_user(world.resident).get(reverse("community:group-new")).status_code == 403
    assert not Group.objects.exists()


def test_a_building_group_without_a_building_is_refused_next_to_the_field(world, as_user):
    form = {"name": "楼栋群", "level": "building", "region": world.grid_a1.pk}
    page = as_user(world.officer_a).post(reverse("community:group-new"), form).content.decode()
    assert "楼栋群请选择楼栋" in page
