"""How a chat message is shown to a viewer: decided here once, for the chat pages and their
poll (views.py) and for server push (push.py), which renders it once per audience class."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from fengqiao.community.masking import mask_numbers
from fengqiao.community.models import Message
from fengqiao.community.notices import selectors as notice_selectors


def present(messages_list: Iterable[Message], *, viewer_id: int | None, staff: bool):
    """What each viewer may read: hidden text only for staff, numbers masked for residents."""
    for message in messages_list:
        if message.hidden_at and not staff:
            message.shown_text = _("该消息已被工作人员隐藏")
        elif staff:
            message.shown_text = message.text
        else:
            message.shown_text = mask_numbers(message.text)
        message.is_own = viewer_id is not None and message.author_id == viewer_id
        message.is_private = message.recipient_id is not None
    return messages_list


def mark_alert_cards(viewer, shown: list[Message]) -> None:
    """An alert's message shows as a card (photo, last seen, the clue button) only to a
    viewer who may open the alert's own page: the card shows nothing that page would not."""
    openable = notice_selectors.alert_ids_open_to(
        viewer, [m.alert_id for m in shown if m.kind == Message.Kind.ALERT]
    )
    for message in shown:
        message.alert_card = message.alert_id in openable and not message.hidden_at
