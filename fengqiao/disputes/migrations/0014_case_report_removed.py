"""Disputes forgets intake's reports: the link now lives on ``intake.Report.case``, copied
there by intake 0009 (issue 14)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("disputes", "0013_party_plaintext_numbers_removed"),
        ("intake", "0009_report_case_copied"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="case",
            name="report",
        ),
    ]
