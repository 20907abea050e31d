"""The public page of who looks after a building, reached by the QR code on its entrance:
/b/<building code>/."""

from django.urls import path  # noqa: F401

app_name = "building"
urlpatterns: list = []
