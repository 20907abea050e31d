"""A resident's confirmed phone is kept as every personal number is: sealed, hashed and
masked on the membership and the join confirmation, and never in the account's name. The
migration seals phones kept in the clear before it and renames the accounts named by them;
going back restores both."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fengqiao.community import services, sms
from fengqiao.community.models import Member

PHONE = "+8613900002222"


def _raw(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _joined(groups, capture) -> Member:
    with capture(execute=True):  # the text message goes out when the code is stored
        confirmation = services.start_join(
            group=groups.village_a, display_name="赵大爷", phone="139 0000 2222"
        )
    code = re.search(r"\d{6}", sms.outbox[-1][1]).group(0)
    return services.confirm_join(confirmation=confirmation, code=code)


def _stored(*tables: str) -> str:
    return " ".join(
        str(cell) for table in tables for row in _raw(f"SELECT * FROM {table}") for cell in row
    )


def test_no_table_keeps_the_phone_in_the_clear(
    db, world, groups, django_capture_on_commit_callbacks
):
    member = _joined(groups, django_capture_on_commit_callbacks)
    stored = _stored("community_member", "community_joinconfirmation", "auth_user")
    assert "13900002222" not in stored
    assert member.phone == PHONE and member.phone_masked == "139****2222"


def test_the_migration_seals_old_phones_and_renames_their_accounts(
    transactional_db, world, groups, django_capture_on_commit_callbacks
):
    member = _joined(groups, django_capture_on_commit_callbacks)
    executor = MigrationExecutor(connection)
    executor.migrate([("community", "0003_agency_staff_role")])
    # Back before the rule: the phone in the clear, and the account named by it.
    assert _raw("SELECT phone FROM community_member WHERE id = %s", [member.pk]) == [(PHONE,)]
    assert get_user_model().objects.filter(username="p8613900002222").exists()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert "13900002222" not in _stored("community_member", "auth_user")
    member = Member.objects.select_related("user").get(pk=member.pk)
    assert member.phone == PHONE and member.user.username == services.resident_username(PHONE)
