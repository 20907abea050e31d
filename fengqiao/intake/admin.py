"""Reports in the admin: to look them up, scoped, never to write.

A report enters only through ``intake.services.submit_report`` and moves through its
services; the admin shows what they wrote, with the reporter's phone masked.
"""

from __future__ import annotations

from django.contrib import admin

from fengqiao.admin_scoping import ReadOnlyAdmin, ScopedAdmin
from fengqiao.intake.models import Report

VIEW_REPORT = "intake.view_report"


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ["tracking_code", "kind", "channel", "category", "risk", "status", "grid"]
    list_filter = ["kind", "channel", "status", "risk"]
    search_fields = ["tracking_code"]
    list_select_related = ["grid"]
    date_hierarchy = "created_at"
    exclude = ["client_key", "triage"]
    readonly_fields = ["phone_masked"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(VIEW_REPORT)

    def has_module_permission(self, request):
        return request.user.has_perm(VIEW_REPORT)
