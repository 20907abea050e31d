"""Patrols in the admin: to look them up, scoped, never to write. Routes, shifts and
check-ins are written through ``patrol_services`` (checked and audited) from the patrol
pages; the admin shows what they wrote."""

from __future__ import annotations

from django.contrib import admin

from fengqiao.admin_scoping import ReadOnlyAdmin, ScopedAdmin
from fengqiao.dispatch.patrol_models import CheckIn, PatrolRoute, PatrolShift


@admin.register(PatrolRoute)
class PatrolRouteAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ["name", "station", "region", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    list_select_related = ["station", "region"]


@admin.register(PatrolShift)
class PatrolShiftAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ["route", "date", "starts_at", "ends_at", "team", "duty_unit"]
    list_select_related = ["route", "team", "duty_unit"]
    date_hierarchy = "date"


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ["at", "route", "point", "person", "distance_m", "off_point", "off_shift"]
    list_filter = ["off_point", "off_shift"]
    list_select_related = ["route", "point", "person"]
    date_hierarchy = "at"
    exclude = ["client_key"]
