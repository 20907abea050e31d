"""Cases and their mediation records in the admin: to look things up, scoped, never to write.

Every change to a case goes through ``disputes.services`` / ``disputes.mediation`` so that the
state, the timeline and the audit trail stay in step; the admin only shows what they wrote.
Anyone who may read cases (``disputes.view_case``) may read these records inside their scope.
"""

from __future__ import annotations

from django.contrib import admin

from fengqiao.admin_scoping import ReadOnlyAdmin, ScopedAdmin
from fengqiao.disputes.models import (
    Agreement,
    AgreementTerm,
    Case,
    JudicialConfirmation,
    MediationSession,
    ReturnVisit,
    Signature,
)

VIEW_CASE = "disputes.view_case"


class CaseRecordAdmin(ReadOnlyAdmin, ScopedAdmin):
    """Read-only and scoped; readable by whoever may read cases."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(VIEW_CASE)

    def has_module_permission(self, request):
        return request.user.has_perm(VIEW_CASE)


class ReadOnlyInline:
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(VIEW_CASE)


@admin.register(Case)
class CaseAdmin(CaseRecordAdmin):
    list_display = ["reference", "title", "category", "risk", "level", "state", "received_at"]
    list_filter = ["state", "risk", "level", "category"]
    search_fields = ["reference", "title"]
    list_select_related = ["grid"]
    date_hierarchy = "received_at"


class MediationSessionAdmin(CaseRecordAdmin):
    list_display = ["case", "held_at", "place", "outcome"]
    list_filter = ["outcome"]
    search_fields = ["case__reference", "place"]
    list_select_related = ["case"]


class AgreementTermInline(ReadOnlyInline, admin.TabularInline):
    model = AgreementTerm
    fields = ["position", "obligation", "obligor", "amount", "deadline", "performed_on"]


class SignatureInline(ReadOnlyInline, admin.TabularInline):
    model = Signature
    fields = ["role", "party", "person", "method", "signed_on"]


class AgreementAdmin(CaseRecordAdmin):
    list_display = ["number", "case", "oral", "seal_applied", "effective_on"]
    list_filter = ["oral", "seal_applied"]
    search_fields = ["number", "case__reference"]
    list_select_related = ["case"]
    inlines = [AgreementTermInline, SignatureInline]


class JudicialConfirmationAdmin(CaseRecordAdmin):
    list_display = ["agreement", "applied_on", "court", "ruling", "ruling_on"]
    list_filter = ["ruling"]
    search_fields = ["agreement__number", "court"]
    list_select_related = ["agreement"]


class ReturnVisitAdmin(CaseRecordAdmin):
    list_display = ["case", "due_on", "done_at", "method", "outcome", "cancelled_at"]
    list_filter = ["outcome", "method"]
    search_fields = ["case__reference"]
    list_select_related = ["case"]


admin.site.register(MediationSession, MediationSessionAdmin)
admin.site.register(Agreement, AgreementAdmin)
admin.site.register(JudicialConfirmation, JudicialConfirmationAdmin)
admin.site.register(ReturnVisit, ReturnVisitAdmin)
