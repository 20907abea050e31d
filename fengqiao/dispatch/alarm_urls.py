"""The residents' doors: the one-click alarm, the page that says it arrived, the kiosk."""

from django.urls import path

from fengqiao.dispatch import alarm_views

urlpatterns = [
    path("alarm/", alarm_views.alarm, name="alarm"),
    path("alarm/buildings/", alarm_views.alarm_buildings, name="alarm_buildings"),
    path("alarm/sent/<str:code>/", alarm_views.alarm_sent, name="alarm_sent"),
    path("kiosk/", alarm_views.kiosk, name="kiosk"),
]
