"""One view, two answers (fengqiao.pages): htmx gets the fragment, always 200 so htmx swaps
it; a plain request or a boosted link gets the full page with the view's status."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from fengqiao.pages import render_page, wants_fragment

TEMPLATES = {"page.html": "full page: {{ word }}", "_part.html": "fragment: {{ word }}"}


@pytest.fixture
def templates(settings):
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", TEMPLATES)]},
        }
    ]


def _request(**headers):
    request = RequestFactory().post("/somewhere/", **headers)
    request.htmx = HtmxDetails(request)
    return request


def test_htmx_gets_the_fragment_with_200_even_for_a_refusal(templates):
    request = _request(HTTP_HX_REQUEST="true")
    response = render_page(request, "page.html", {"word": "甲"}, fragment="_part.html", status=409)
    assert (response.status_code, response.content.decode()) == (200, "fragment: 甲")


def test_a_plain_request_gets_the_full_page_with_its_status(templates):
    request = _request()
    response = render_page(request, "page.html", {"word": "乙"}, fragment="_part.html", status=403)
    assert (response.status_code, response.content.decode()) == (403, "full page: 乙")


def test_a_boosted_link_gets_the_full_page(templates):
    request = _request(HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")
    assert not wants_fragment(request)
    response = render_page(request, "page.html", {"word": "丙"}, fragment="_part.html")
    assert response.content.decode() == "full page: 丙"


def test_without_a_fragment_htmx_gets_the_full_page(templates):
    response = render_page(_request(HTTP_HX_REQUEST="true"), "page.html", {"word": "丁"})
    assert response.content.decode() == "full page: 丁"
