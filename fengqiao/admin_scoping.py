"""The Django admin, scoped: every list, choice and save stays inside the user's jurisdiction.

Every app's admin uses these mixins, audit's and org's included, so the module sits below
all of them: it narrows through the models' own ``for_user`` (``fengqiao.scoping``, whose
rule org hands in at start-up) instead of importing org's scope, and writes its audit
entries through ``fengqiao.audit.services`` like everyone else.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit


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
    """For models whose manager is ``fengqiao.scoping.ScopedManager``."""

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if _is_scoped(db_field.related_model):
            kwargs["queryset"] = db_field.related_model._default_manager.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if _is_scoped(db_field.related_model):
            kwargs["queryset"] = db_field.related_model._default_manager.for_user(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Re-check after the write: a save that moves a record out of the user's
        # jurisdiction is refused, and the admin's transaction rolls it back.
        if not type(obj)._default_manager.for_user(request.user).filter(pk=obj.pk).exists():
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
