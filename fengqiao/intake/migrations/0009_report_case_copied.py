"""Copy each case's link to its report onto the report (``Case.report`` ->
``Report.case``), in one UPDATE; going back, onto the case again."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def copy_links_to_reports(apps, schema_editor):
    Case = apps.get_model("disputes", "Case")
    Report = apps.get_model("intake", "Report")
    linked = Case.objects.filter(report_id__isnull=False)
    Report.objects.filter(pk__in=linked.values("report_id")).update(
        case_id=Subquery(linked.filter(report_id=OuterRef("pk")).values("pk")[:1])
    )


def copy_links_to_cases(apps, schema_editor):
    Case = apps.get_model("disputes", "Case")
    Report = apps.get_model("intake", "Report")
    linked = Report.objects.filter(case_id__isnull=False)
    Case.objects.filter(pk__in=linked.values("case_id")).update(
        report_id=Subquery(linked.filter(case_id=OuterRef("pk")).values("pk")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ("disputes", "0013_party_plaintext_numbers_removed"),
        ("intake", "0008_report_case"),
    ]

    operations = [
        migrations.RunPython(copy_links_to_reports, copy_links_to_cases),
    ]
