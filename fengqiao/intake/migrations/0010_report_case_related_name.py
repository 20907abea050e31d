"""With ``Case.report`` gone (disputes 0014), the reverse accessor takes its name:
``case.report`` reads the report a case came from, as before. No change in the database."""

from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):

    dependencies = [
        ("disputes", "0014_case_report_removed"),
        ("intake", "0009_report_case_copied"),
    ]

    operations = [
        migrations.AlterField(
            model_name="report",
            name="case",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="report",
                to="disputes.case",
                verbose_name="纠纷案件",
            ),
        ),
    ]
