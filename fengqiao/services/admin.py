"""The service catalogue in the admin: to look it up, scoped, never to write. Services are
kept on /services/manage/ through ``catalogue.save_service`` (which checks the promise
against the legal limit, the channels and the station, and audits); applications are
worked on the service pages only (their numbers are sealed)."""

from __future__ import annotations

from django.contrib import admin

from fengqiao.admin_scoping import ReadOnlyAdmin, ScopedAdmin
from fengqiao.services.models import Service


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ["name", "station", "kind", "time_limit_days", "promised_days", "open"]
    list_filter = ["kind", "open", "one_visit"]
    search_fields = ["name"]
    list_select_related = ["station"]
