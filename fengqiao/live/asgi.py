"""Wrap Django's ASGI application: ``/live/stream`` goes to the stream app, the lifespan
starts and stops the hub, everything else goes to Django."""

from __future__ import annotations

from fengqiao.live.hub import hub
from fengqiao.live.stream import PATH, stream_app


def with_live(django_app):
    async def application(scope, receive, send):
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        elif scope["type"] == "http" and scope["path"] == PATH:
            await stream_app(scope, receive, send)
        else:
            await django_app(scope, receive, send)

    return application


async def _lifespan(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await hub.start()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await hub.stop()
            await send({"type": "lifespan.shutdown.complete"})
            return
