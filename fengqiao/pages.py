"""One view, two answers: the full page, or only its fragment when htmx asks for it.

Every view that can answer htmx decides here (NetBox's ``htmx_partial``), not by branching on
``request.htmx`` itself.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.handlers.asgi import ASGIRequest
from django.shortcuts import render

from fengqiao.privacy import display_phone

LIVE_STREAM = "/live/stream"


def push_stream_for(request, topics: list[str]) -> dict:
    """What a page that follows ``topics`` by push (``static/fengqiao/push.js``) puts on its
    element: the stream's address and the topics, or nothing to follow when the request did
    not come through the ASGI server (under ``fengqiao demo`` there is no stream: pages poll)."""
    if not topics or not isinstance(request, ASGIRequest):
        return {"push_stream": "", "push_topics": ""}
    return {"push_stream": LIVE_STREAM, "push_topics": " ".join(topics)}


def wants_fragment(request) -> bool:
    """Whether htmx asked for a piece of the page (a boosted link wants the whole page)."""
    return bool(getattr(request, "htmx", False)) and not request.htmx.boosted


def render_page(
    request, template: str, context: dict, *, fragment: str | None = None, status: int = 200
):
    """``template`` with ``context``, or only ``fragment`` when htmx asks for it.

    htmx swaps only 2xx answers, so the fragment is always 200: a refusal in it is shown in
    place like a success. ``status`` is the full page's (400, 403, 409 for a refused post).
    """
    if fragment and wants_fragment(request):
        return render(request, fragment, context)
    return render(request, template, context, status=status)


def reveal_phone_page(request, shown: dict, form, reveal, *, may_reveal: bool, back: str):
    """The answer to "show the full phone" for a reason: ``form`` (a bound reveal form) gives
    the reason, ``reveal(reason)`` is the module's logged service call that returns the number.
    ``shown`` (the page's reveal slot) gets the number or the form's errors; the page is
    ``registry/reveal_page.html``, or only its slot for htmx. 200 shown, 400 refused."""
    status = 400
    if form.is_valid():
        try:
            value = reveal(form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            shown["value"] = display_phone(value)
            status = 200
    shown["form"] = form
    context = {"reveal": shown, "may_reveal": may_reveal, "back": back}
    return render_page(
        request,
        "registry/reveal_page.html",
        context,
        fragment="registry/_reveal.html",
        status=status,
    )
