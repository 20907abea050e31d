"""The staff's moderation queue: reported messages, hidden or kept with one tap each."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.community import moderation, selectors

QUEUE_SHOWN = 50


@login_required
@permission_required("community.change_message", raise_exception=True)
def abuse_queue(request):
    reported = list(selectors.reported_messages_for(request.user)[:QUEUE_SHOWN])
    return render(request, "community/abuse_queue.html", {"reported": reported})


@login_required
@permission_required("community.change_message", raise_exception=True)
@require_POST
def keep_message(request, message_pk: int):
    """The reports were looked at and the message stays shown."""
    message = selectors.get_message_for(request.user, message_pk)
    handled = moderation.dismiss_abuse_reports(actor=request.user, message=message)
    if handled:
        messages.success(request, _("已处理举报，消息保留"))
    return redirect("community:abuse")
