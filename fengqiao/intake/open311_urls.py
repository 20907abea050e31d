"""Open311 GeoReport v2 routes, mounted at /open311/v2/ (see intake.open311)."""

from django.urls import re_path

from fengqiao.intake.open311 import views as open311

app_name = "open311"

FORMAT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^services" + FORMAT, open311.services, name="services"),
    re_path(
        r"^services/(?P<service_code>[A-Za-z0-9_.-]+?)" + FORMAT,
        open311.service_definition,
        name="service",
    ),
    re_path(r"^requests" + FORMAT, open311.requests, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[A-Za-z0-9_-]+)" + FORMAT,
        open311.request_detail,
        name="request",
    ),
]
