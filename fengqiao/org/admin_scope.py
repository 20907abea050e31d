"""The Django admin, scoped: every list, choice and save stays inside the user's jurisdiction."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.org.scope import in_scope, scope_to


def _is_scoped(model) -> bool:
    return hasattr(model, "scope_region_path") or hasattr(model, "scope_unit_path")


class ReadOnlyAdmin:
    """Shown in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NotFoundOutsideScope:
    """Out-of-scope and missing records answer 404 in the admin, as in every other view."""

    def get_object(self, request, object_id, from_field=None):
        # Django's admin would redirect with "does not exist" instead.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


class ScopedAdmin(NotFoundOutsideScope, admin.ModelAdmin):
    def get_queryset(self, request):
        return scope_to(request.user, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if _is_scoped(db_field.related_model):
            kwargs["queryset"] = scope_to(
                request.user, db_field.related_model._default_manager.all()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if _is_scoped(db_field.related_model):
            kwargs["queryset"] = scope_to(
                request.user, db_field.related_model._default_manager.all()
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Re-check after the write: a save that moves a record out of the user's
        # jurisdiction is refused, and the admin's transaction rolls it back.
        if not in_scope(request.user, obj):
            raise PermissionDenied(_("保存后的记录不在您的辖区内，已撤销。"))
        audit.record(
            actor=request.user,
            action="admin.change" if change else "admin.add",
            obj=obj,
            changes={"fields": list(form.changed_data)},
        )

    def delete_model(self, request, obj):
        audit.record(actor=request.user, action="admin.delete", obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit.record(actor=request.user, action="admin.delete", obj=obj)
        super().delete_queryset(request, queryset)
