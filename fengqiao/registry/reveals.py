"""The "show the full number" slot on a page: a masked ID or phone, and where to ask for it.

Residents and tenant reports both keep sealed numbers (``SealedIdentity``); each page shows
a slot per field, and ``services.reveal`` (behind the slot's URL) logs who, why and when.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

LABELS = {"id_number": gettext_lazy("证件号码"), "phone": gettext_lazy("联系电话")}
URL_NAMES = {"resident": "registry:resident_reveal", "tenantreport": "registry:tenant_reveal"}


def masked(record, field: str) -> str:
    return record.id_masked if field == "id_number" else record.phone_masked


def slot(record, field: str) -> dict:
    """What ``registry/_reveal.html`` needs for one field of one record."""
    kind = record._meta.model_name
    return {
        "field": field,
        "label": LABELS[field],
        "masked": masked(record, field),
        "url": reverse(URL_NAMES[kind], args=[record.pk, field]),
        "dom_id": f"reveal-{kind}{record.pk}-{field}",
    }


def slots(record) -> list[dict]:
    return [slot(record, field) for field in LABELS]
