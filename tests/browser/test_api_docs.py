"""The API docs page draws Swagger UI under the site's CSP (scripts from 'self' only, none
inline): its operations are listed and the browser reports no refusal."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_api_docs_list_the_operations_without_a_csp_refusal(world, logged_in_page, page_errors):
    page = logged_in_page(world.officer_a)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/api/docs/")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 20
    summaries = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/cases/" in text for text in summaries)
    assert violations == [] and page_errors == []
