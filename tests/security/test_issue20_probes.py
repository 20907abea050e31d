"""Probes of issue 20's new surfaces from outside: intake's idempotency by unique index, and
``fengqiao manage backup``/``restore``/``check_upgrade`` as an operator (or someone who can
write a backup directory) would meet them. Live streams are probed in tests/live."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from rest_framework.test import APIClient

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes.models import Case
from fengqiao.intake import services as intake
from fengqiao.intake.models import Report
from tests.races import lands_after

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PASSWORD = "Pr0be-S3cret-pw"


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _dispute(**extra) -> dict:
    return {
        "channel": "walk_in",
        "kind": "dispute",
        "category": "neighbourhood",
        "text": "楼上每天半夜拖椅子，沟通多次没用",
        "lon": 120.005,
        "lat": 30.005,
        "reporter_name": "李大姐",
        "reporter_phone": "138 1234 5678",
        **extra,
    }


def _written() -> tuple[int, int, int]:
    return Report.objects.count(), Case.objects.count(), AuditEvent.objects.count()


# --- intake: a key replayed ---------------------------------------------------------------


def test_a_key_replayed_with_another_body_answers_the_first_report_and_writes_nothing(world):
    api = _api(world.officer_a)
    url = reverse("api:report-list")
    first = api.post(url, _dispute(), format="json", HTTP_IDEMPOTENCY_KEY="probe-key-0001")
    assert first.status_code == 201, first.json()
    before = _written()

    # Another text, another reporter, and a place outside the officer's township.
    other = _dispute(text="另一件事：有人在河边钓鱼", reporter_name="冒名", lon=120.105)
    again = api.post(url, other, format="json", HTTP_IDEMPOTENCY_KEY="probe-key-0001")

    assert again.status_code == 200, again.json()
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    assert "冒名" not in again.content.decode() and "钓鱼" not in again.content.decode()
    assert _written() == before  # no second report, case or audit row


def test_a_same_key_request_landing_mid_submission_leaves_one_report_and_one_case(world):
    """Two requests with one key at once: the other one commits while this one is between
    its checks and its insert; both answer the same report, and this one's case (written
    before the report) is rolled back with it."""
    values = _dispute(channel="web", sender="session:probe-browser", client_key="probe-race-01")
    other: list = []

    with lands_after(
        '"places_region"', write=lambda: other.append(intake.submit_report(**values))
    ) as raced:
        mine = intake.submit_report(**values)

    assert raced, "the other request did not land inside this one"
    assert other[0].created and not mine.created
    assert mine.report.pk == other[0].report.pk
    assert Report.objects.count() == 1 and Case.objects.count() == 1
    assert AuditEvent.objects.filter(action="intake.report_submitted").count() == 1


def test_a_replayed_key_after_a_refused_first_try_is_a_new_report(world):
    """A first request refused on validation stores no key: the corrected request with the
    same key is served, not answered with someone's report or refused as a repeat."""
    api = _api(world.officer_a)
    url = reverse("api:report-list")
    refused = api.post(url, _dispute(text=""), format="json", HTTP_IDEMPOTENCY_KEY="probe-key-0002")
    assert refused.status_code == 400 and "text" in refused.json()
    served = api.post(url, _dispute(), format="json", HTTP_IDEMPOTENCY_KEY="probe-key-0002")
    assert served.status_code == 201 and Report.objects.count() == 1


# --- backups ------------------------------------------------------------------------------


@pytest.fixture
def small_site(transactional_db, world, settings, tmp_path):
    """One dispute with a photo, committed (pg_dump reads committed rows only)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    intake.submit_report(
        actor=world.county_admin,
        photos=[SimpleUploadedFile("p.png", PNG)],
        **_dispute(channel="web"),
    )


def _backup(dest: Path) -> None:
    call_command("backup", str(dest), stdout=StringIO(), stderr=StringIO())


def test_a_backup_is_readable_by_its_owner_only(small_site, tmp_path):
    dest = tmp_path / "backup"
    _backup(dest)
    exposed = [
        f"{path.relative_to(dest)} {oct(stat.S_IMODE(path.stat().st_mode))}"
        for path in [dest, *dest.rglob("*")]
        if stat.S_IMODE(path.stat().st_mode) & 0o077
    ]
    # The registry key opens every sealed ID number, and the database holds the rest: a copy
    # of the folder (cp -a, rsync -a, a tar) keeps each file's mode, not its parent's.
    assert exposed == []


def test_a_backup_with_a_symlinked_folder_is_refused_before_anything_is_restored(
    small_site, tmp_path
):
    dest = tmp_path / "backup"
    _backup(dest)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "id_rsa").write_text("not for the media folder")
    # A folder the manifest does not list, pointing out of the backup: the checksum walk
    # does not enter it, but copying media/ would copy what it points to.
    os.symlink(elsewhere, dest / "media" / "extra")

    with pytest.raises(CommandError, match="extra"):
        call_command("restore", str(dest), stdout=StringIO(), stderr=StringIO())


def _cli(*arguments: str, tmp_path: Path) -> subprocess.CompletedProcess:
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("DATABASE_URL")
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="fengqiao.settings",
        FENGQIAO_DATA_DIR=str(tmp_path / "data"),
        # A server that answers, a database that is not there, a password that must not show.
        DATABASE_URL=f"postgres://postgres:{PASSWORD}@127.0.0.1:5432/fengqiao_probe_missing",
    )
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "fengqiao.cli", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.parametrize(
    "arguments",
    [("manage", "backup", "{tmp}/backup"), ("manage", "check_upgrade")],
    ids=["backup", "check_upgrade"],
)
def test_an_unreachable_database_is_a_clear_error_without_the_password(arguments, tmp_path):
    done = _cli(*(a.replace("{tmp}", str(tmp_path)) for a in arguments), tmp_path=tmp_path)
    shown = done.stdout + done.stderr
    assert done.returncode != 0
    assert PASSWORD not in shown
    assert "Traceback" not in shown, shown[-2000:]
    assert "数据库" in shown and "database" in shown
    assert not (tmp_path / "backup").exists()


# --- the read mark of a pushed page -------------------------------------------------------


def test_the_read_mark_takes_no_huge_number_no_cross_site_post_and_never_moves_back(world):
    from django.test import Client

    from fengqiao.community import services as community
    from fengqiao.community.models import Member
    from tests.community.conftest import join, make_group

    group = make_group("甲村居民群", "community", world.community_a)
    join(group, world.resident, name="李大姐")
    posted = [
        community.post_message(actor=world.officer_a, group=group, text=f"第{i}条")
        for i in range(2)
    ]
    url = reverse("community:read", args=[group.pk])
    mark = lambda: Member.objects.get(group=group, user=world.resident).last_read_id  # noqa: E731

    page = Client(enforce_csrf_checks=True)
    page.force_login(world.resident)
    assert page.post(url, {"up_to": posted[-1].pk}).status_code == 403  # no CSRF token
    assert mark() == 0

    page = Client()
    page.force_login(world.resident)
    for huge in (str(2**63), str(2**70), "9" * 40, "-1", str(-(2**63) - 1)):
        response = page.post(url, {"up_to": huge})
        assert response.status_code in (204, 400), (huge, response.status_code)
        assert mark() in (0, posted[-1].pk)
    assert page.post(url, {"up_to": posted[-1].pk}).status_code == 204
    assert page.post(url, {"up_to": posted[0].pk}).status_code == 204
    assert mark() == posted[-1].pk  # never back
