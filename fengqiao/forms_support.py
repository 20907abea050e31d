"""What every app's forms share. The forms only parse what was typed; the services decide
what is valid, and their messages are put back next to the fields they name."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError


def new_client_key() -> str:
    """A fresh idempotency key for one form: sending the same form again reuses it."""
    return secrets.token_urlsafe(18)


def renew_client_key(form) -> None:
    """Give a bound form a fresh ``client_key`` in its (otherwise immutable) data."""
    form.data = form.data.copy()
    form.data["client_key"] = new_client_key()


class ServiceErrorsMixin:
    """``add_service_errors``: a service's ValidationError next to the fields it names; a
    message for a field the form does not have, or for no field, goes above the form."""

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for field, messages in error.message_dict.items():
            self.add_service_error(field, messages)

    def add_service_error(self, field: str, messages: list[str]) -> None:
        """One field's messages. A refused idempotency key (stale or tampered) is replaced
        so the next send goes through, rather than blaming the user for a hidden field."""
        if field == "client_key" and "client_key" in self.fields:
            renew_client_key(self)
        self.add_error(field if field in self.fields else None, messages)
