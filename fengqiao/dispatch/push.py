"""The dispatch pages by server push (``fengqiao.live``): ``board:<station id>`` (the board of
every dispatcher whose jurisdiction holds that station) and ``duty:<duty unit id>`` (the
phones of that unit's members).

A board depends on many rows and each viewer's scope, so an event carries no content: it is
a nudge (``live.nudge``) and the page asks its usual fragment at once (the board's answers
204 while its stamp is current). Few pages follow one station, so no herd follows.
"""

from __future__ import annotations

from fengqiao import live
from fengqiao.dispatch import selectors, services

# A dispatcher covering more stations than this (a county's analyst) keeps polling: one
# stream carries at most 8 topics, and the other pages' topics need room.
BOARD_TOPICS = 6


def board_topics_for(user) -> list[str]:
    """The board's topics for ``user``; empty when they are too many to follow by push."""
    stations = selectors.board_station_ids_for(user)
    return [] if len(stations) > BOARD_TOPICS else [f"board:{pk}" for pk in stations]


def duty_topics_for(user) -> list[str]:
    units = list(selectors.units_of(user).values_list("pk", flat=True)[: BOARD_TOPICS + 1])
    return [] if len(units) > BOARD_TOPICS else [f"duty:{pk}" for pk in units]


def authorize_board(user, key: int) -> str | None:
    return "board" if key in selectors.board_station_ids_for(user) else None


def authorize_duty(user, key: int) -> str | None:
    if not user.has_perm(services.RESPOND):
        return None
    return "duty" if selectors.units_of(user).filter(pk=key).exists() else None


def register() -> None:
    live.register("board", authorize=authorize_board, render=live.nudge)
    live.register("duty", authorize=authorize_duty, render=live.nudge)
