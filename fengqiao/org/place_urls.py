"""The places pages' addresses, under /places/ with the names ``places:...``; the pages are
org's (``place_views.py``) because they show the people on each place."""

from django.urls import path

from fengqiao.org import place_views as views

app_name = "places"
urlpatterns = [
    path("regions/", views.region_list, name="regions"),
    path("regions/<str:code>/", views.region_detail, name="region"),
    path("buildings/<int:pk>/", views.building_detail, name="building"),
]
