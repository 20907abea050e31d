"""Open311 GeoReport v2 routes, mounted at /open311/v2/ (see the package's docstring)."""

from django.urls import re_path

from fengqiao.intake.open311 import views

app_name = "open311"

FORMAT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^services" + FORMAT, views.services, name="services"),
    re_path(
        r"^services/(?P<service_code>[A-Za-z0-9_.-]+?)" + FORMAT,
        views.service_definition,
        name="service",
    ),
    re_path(r"^requests" + FORMAT, views.requests, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[A-Za-z0-9_-]+)" + FORMAT,
        views.request_detail,
        name="request",
    ),
]
