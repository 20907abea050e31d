"""Related records on a resident's or an address's page, supplied by the modules above.

The registry sits below disputes and intake (dependencies point down), so it cannot ask
them for a person's cases. Instead each of them registers a provider once, usually in its
``AppConfig.ready``::

    panels.register("resident", _("矛盾纠纷"), cases_about_resident)

and the page renders whatever is registered. A provider takes the viewing user and the
record and returns ``[(text, url), ...]`` already scoped to that user; an empty list shows
the panel with "none".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

KINDS = ("resident", "address")

Provider = Callable[[object, object], list[tuple[str, str]]]


@dataclass(frozen=True)
class Panel:
    title: str
    items: list[tuple[str, str]]


# kind -> provider's dotted name -> (title, provider); titles stay lazy so each page shows
# them in its own language.
_providers: dict[str, dict[str, tuple[object, Provider]]] = {kind: {} for kind in KINDS}


def _name_of(provider: Provider) -> str:
    return f"{provider.__module__}.{getattr(provider, '__qualname__', repr(provider))}"


def register(kind: str, title, provider: Provider) -> Provider:
    """Show ``provider``'s records under ``title`` on every ``kind`` page. Registering the
    same provider again replaces it (``ready`` may run more than once)."""
    if kind not in KINDS:
        raise ValueError(f"panel kind must be one of {KINDS}, not {kind!r}")
    _providers[kind][_name_of(provider)] = (title, provider)
    return provider


def unregister(kind: str, provider: Provider) -> None:
    _providers[kind].pop(_name_of(provider), None)


def panels_for(user, kind: str, obj) -> list[Panel]:
    """Every registered panel for ``obj`` as ``user`` may see it, in registration order."""
    return [
        Panel(title=str(title), items=list(provider(user, obj)))
        for title, provider in _providers[kind].values()
    ]
