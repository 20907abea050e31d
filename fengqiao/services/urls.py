"""The service pages under /services/: the catalogue, applying and booking, tracking by
code, and the staff's work on applications."""

from django.urls import path  # noqa: F401

app_name = "services"
urlpatterns: list = []
