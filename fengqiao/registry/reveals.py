"""The "show the full number" slot on a page: a masked ID or phone, and where to ask for it.

Residents and tenant reports keep sealed numbers (``SealedIdentity``), and so do dispute
parties and reporters (``fengqiao.sealing``): any record with ``id_masked``/``phone_masked``
and the matching ``id_number``/``phone``. Each page shows a slot per field, and
``services.reveal`` (behind the slot's URL, through ``answer``) logs who, why and when.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy

from fengqiao.privacy import display_phone
from fengqiao.registry import services
from fengqiao.registry.forms import RevealForm

LABELS = {"id_number": gettext_lazy("证件号码"), "phone": gettext_lazy("联系电话")}
URL_NAMES = {"resident": "registry:resident_reveal", "tenantreport": "registry:tenant_reveal"}


def masked(record, field: str) -> str:
    return record.id_masked if field == "id_number" else record.phone_masked


def slot(record, field: str, *, url: str = "") -> dict:
    """What ``registry/_reveal.html`` needs for one field of one record; ``url`` is where
    to ask, for records of other modules (a registry record's own page by default)."""
    kind = record._meta.model_name
    return {
        "field": field,
        "label": LABELS[field],
        "masked": masked(record, field),
        "url": url or reverse(URL_NAMES[kind], args=[record.pk, field]),
        "dom_id": f"reveal-{kind}{record.pk}-{field}",
    }


def slots(record) -> list[dict]:
    return [slot(record, field) for field in LABELS]


def answer(request, record, field: str, *, url: str = "") -> tuple[dict, int]:
    """The slot after asking ``services.reveal`` with the reason posted for ``field``, and
    the status to answer with (200 shown, 400 refused with the reason's error)."""
    form = RevealForm(request.POST, prefix=field)
    reveal = slot(record, field, url=url)
    status = 400
    if form.is_valid():
        try:
            value = services.reveal(
                actor=request.user, record=record, field=field, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            reveal["value"] = display_phone(value) if field == "phone" else value
            status = 200
    reveal["form"] = form
    return reveal, status
