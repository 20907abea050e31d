"""Patrol pages: 我的巡逻 and 打卡 on the phone; routes, shifts and teams for the station."""

from django.urls import path

from fengqiao.dispatch import patrol_views

urlpatterns = [
    path("dispatch/patrols/", patrol_views.mine, name="patrol_mine"),
    path("dispatch/patrols/checkin/", patrol_views.checkin, name="patrol_checkin"),
    path("dispatch/patrols/routes/", patrol_views.routes, name="patrol_routes"),
    path("dispatch/patrols/routes/new/", patrol_views.route_new, name="patrol_route_new"),
    path("dispatch/patrols/routes/<int:pk>/", patrol_views.route_detail, name="patrol_route"),
    path(
        "dispatch/patrols/routes/<int:pk>/edit/",
        patrol_views.route_edit,
        name="patrol_route_edit",
    ),
    path("dispatch/patrols/shifts/", patrol_views.shifts, name="patrol_shifts"),
    path("dispatch/patrols/shifts/new/", patrol_views.shift_new, name="patrol_shift_new"),
    path("dispatch/patrols/teams/", patrol_views.teams, name="patrol_teams"),
    path("dispatch/patrols/teams/<int:pk>/", patrol_views.team_detail, name="patrol_team"),
]
