"""Outreach pages: fraud (filled in by its own work; included by outreach/urls.py)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
