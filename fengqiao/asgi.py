"""The ASGI application that `fengqiao serve` runs (gunicorn with uvicorn workers): Django,
plus the server-push stream at /live/stream and the hub's lifespan (docs/live.md)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
django_application = get_asgi_application()

from fengqiao.live.asgi import with_live  # noqa: E402  (needs Django set up first)

application = with_live(django_application)
