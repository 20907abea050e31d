"""Residents' confirmed phones sealed like every personal number, and their accounts named
by a keyed hash of the phone instead of the phone itself ("p8613800001111")."""

import re

from django.db import migrations, models

PHONE_USERNAME = re.compile(r"^p(\d{8,15})$")


def _phone_fields():
    return [
        ("phone_sealed", models.TextField(blank=True, editable=False)),
        (
            "phone_masked",
            models.CharField(blank=True, editable=False, max_length=20, verbose_name="手机号码"),
        ),
        ("phone_last4", models.CharField(blank=True, editable=False, max_length=4)),
    ]


def seal_phones(apps, schema_editor):
    from fengqiao.community.services import resident_username
    from fengqiao.sealing import phone_columns

    for name in ("Member", "JoinConfirmation"):
        model = apps.get_model("community", name)
        for row in model.objects.exclude(phone="").iterator():
            for field, value in phone_columns(row.phone).items():
                setattr(row, field, value)
            row.save(update_fields=["phone_sealed", "phone_hash", "phone_masked", "phone_last4"])
    User = apps.get_model("auth", "User")
    residents = User.objects.filter(username__regex=r"^p[0-9]{8,15}$", person__isnull=True)
    for user in residents.iterator():
        user.username = resident_username("+" + PHONE_USERNAME.match(user.username)[1])
        user.save(update_fields=["username"])


def unseal_phones(apps, schema_editor):
    from fengqiao.sealing import unseal

    for name in ("Member", "JoinConfirmation"):
        model = apps.get_model("community", name)
        for row in model.objects.exclude(phone_sealed="").iterator():
            row.phone = unseal(row.phone_sealed)
            row.save(update_fields=["phone"])
    Member = apps.get_model("community", "Member")
    User = apps.get_model("auth", "User")
    hashed = User.objects.filter(username__regex=r"^r[0-9a-f]{32}$", person__isnull=True)
    for user in hashed.iterator():
        member = Member.objects.filter(user=user, is_staff=False).exclude(phone="").first()
        if member is not None:
            user.username = "p" + member.phone.lstrip("+")
            user.save(update_fields=["username"])


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0003_agency_staff_role"),
        ("org", "0004_team_joint_defence"),
    ]

    operations = [
        *[
            migrations.AddField(model_name=model, name=name, field=field)
            for model in ("member", "joinconfirmation")
            for name, field in _phone_fields()
        ],
        migrations.AddField(
            model_name="member",
            name="phone_hash",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="joinconfirmation",
            name="phone_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(seal_phones, unseal_phones),
        migrations.RemoveIndex(model_name="joinconfirmation", name="community_join_phone"),
        # Going back re-adds the column to rows that exist: it needs a default until the
        # phones are unsealed into it.
        migrations.AlterField(
            model_name="joinconfirmation",
            name="phone",
            field=models.CharField(default="", max_length=20, verbose_name="手机号码"),
        ),
        migrations.RemoveField(model_name="joinconfirmation", name="phone"),
        migrations.RemoveField(model_name="member", name="phone"),
        migrations.AddIndex(
            model_name="joinconfirmation",
            index=models.Index(
                fields=["phone_hash", "created_at"], name="community_join_phone_hash"
            ),
        ),
    ]
