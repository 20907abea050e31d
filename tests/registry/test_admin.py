"""The registry and reports in the admin: readable, scoped and masked, never written there."""

from __future__ import annotations

from django.urls import reverse

from fengqiao.registry.models import Resident
from tests.registry.conftest import ID_ZHANG, PHONE_ZHANG


def test_the_chief_reads_a_resident_masked_and_cannot_change_it(client, world, registry):
    client.force_login(world.chief)
    listing = client.get(reverse("admin:registry_resident_changelist"))
    page = client.get(reverse("admin:registry_resident_change", args=[registry.zhang.pk]))
    for response in (listing, page):
        body = response.content.decode()
        assert response.status_code == 200
        assert registry.zhang.id_masked in body
        assert ID_ZHANG not in body and PHONE_ZHANG not in body
    assert "李四" not in listing.content.decode()  # township B's resident
    before = Resident.objects.get(pk=registry.zhang.pk).name
    response = client.post(
        reverse("admin:registry_resident_change", args=[registry.zhang.pk]), {"name": "改名"}
    )
    assert response.status_code == 403
    assert Resident.objects.get(pk=registry.zhang.pk).name == before
    assert client.get(reverse("admin:registry_resident_add")).status_code == 403


def test_key_populations_need_the_sensitive_permission(client, world, registry):
    from tests.factories import PersonFactory, UserFactory

    user = UserFactory(username="analyst_a", is_staff=True)
    PersonFactory(user=user, name="analyst_a", unit=world.station_a, role_codes=["admin"])
    client.force_login(user)
    assert client.get(reverse("admin:registry_keyperson_changelist")).status_code == 403
    client.force_login(world.chief)
    assert client.get(reverse("admin:registry_keyperson_changelist")).status_code == 200


def test_reports_are_listed_for_the_chief_with_the_phone_masked(client, world):
    from fengqiao.intake import services

    report = services.submit_report(
        actor=world.officer_a,
        channel="walk_in",
        kind="hazard",
        text="楼道灭火器过期，需要更换",
        grid_code=world.grid_a1.code,
        reporter_phone="13812345678",
    ).report
    client.force_login(world.chief)
    page = client.get(reverse("admin:intake_report_change", args=[report.pk]))
    assert page.status_code == 200
    assert "13812345678" not in page.content.decode()
    assert "138****5678" in page.content.decode()
