"""Broadcasts and alerts, under /community/notices/ (namespace "community")."""

from django.urls import path

from fengqiao.community.notices import views

urlpatterns = [
    path("broadcasts/", views.broadcast_list, name="broadcasts"),
    path("broadcasts/new/", views.broadcast_new, name="broadcast-new"),
    path("broadcasts/<int:pk>/", views.broadcast_detail, name="broadcast"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/new/", views.alert_new, name="alert-new"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert-acknowledge"),
    path("alerts/<int:pk>/sightings/", views.alert_sighting, name="alert-sighting"),
    path("alerts/<int:pk>/close/", views.alert_close, name="alert-close"),
    path("alerts/<int:pk>/photo/", views.alert_photo, name="alert-photo"),
    path(
        "alerts/<int:pk>/sightings/<int:sighting>/photo/",
        views.alert_sighting_photo,
        name="alert-sighting-photo",
    ),
    path(
        "alerts/<int:pk>/sightings/<int:sighting>/confirm/",
        views.alert_sighting_confirm,
        name="alert-sighting-confirm",
    ),
]
