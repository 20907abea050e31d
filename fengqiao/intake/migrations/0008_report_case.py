"""A report points at the case it became (issue 14: intake above disputes).

Until now ``disputes.Case.report`` pointed the other way. This adds ``Report.case``; 0009
copies every link across, in a transaction of its own (PostgreSQL will not alter a table
with rows changed and their constraint checks pending in the same transaction). The
reverse name stays free (``related_name="+"``) until disputes drops ``Case.report``
(disputes 0014); 0010 then names it ``report`` so that ``case.report`` reads as before.
"""

from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):

    dependencies = [
        ("disputes", "0013_party_plaintext_numbers_removed"),
        ("intake", "0007_reporter_phone_plaintext_removed"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="case",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="disputes.case",
                verbose_name="纠纷案件",
            ),
        ),
    ]
