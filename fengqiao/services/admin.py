"""The service catalogue in the admin, scoped to the user's stations and audited.
Applications are worked on the service pages only (their numbers are sealed)."""

from __future__ import annotations

from django.contrib import admin

from fengqiao.admin_scoping import ScopedAdmin
from fengqiao.services.models import Service


@admin.register(Service)
class ServiceAdmin(ScopedAdmin):
    list_display = ["name", "station", "kind", "time_limit_days", "promised_days", "open"]
    list_filter = ["kind", "open", "one_visit"]
    search_fields = ["name"]
    list_select_related = ["station"]
