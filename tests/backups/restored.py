"""What a backup must carry, read through the code: every case with its timeline, every
photo's bytes, every sealed number opened with the installation's key.

The tests compare ``contents()`` of the data they built with the same function run in a
restored installation: ``python -m tests.backups.restored`` prints it as JSON.
"""

from __future__ import annotations

import hashlib
import json
import os


def contents() -> dict:
    from fengqiao.audit.models import AuditEvent
    from fengqiao.disputes.models import Case, Party
    from fengqiao.intake.models import Report, ReportPhoto
    from fengqiao.registry.models import Resident

    return {
        "cases": {
            case.reference: [
                [event.kind, event.to_state, event.note] for event in case.events.order_by("id")
            ]
            for case in Case.objects.order_by("reference")
        },
        "photos": {
            photo.image.name: hashlib.sha256(photo.image.open("rb").read()).hexdigest()
            for photo in ReportPhoto.objects.order_by("id")
        },
        "residents": {
            resident.name: [resident.id_number, resident.phone]
            for resident in Resident.objects.order_by("id")
        },
        "parties": {party.name: party.phone for party in Party.objects.order_by("id")},
        "reporters": {report.tracking_code: report.phone for report in Report.objects.all()},
        "restores_audited": AuditEvent.objects.filter(action="backups.restored").count(),
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    import django

    django.setup()
    print(json.dumps(contents(), ensure_ascii=False))
