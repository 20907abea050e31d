"""我的公开联系方式: only the person publishes a number of theirs; an administrator may only
take one down, with a reason; every change is audited with the numbers masked."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.org import services
from fengqiao.org.models import Person

pytestmark = pytest.mark.django_db


def _person(user) -> Person:
    return Person.objects.get(user=user)


def _events(action: str):
    return AuditEvent.objects.filter(action=action)


def test_the_owner_publishes_a_number_normalised_and_audited_masked(world):
    person = services.set_public_contact(actor=world.officer_a, phone="139 0000 1111")
    assert person.public_phone == "+8613900001111"
    assert _person(world.officer_a).public_phone == "+8613900001111"
    event = _events("org.public_contact_set").get()
    assert event.actor_id == world.officer_a.pk
    assert event.changes["public_phone"] == {"old": "", "new": "139****1111"}
    assert "13900001111" not in str(event.changes)


def test_a_landline_duty_phone_may_be_published(world):
    person = services.set_public_contact(actor=world.officer_a, phone="0575-8512 3456")
    assert person.public_phone == "+8657585123456"


def test_the_same_number_again_writes_nothing(world):
    services.set_public_contact(actor=world.officer_a, phone="13900001111")
    services.set_public_contact(actor=world.officer_a, phone="+86 139 0000 1111")
    assert _events("org.public_contact_set").count() == 1


def test_a_bad_number_is_refused_on_the_phone_field_and_nothing_changes(world):
    with pytest.raises(ValidationError) as caught:
        services.set_public_contact(actor=world.officer_a, phone="12345")
    assert "phone" in caught.value.message_dict
    assert _person(world.officer_a).public_phone == ""
    assert not _events("org.public_contact_set").exists()


def test_an_administrator_cannot_publish_someone_elses_number(world):
    victim = _person(world.officer_a)
    for actor in (world.county_admin, world.chief):
        with pytest.raises(PermissionDenied):
            services.set_public_contact(actor=actor, phone="13900001111", person=victim)
    assert _person(world.officer_a).public_phone == ""
    assert not _events("org.public_contact_set").exists()
    # The admin's own profile is untouched too.
    assert _person(world.county_admin).public_phone == ""


def test_an_account_without_a_profile_cannot_publish(world):
    with pytest.raises(PermissionDenied):
        services.set_public_contact(actor=world.resident, phone="13900001111")
    with pytest.raises(PermissionDenied):
        services.set_public_contact(actor=None, phone="13900001111")


def test_an_administrator_in_scope_may_take_a_number_down_with_a_reason(world):
    services.set_public_contact(actor=world.officer_a, phone="13900001111")
    victim = _person(world.officer_a)
    with pytest.raises(ValidationError) as caught:
        services.clear_public_contact(actor=world.county_admin, person=victim, reason=" ")
    assert "reason" in caught.value.message_dict
    assert _person(world.officer_a).public_phone == "+8613900001111"
    services.clear_public_contact(actor=world.county_admin, person=victim, reason="已调离")
    assert _person(world.officer_a).public_phone == ""
    event = _events("org.public_contact_cleared").get()
    assert event.changes["reason"] == "已调离"
    assert event.changes["public_phone"] == {"old": "139****1111", "new": ""}


def test_taking_a_number_down_needs_scope_and_permission(world):
    services.set_public_contact(actor=world.officer_a, phone="13900001111")
    victim = _person(world.officer_a)
    for actor in (world.officer_b, world.officer_a, world.resident):
        with pytest.raises(PermissionDenied):
            services.clear_public_contact(actor=actor, person=victim, reason="越界")
    assert _person(world.officer_a).public_phone == "+8613900001111"
    assert not _events("org.public_contact_cleared").exists()


# --- the page ------------------------------------------------------------------------------


def test_the_page_is_linked_from_the_user_menu(client, world):
    client.force_login(world.officer_a)
    html = client.get(reverse("home")).content.decode()
    assert reverse("org:my_contact") in html


def test_the_page_publishes_and_withdraws_ones_own_number(client, world):
    client.force_login(world.officer_a)
    url = reverse("org:my_contact")
    page = client.get(url)
    assert page.status_code == 200 and "未公开" in page.content.decode()
    response = client.post(url, {"phone": "139 0000 1111"})
    assert response.status_code == 302
    assert _person(world.officer_a).public_phone == "+8613900001111"
    assert 'href="tel:+8613900001111"' in client.get(url).content.decode()
    client.post(url, {"phone": "139 0000 1111", "withdraw": "1"})
    assert _person(world.officer_a).public_phone == ""


def test_the_page_shows_a_bad_number_next_to_the_field(client, world):
    client.force_login(world.officer_a)
    response = client.post(reverse("org:my_contact"), {"phone": "110"})
    assert response.status_code == 400
    assert "服务号码" in response.content.decode()
    assert _person(world.officer_a).public_phone == ""


def test_the_page_never_shows_the_private_phone(client, world):
    client.force_login(world.officer_a)
    private = _person(world.officer_a).phone
    html = client.get(reverse("org:my_contact")).content.decode()
    assert private and private not in html and private[3:] not in html


def test_an_account_without_a_profile_is_told_so(client, world):
    client.force_login(world.resident)
    response = client.get(reverse("org:my_contact"))
    assert "没有关联人员档案" in response.content.decode()
    assert client.post(reverse("org:my_contact"), {"phone": "13900001111"}).status_code == 403


def test_the_page_needs_a_login(client, world):
    response = client.get(reverse("org:my_contact"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_admin_shows_the_public_phone_read_only(client, world):
    services.set_public_contact(actor=world.officer_a, phone="13900001111")
    client.force_login(world.county_admin)
    person = _person(world.officer_a)
    url = reverse("admin:org_person_change", args=[person.pk])
    html = client.get(url).content.decode()
    assert 'name="public_phone"' not in html


def test_an_administrator_takes_a_number_down_from_the_persons_page(client, world):
    services.set_public_contact(actor=world.officer_a, phone="13900001111")
    person = _person(world.officer_a)
    client.force_login(world.county_admin)
    page = client.get(reverse("org:person", args=[person.pk])).content.decode()
    assert "139 0000 1111" in page and "撤下公开电话" in page
    url = reverse("org:clear_contact", args=[person.pk])
    client.post(url, {"reason": ""})
    assert _person(world.officer_a).public_phone == "+8613900001111"
    response = client.post(url, {"reason": "已调离"})
    assert response.status_code == 302
    assert _person(world.officer_a).public_phone == ""
    assert _events("org.public_contact_cleared").count() == 1


def test_taking_down_another_townships_number_is_a_404(client, world):
    services.set_public_contact(actor=world.officer_b, phone="13900002222")
    person = _person(world.officer_b)
    client.force_login(world.chief)  # station A's chief
    response = client.post(reverse("org:clear_contact", args=[person.pk]), {"reason": "越界"})
    assert response.status_code == 404
    assert _person(world.officer_b).public_phone == "+8613900002222"
    assert not _events("org.public_contact_cleared").exists()
