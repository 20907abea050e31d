"""The REST API against its own OpenAPI schema, as an independent client would check it:
Schemathesis generates requests from docs/openapi.yaml's source and asserts that no
request makes the server fail and every answer matches what the schema promises."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token


@pytest.fixture
def api_schema(db):
    from fengqiao.wsgi import application

    # As Django's test client does: a request must not close the connection that holds
    # the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_schemas_promises(case, world):
    token, _ = Token.objects.get_or_create(user=world.officer_a)
    case.call_and_validate(
        headers={"Authorization": f"Token {token.key}", "Host": "localhost"},
        checks=[
            schemathesis.checks.not_a_server_error,
            schemathesis.checks.response_schema_conformance,
            schemathesis.checks.status_code_conformance,
            schemathesis.checks.content_type_conformance,
        ],
    )
