"""Hooks of the gunicorn master that ``fengqiao serve`` starts on PostgreSQL
(``--config python:fengqiao.gunicorn_hooks``)."""

from __future__ import annotations


def when_ready(server) -> None:
    """The app is imported (``--preload``) and no worker is forked yet: load what every
    worker would load at its first request and freeze it all (``serving.warm_and_freeze``)."""
    from fengqiao.serving import warm_and_freeze

    warm_and_freeze()
