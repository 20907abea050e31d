"""What every app's API shares: one shape for every refusal, and the responses the schema
documents for it.

Below every app (it imports none): a service's ``ValidationError`` becomes field errors or
``{"detail": ...}`` (400), and the app names its own "changed meanwhile" error for ``api_error``
to answer 409.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.settings import api_settings


class Refused(exceptions.APIException):
    """A refusal that names no field (an illegal move): ``{"detail": "..."}``, 400."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "refused"


class Conflict(exceptions.APIException):
    """Someone changed the record first: ``{"detail": "..."}``, 409."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "changed"


def api_error(
    error: ValidationError, *, changed: type[ValidationError] | tuple = ()
) -> exceptions.APIException:
    """A service's ValidationError as the API answers it: 409 when it is the app's ``changed``
    error; a field dict when the service named fields (``__all__`` becomes
    ``non_field_errors``); else ``{"detail": ...}``."""
    if changed and isinstance(error, changed):
        return Conflict(error.messages[0])
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(
            {
                (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): list(
                    messages
                )
                for field, messages in error.message_dict.items()
            }
        )
    return Refused("；".join(error.messages))


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)


FIELD_ERRORS = OpenApiResponse(
    description="Field errors, `{field: [message, ...]}`; or `{detail: message}` when the "
    "refusal names no field."
)
NOT_ALLOWED = OpenApiResponse(ErrorSerializer, description="The caller's role may not do this.")
NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="No such record inside the caller's jurisdiction."
)


def received_in(records, start: dt.date | None, end: dt.date | None):
    """``records`` received from the start of local day ``start`` to the end of ``end``
    (either may be None), by their ``received_at``."""
    if start is not None:
        begin = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
        records = records.filter(received_at__gte=begin)
    if end is not None:
        stop = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
        records = records.filter(received_at__lt=stop)
    return records


# The days a query's period may name.
EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2999, 12, 31)


class ReceivedPeriodSerializer(serializers.Serializer):
    """A list's ``from`` and ``to`` (local days, both included; see ``received_in``),
    checked to lie in a sensible range and in order."""

    def get_fields(self):
        # "from" is a Python keyword, so the period's fields are added here.
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            required=False, help_text="Received on or after this day (YYYY-MM-DD)."
        )
        fields["to"] = serializers.DateField(
            required=False, help_text="Received on or before this day (YYYY-MM-DD)."
        )
        return fields

    def validate(self, values):
        for name in ("from", "to"):
            day = values.get(name)
            if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
                raise serializers.ValidationError(
                    {
                        name: _("日期应在 %(earliest)s 到 %(latest)s 之间")
                        % {"earliest": EARLIEST_DAY.isoformat(), "latest": LATEST_DAY.isoformat()}
                    }
                )
        if values.get("from") and values.get("to") and values["from"] > values["to"]:
            raise serializers.ValidationError({"to": _("截止日期不能早于起始日期")})
        return values
