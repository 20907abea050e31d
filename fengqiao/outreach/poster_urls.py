"""Outreach pages: the building posters (included by outreach/urls.py)."""

from django.urls import path

from fengqiao.outreach import poster_views

urlpatterns = [
    path("posters/", poster_views.posters, name="posters"),
]
