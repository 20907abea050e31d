"""Two records of one person: the resident page offers them, and merging is an explicit,
reasoned act that only the police may take."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.registry import services
from fengqiao.registry.models import Resident

pytestmark = pytest.mark.django_db

# 张三 born 1980-01-01 again, under another number (a typo at registration).
OTHER_ID = "330699198001010057"


@pytest.fixture
def duplicate(world, registry):
    return services.register_resident(
        actor=world.county_admin, house=registry.house_a, name="张三", id_number=OTHER_ID
    )


def test_the_resident_page_offers_the_likely_duplicate_to_the_police(
    client, world, registry, duplicate
):
    client.force_login(world.officer_a)
    page = client.get(reverse("registry:resident", args=[registry.zhang.pk])).content.decode()
    assert "可能是同一人" in page
    assert reverse("registry:resident_merge", args=[registry.zhang.pk, duplicate.pk]) in page
    client.force_login(world.grid_worker_a1)
    page = client.get(reverse("registry:resident", args=[registry.zhang.pk])).content.decode()
    assert "可能是同一人" not in page


def test_merging_needs_a_reason_and_then_folds_the_duplicate_in(client, world, registry, duplicate):
    client.force_login(world.officer_a)
    url = reverse("registry:resident_merge", args=[registry.zhang.pk, duplicate.pk])
    client.post(url, {"reason": ""})
    assert Resident.objects.filter(pk=duplicate.pk).exists()
    client.post(url, {"reason": "登记时证件号码录错"})
    assert not Resident.objects.filter(pk=duplicate.pk).exists()
    assert AuditEvent.objects.filter(action="registry.resident.merged").count() == 1


def test_a_grid_worker_cannot_merge(client, world, registry, duplicate):
    client.force_login(world.grid_worker_a1)
    url = reverse("registry:resident_merge", args=[registry.zhang.pk, duplicate.pk])
    assert client.post(url, {"reason": "同一人"}).status_code == 403
    assert Resident.objects.filter(pk=duplicate.pk).exists()
