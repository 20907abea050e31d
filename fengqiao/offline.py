"""Offline first: the web app manifest, the service worker at the site's root, the offline
page, and a logout that wipes what the browser kept for the person who leaves.

What the service worker keeps and what offline.js queues is described in docs/offline.md.
This module imports only Django: it serves files, it knows no app.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# The shell every page needs, kept by the service worker when it installs.
SHELL = [
    "fengqiao/site.css",
    "vendor/htmx.min.js",
    "fengqiao/client-key.js",
    "fengqiao/offline.js",
    "fengqiao/icon.svg",
    "fengqiao/icon-192.png",
    "fengqiao/icon-512.png",
]

# Where a browser keeps nothing of ours: sign-in pages, the admin, the APIs, and every
# page that shows a sealed number in full. Checked by the service worker on each request.
NEVER_KEPT = (
    r"^/(accounts|admin|api|i18n|open311|media)/"
    r"|/reveal|/export|/caller/|/phone/$|\.(pdf|xlsx|csv)$"
)


@cache
def _version() -> str:
    """A short hash of our static files and the worker's template: a deploy that changes
    any of them is a new worker, which drops the old caches when it takes over."""
    digest = hashlib.sha256()
    for folder in settings.STATICFILES_DIRS:
        for path in sorted(folder.glob("fengqiao/*")):
            if path.is_file():
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    for template in settings.TEMPLATES[0]["DIRS"]:
        worker = template / "offline" / "sw.js"
        if worker.is_file():
            digest.update(worker.read_bytes())
    return digest.hexdigest()[:12]


@require_GET
def service_worker(request):
    """/sw.js: at the root so that it may look after every page of the site."""
    context = {
        "version": _version(),
        "offline_url": reverse("offline"),
        "shell": json.dumps([static(name) for name in SHELL] + [reverse("offline")]),
        "never_kept": json.dumps(NEVER_KEPT),
        "static_prefix": json.dumps(settings.STATIC_URL),
    }
    response = render(request, "offline/sw.js", context, content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    # The browser checks for a new worker on every visit; never an old copy from a cache.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    """/manifest.webmanifest: name, colours and icons for "add to home screen"."""
    data = {
        "name": _("枫桥 · 社区警务与矛盾纠纷化解平台"),
        "short_name": _("枫桥"),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#8b2b1d",
        "icons": [
            {"src": static("fengqiao/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static("fengqiao/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("fengqiao/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    response = JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline_page(request):
    """/offline/: what a phone shows for a page it never kept. The same for everyone (no
    name, no menu): the service worker keeps one copy for whoever uses the phone next."""
    return render(request, "offline/offline.html")


class LogoutView(auth_views.LogoutView):
    """Django's logout, and the browser is told to forget this site's caches and storage:
    the pages kept for offline use and the queue of unsent forms belong to the person
    leaving, not to whoever picks up a shared phone next."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
