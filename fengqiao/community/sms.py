"""Text messages to phones: a small adapter, so a real SMS gateway can be plugged in later.

There is no SMS gateway in this deployment. The default backend writes the message to the
log (the console) and to the audit trail, where a community officer can read a joining
resident's code to them; tests read ``outbox``. A gateway backend is a class with
``send(phone, text)``, named by ``settings.FENGQIAO_SMS_BACKEND``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from fengqiao.audit import services as audit
from fengqiao.privacy import mask_phone

logger = logging.getLogger("fengqiao.sms")

# What the console backend has "sent": (phone, text) pairs, newest last. For tests.
outbox: list[tuple[str, str]] = []


class ConsoleBackend:
    """Records the text in the log and the audit trail instead of sending it."""

    def send(self, phone: str, text: str) -> None:
        outbox.append((phone, text))
        logger.warning("SMS to %s: %s", mask_phone(phone), text)
        audit.record(
            actor=None, action="sms.recorded", changes={"phone": mask_phone(phone), "text": text}
        )


def send_sms(phone: str, text: str) -> None:
    backend = getattr(settings, "FENGQIAO_SMS_BACKEND", "fengqiao.community.sms.ConsoleBackend")
    import_string(backend)().send(phone, text)
