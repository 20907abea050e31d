"""``Refusal``: an answer in the spec's error list, raised by this package's selectors and
services and rendered by its views; and how a ValidationError from ``submit_report`` names
the spec's parameters instead of our field names."""

from __future__ import annotations

from django.core.exceptions import ValidationError

# Where submit_report's field names differ from the spec's parameters.
SPEC_FIELD = {
    "text": "description",
    "lon": "lat",
    "reporter_phone": "phone",
    "reporter_name": "first_name",
    "address": "address_string",
    "grid_code": "address_string",
    "kind": "service_code",
    "category": "service_code",
    "client_key": "idempotency_key",
}


class Refusal(Exception):
    """The HTTP ``status`` and (parameter, message) pairs of a refused request."""

    def __init__(self, status: int, problems: list[tuple[str, str]]):
        super().__init__(problems)
        self.status = status
        self.problems = problems


def spec_problems(error: ValidationError) -> list[tuple[str, str]]:
    if not hasattr(error, "error_dict"):
        return [("", message) for message in error.messages]
    return [
        (SPEC_FIELD.get(field, field), message)
        for field, messages in error.message_dict.items()
        for message in messages
    ]
