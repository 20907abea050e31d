"""A care visit sent twice with the same client key (a form queued without a signal and sent
again, or a double tap) is stored once; from another person the key is a new visit."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from fengqiao.registry import care
from fengqiao.registry.models import CareVisit

pytestmark = pytest.mark.django_db

KEY = "care-visit-key-0001"


@pytest.fixture
def record(world, registry):
    return care.enrol_key_person(
        actor=world.officer_a, resident=registry.zhang, kind="elderly_alone"
    )


def _visit(**extra):
    return {"method": "home", "visited_on": "", "finding": "本人在家，身体尚好"} | extra


def test_the_same_key_twice_from_the_page_makes_one_visit(client, world, record):
    client.force_login(world.officer_a)
    url = reverse("registry:care", args=[record.pk])
    first = client.post(url, _visit(client_key=KEY))
    again = client.post(url, _visit(client_key=KEY))
    assert first.status_code == again.status_code == 302
    assert CareVisit.objects.filter(key_person=record).count() == 1


def test_the_page_gives_each_form_a_key_and_a_key_is_the_senders_own(world, record):
    page_key = 'name="client_key"'
    client = Client()
    client.force_login(world.officer_a)
    page = client.get(reverse("registry:care", args=[record.pk])).content.decode()
    assert page_key in page and "data-offline-queue" in page
    first = care.record_care_visit(
        actor=world.officer_a,
        key_person=record,
        method="home",
        finding="本人在家，身体尚好",
        client_key=KEY,
    )
    same = care.record_care_visit(
        actor=world.officer_a,
        key_person=record,
        method="phone",
        finding="电话里说一切都好",
        client_key=KEY,
    )
    assert same.pk == first.pk and same.method == "home"
    chief = get_user_model().objects.get(username="chief")
    other = care.record_care_visit(
        actor=chief,
        key_person=record,
        method="phone",
        finding="电话里说一切都好",
        client_key=KEY,
    )
    assert other.pk != first.pk
    assert CareVisit.objects.filter(key_person=record).count() == 2


def test_without_a_key_each_send_is_a_visit(world, record):
    for _ in range(2):
        care.record_care_visit(
            actor=world.officer_a, key_person=record, method="home", finding="本人在家，身体尚好"
        )
    assert CareVisit.objects.filter(key_person=record).count() == 2
