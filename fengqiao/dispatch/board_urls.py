"""The dispatch board, the incident page, the 110 transfer form, the officer's phone and
the units on duty. Paths are written in full: dispatch's lists are included at the root."""

from django.urls import path

from fengqiao.dispatch import board_views, caller_views, duty_views, unit_views

urlpatterns = [
    path("dispatch/", board_views.board, name="board"),
    path("dispatch/rows/", board_views.board_rows, name="board_rows"),
    path("dispatch/i/<str:number>/", board_views.incident, name="incident"),
    path("dispatch/i/<str:number>/caller/", caller_views.reveal, name="caller_reveal"),
    path("dispatch/110/new/", board_views.receive_110, name="receive_110"),
    path("dispatch/duty/", duty_views.duty, name="duty"),
    path("dispatch/duty/position/", duty_views.position, name="duty_position"),
    path("dispatch/duty/<str:number>/", duty_views.duty_incident, name="duty_incident"),
    path("dispatch/units/", unit_views.unit_list, name="units"),
    path("dispatch/units/new/", unit_views.unit_new, name="unit_new"),
    path("dispatch/units/<int:pk>/edit/", unit_views.unit_edit, name="unit_edit"),
]
