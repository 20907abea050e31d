"""The outbound bridge in the admin: targets are configured here; deliveries are only shown.

A target is deactivated, never deleted: its deliveries keep what was sent where.
Deliveries are written by ``community.bridge`` alone, so the admin shows them read-only,
scoped through their target's region.
"""

from __future__ import annotations

from django.contrib import admin

from fengqiao.admin_scoping import NotFoundOutsideScope, ReadOnlyAdmin, ScopedAdmin
from fengqiao.community.models import OutboundDelivery, OutboundTarget
from fengqiao.org.scope import scope_to


@admin.register(OutboundTarget)
class OutboundTargetAdmin(ScopedAdmin):
    list_display = ["name", "kind", "region", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    list_select_related = ["region"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboundDelivery)
class OutboundDeliveryAdmin(ReadOnlyAdmin, NotFoundOutsideScope, admin.ModelAdmin):
    list_display = ["source", "target", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["source", "target__name"]
    list_select_related = ["target"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "target",
        "source",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    ]

    def get_queryset(self, request):
        targets = scope_to(request.user, OutboundTarget.objects.all())
        return super().get_queryset(request).filter(target__in=targets)
