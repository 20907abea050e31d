"""Outreach in the admin: to look records up, scoped, never to write. Campaigns and visit
tasks are written through ``campaign_services`` and ``visit_services`` (checked and
audited) from the outreach pages; the admin shows what they wrote."""

from __future__ import annotations

from django.contrib import admin

from fengqiao.admin_scoping import ReadOnlyAdmin, ScopedAdmin
from fengqiao.outreach.models import Campaign, Commendation, VisitTask


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ["name", "kind", "station", "starts_on", "ends_on"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["station"]
    date_hierarchy = "starts_on"


@admin.register(VisitTask)
class VisitTaskAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ["house", "campaign", "grid", "assignee", "state", "last_visit_at"]
    list_filter = ["state"]
    list_select_related = ["house__address", "campaign", "grid", "assignee"]
    raw_id_fields = ["house"]


@admin.register(Commendation)
class CommendationAdmin(ReadOnlyAdmin, ScopedAdmin):
    # Recorded through recognition_services.record_commendation (checked and audited).
    list_display = ["title", "person", "community", "awarded_on", "recorded_by"]
    search_fields = ["title", "person__name"]
    list_select_related = ["person", "community", "recorded_by"]
    date_hierarchy = "awarded_on"
