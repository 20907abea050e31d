"""House owners' phones sealed, hashed and masked like every personal number; they were
kept in the clear (and only masked when shown)."""

from django.db import migrations, models

SEALED = ("phone_sealed", "phone_hash", "phone_masked", "phone_last4")


def seal_owner_phones(apps, schema_editor):
    from fengqiao.sealing import phone_columns

    House = apps.get_model("registry", "House")
    for house in House.objects.exclude(owner_phone="").iterator():
        for field, value in phone_columns(house.owner_phone).items():
            setattr(house, field, value)
        house.save(update_fields=list(SEALED))


def unseal_owner_phones(apps, schema_editor):
    from fengqiao.sealing import unseal

    House = apps.get_model("registry", "House")
    for house in House.objects.exclude(phone_sealed="").iterator():
        house.owner_phone = unseal(house.phone_sealed)
        house.save(update_fields=["owner_phone"])


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_importjob"),
    ]

    operations = [
        migrations.AddField(
            model_name="house",
            name="phone_sealed",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="house",
            name="phone_hash",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="house",
            name="phone_masked",
            field=models.CharField(
                blank=True, editable=False, max_length=20, verbose_name="房主电话"
            ),
        ),
        migrations.AddField(
            model_name="house",
            name="phone_last4",
            field=models.CharField(blank=True, editable=False, max_length=4),
        ),
        migrations.RunPython(seal_owner_phones, unseal_owner_phones),
        migrations.RemoveField(
            model_name="house",
            name="owner_phone",
        ),
    ]
