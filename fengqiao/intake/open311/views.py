"""Open311's HTTP doors: read the request, call a selector or a service, answer in the
format asked for. Open311 clients send no CSRF token; a POST is authorised by its key."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from fengqiao.intake.open311 import rendering
from fengqiao.intake.open311.catalog import service_by_code, services_offered
from fengqiao.intake.open311.errors import Refusal
from fengqiao.intake.open311.selectors import (
    jurisdiction_named,
    public_service_requests,
    published_requests,
)
from fengqiao.intake.open311.services import submit_service_request

# The spec's POST parameters that submit_service_request reads from the form.
POST_PARAMETERS = (
    "api_key",
    "service_code",
    "lat",
    "long",
    "address_string",
    "description",
    "media_url",
    "first_name",
    "last_name",
    "phone",
)


@csrf_exempt
def services(request, fmt: str) -> HttpResponse:
    if request.method != "GET":
        return rendering.method_not_allowed(fmt, request.method)
    try:
        jurisdiction_named(request.GET.get("jurisdiction_id", ""))
    except Refusal as refusal:
        return rendering.error_list(fmt, refusal.status, refusal.problems)
    return rendering.render(fmt, "services", "service", rendering.service_rows(services_offered()))


@csrf_exempt
def service_definition(request, service_code: str, fmt: str) -> HttpResponse:
    if request.method != "GET":
        return rendering.method_not_allowed(fmt, request.method)
    try:
        jurisdiction_named(request.GET.get("jurisdiction_id", ""))
    except Refusal as refusal:
        return rendering.error_list(fmt, refusal.status, refusal.problems)
    if service_by_code(service_code) is None:
        message = _("没有这个服务代码：%(code)s") % {"code": service_code}
        return rendering.error_list(fmt, 404, [("service_code", message)])
    return rendering.render(
        fmt, "service_definition", None, {"service_code": service_code, "attributes": []}
    )


@csrf_exempt
def requests(request, fmt: str) -> HttpResponse:
    try:
        if request.method == "GET":
            reports = public_service_requests(request.GET)
            rows = rendering.service_request_rows(reports)
            return rendering.render(fmt, "service_requests", "request", rows)
        if request.method == "POST":
            report = submit_service_request(**_post_parameters(request))
            row = rendering.created_row(report, account_id=request.POST.get("account_id") or None)
            return rendering.render(fmt, "service_requests", "request", [row])
    except Refusal as refusal:
        return rendering.error_list(fmt, refusal.status, refusal.problems)
    return rendering.method_not_allowed(fmt, request.method)


@csrf_exempt
def request_detail(request, service_request_id: str, fmt: str) -> HttpResponse:
    if request.method != "GET":
        return rendering.method_not_allowed(fmt, request.method)
    report = None
    if service_request_id.isdigit():
        report = published_requests().filter(pk=int(service_request_id)).first()
    if report is None:
        message = _("没有这条服务请求：%(id)s") % {"id": service_request_id}
        return rendering.error_list(fmt, 404, [("service_request_id", message)])
    rows = rendering.service_request_rows([report])
    return rendering.render(fmt, "service_requests", "request", rows)


def _post_parameters(request) -> dict[str, str]:
    """The spec's parameters of a POST, as sent. ``jurisdiction_id`` may also come in the
    query string, and ``idempotency_key`` as the ``Idempotency-Key`` header."""
    data = request.POST
    parameters = {name: data.get(name, "") for name in POST_PARAMETERS}
    parameters["jurisdiction_id"] = data.get("jurisdiction_id") or request.GET.get(
        "jurisdiction_id", ""
    )
    parameters["idempotency_key"] = data.get("idempotency_key") or request.headers.get(
        "Idempotency-Key", ""
    )
    return parameters
