"""Groups: created by staff in their jurisdiction, listed by scope, joined by invitation
with a phone code (hashed, expiring, a few attempts)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from fengqiao import sealing
from fengqiao.community import selectors, services, sms
from fengqiao.community.models import Group, JoinConfirmation, Member


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()


def last_code() -> str:
    return re.search(r"\d{6}", sms.outbox[-1][1]).group(0)


def test_an_officer_creates_a_building_group_and_joins_it(world):
    group = services.create_group(
        actor=world.officer_a,
        name="甲村1号楼",
        level="building",
        region=world.grid_a1,
        building=world.building_a1,
    )
    assert group.scope_path == world.grid_a1.path
    assert Member.objects.get(group=group, user=world.officer_a).role == "community_police"


def test_a_group_outside_the_jurisdiction_is_refused(world):
    with pytest.raises(PermissionDenied):
        services.create_group(
            actor=world.officer_a, name="乙社区群", level="community", region=world.community_b
        )
    assert not Group.objects.exists()


def test_a_building_group_needs_its_building(world):
    with pytest.raises(ValidationError) as caught:
        services.create_group(
            actor=world.officer_a, name="楼栋群", level="building", region=world.grid_a1
        )
    assert "building" in caught.value.message_dict


def test_residents_see_their_groups_and_staff_their_jurisdiction(world, groups):
    assert set(selectors.groups_for(world.resident)) == {groups.village_a, groups.building_a1}
    assert set(selectors.groups_for(world.officer_b)) == {groups.community_b}
    assert set(selectors.groups_for(world.chief)) == {groups.village_a, groups.building_a1}
    # The grid worker sits in the community group, above their grid: membership opens it.
    assert groups.village_a in selectors.groups_for(world.grid_worker_a1)


def test_a_group_out_of_reach_is_a_404(world, groups):
    with pytest.raises(Http404):
        selectors.get_group_for(world.resident, groups.community_b.pk)
    with pytest.raises(Http404):
        selectors.get_group_for(world.officer_a, groups.community_b.pk)


def test_joining_sends_a_code_kept_only_as_a_hash(
    world, groups, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        confirmation = services.start_join(
            group=groups.village_a, display_name="赵大爷", phone="139 0000 2222"
        )
    code = last_code()
    assert sms.outbox[-1][0] == "+8613900002222"
    assert code not in confirmation.code_hash
    member = services.confirm_join(confirmation=confirmation, code=code)
    assert member.display_name == "赵大爷" and member.role == "resident"
    # One account per phone, named by a keyed hash: no number in the name or in the clear.
    assert member.user.username == services.resident_username("+8613900002222")
    assert "13900002222" not in member.user.username
    assert member.phone == "+8613900002222" and member.phone_masked == "139****2222"
    assert "13900002222" not in member.phone_sealed
    assert groups.village_a in selectors.groups_for(member.user)


def test_a_wrong_code_counts_attempts_and_then_locks(world, groups):
    confirmation = services.start_join(
        group=groups.village_a, display_name="赵大爷", phone="13900002222"
    )
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(ValidationError) as caught:
            services.confirm_join(confirmation=confirmation, code="000000x")
        assert f"{left} 次" in caught.value.message_dict["code"][0]
    with pytest.raises(ValidationError) as caught:
        services.confirm_join(confirmation=confirmation, code="123456")
    assert "输错次数太多" in caught.value.message_dict["code"][0]
    assert not Member.objects.filter(phone_hash=sealing.digest("+8613900002222")).exists()


def test_an_expired_code_is_refused(world, groups, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        confirmation = services.start_join(
            group=groups.village_a, display_name="赵大爷", phone="13900002222"
        )
    JoinConfirmation.objects.filter(pk=confirmation.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    confirmation.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.confirm_join(confirmation=confirmation, code=last_code())
    assert "过期" in caught.value.message_dict["code"][0]


def test_a_bad_phone_is_refused_by_the_field(world, groups):
    with pytest.raises(ValidationError) as caught:
        services.start_join(group=groups.village_a, display_name="赵大爷", phone="110")
    assert "phone" in caught.value.message_dict


def test_the_join_page_takes_a_phone_then_a_code_and_logs_the_resident_in(
    world, groups, client, django_capture_on_commit_callbacks
):
    url = reverse("community:join", args=[groups.village_a.invite_token])
    assert "获取验证码" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"step": "phone", "display_name": "赵大爷", "phone": "13900002222"}
        )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "尾号 2222" in page
    response = client.post(url, {"step": "code", "code": "999999x"})
    assert response.status_code == 400 and "验证码不对" in response.content.decode()
    response = client.post(url, {"step": "code", "code": last_code()})
    assert response["Location"] == reverse("community:group", args=[groups.village_a.pk])
    assert client.get(response["Location"]).status_code == 200


def test_an_unknown_invitation_is_a_404(client, db):
    assert client.get(reverse("community:join", args=["nope"])).status_code == 404
