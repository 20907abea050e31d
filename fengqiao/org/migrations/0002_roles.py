from django.db import migrations


def create_roles(apps, schema_editor):
    from fengqiao import taxonomy

    Role = apps.get_model("org", "Role")
    for code in taxonomy.codes("role"):
        Role.objects.get_or_create(code=code)


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
