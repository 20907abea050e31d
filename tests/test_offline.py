"""Offline first, as far as the server's side goes: the service worker at the root with the
right headers, the manifest, the offline page that names nobody, the CSP that lets the
worker and the manifest load, and a logout that tells the browser to forget what it kept."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_service_worker_is_served_at_the_root_with_its_scope_and_no_stale_copy():
    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    # The shell it keeps, the offline page, and a version that names its caches.
    for url in ("/static/fengqiao/site.css", "/static/vendor/htmx.min.js", "/offline/"):
        assert f'"{url}"' in body
    assert 'var VERSION = "' in body and "{{" not in body


def test_the_service_worker_never_keeps_sign_in_api_or_reveal_pages():
    body = Client().get("/sw.js").content.decode()
    line = next(line for line in body.splitlines() if line.startswith("var NEVER_KEPT"))
    pattern = json.loads(line.split("RegExp(", 1)[1].rsplit(");", 1)[0])
    import re

    never = re.compile(pattern)
    for path in (
        "/accounts/login/",
        "/api/v1/reports/",
        "/registry/residents/4/reveal/",
        "/dispatch/incidents/7/reveal-phone/",
        "/figures/briefs/3.pdf",
    ):
        assert never.search(path), path
    for path in ("/outreach/visits/", "/registry/", "/report/", "/cases/"):
        assert not never.search(path), path


def test_the_manifest_names_the_app_in_chinese_and_has_icons():
    response = Client().get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["short_name"] == "枫桥"
    assert data["start_url"] == "/" and data["scope"] == "/"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        assert Client().get(icon["src"]).status_code == 200


def test_the_offline_page_is_the_same_for_everyone(world):
    anonymous = Client().get("/offline/")
    signed_in = Client()
    signed_in.force_login(world.officer_a)
    theirs = signed_in.get("/offline/")
    assert anonymous.status_code == theirs.status_code == 200
    assert "现在没有网络" in anonymous.content.decode()
    assert world.officer_a.person.name not in theirs.content.decode()
    assert "退出" not in theirs.content.decode()


def test_pages_link_the_manifest_and_load_offline_js_and_the_csp_allows_the_worker(world):
    client = Client()
    client.force_login(world.grid_worker_a1)
    response = client.get("/outreach/visits/")
    html = response.content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'src="/static/fengqiao/offline.js" defer' in html
    assert f'<meta name="fengqiao-user" content="{world.grid_worker_a1.pk}">' in html
    csp = response["Content-Security-Policy"]
    assert "worker-src 'self'" in csp
    assert "manifest-src 'self'" in csp
    assert "script-src 'self';" in csp + ";"  # still no inline script


def test_logging_out_tells_the_browser_to_forget_its_kept_pages_and_queue(world):
    client = Client()
    assert client.login(username="grid_worker_a1", password=PASSWORD)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    # Logged out for real: the visits page now asks to sign in.
    assert client.get("/outreach/visits/").status_code == 302
