from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fengqiao.org import services
from fengqiao.org.admin_scope import NotFoundOutsideScope, ReadOnlyAdmin, ScopedAdmin
from fengqiao.org.models import AccessGrant, Assignment, Beat, Person, Role, Team, Unit
from fengqiao.org.rules import DUTY_TARGETS
from fengqiao.org.scope import scope_for, scope_to


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ["name", "code", "kind", "parent", "jurisdiction"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    list_select_related = ["parent", "jurisdiction"]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "parent"] if obj is not None else []


@admin.register(Beat)
class BeatAdmin(ScopedAdmin):
    list_display = ["name", "code", "unit"]
    search_fields = ["name", "code"]
    list_select_related = ["unit"]
    autocomplete_fields = ["areas"]


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    list_display = ["name", "unit", "region", "active"]
    list_filter = ["roles", "active"]
    search_fields = ["name"]
    list_select_related = ["unit", "region"]
    filter_horizontal = ["roles"]
    raw_id_fields = ["user", "region"]


@admin.register(Team)
class TeamAdmin(ScopedAdmin):
    list_display = ["name", "kind", "region", "unit", "leader"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["region", "unit", "leader"]
    raw_id_fields = ["region", "leader", "members"]


class AssignmentAdminForm(forms.ModelForm):
    """New assignments obey the same rules as ``services.assign``; existing ones may only end."""

    class Meta:
        model = Assignment
        fields = ["person", "duty", "beat", "region", "building", "starts_on", "ends_on"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if self.instance.pk is not None:
            if data.get("ends_on") is None:
                self.add_error("ends_on", _("请填写结束日期（职责不能重新打开，请新建分配）"))
            return data
        place = data.get("beat") or data.get("region") or data.get("building")
        try:
            services.check_assignment(
                person=data["person"],
                duty=data["duty"],
                place=place,
                starts_on=data["starts_on"],
                ends_on=data.get("ends_on"),
            )
        except ValidationError as error:
            place_field = {"beat": "beat", "village": "region", "grid": "region"}.get(
                DUTY_TARGETS[data["duty"]][0], "building"
            )
            for field, messages in error.message_dict.items():
                field = place_field if field == "place" else field
                self.add_error(field if field in self.fields else None, messages)
        return data


@admin.register(Assignment)
class AssignmentAdmin(ScopedAdmin):
    """Writes go through org.services, so the admin keeps the rules, the audit and the
    history: an assignment is ended, never edited or deleted."""

    form = AssignmentAdminForm
    list_display = ["person", "duty", "beat", "region", "building", "starts_on", "ends_on"]
    list_filter = ["duty"]
    search_fields = ["person__name"]
    list_select_related = ["person", "beat", "region", "building"]
    raw_id_fields = ["person", "region", "building", "beat"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["person", "duty", "beat", "region", "building", "starts_on"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            current = Assignment.objects.get(pk=obj.pk)
            services.end_assignment(actor=request.user, assignment=current, ends_on=obj.ends_on)
            return
        saved = services.assign(
            actor=request.user,
            person=obj.person,
            duty=obj.duty,
            place=obj.target,
            starts_on=obj.starts_on,
            ends_on=obj.ends_on,
        )
        obj.pk = saved.pk


@admin.register(AccessGrant)
class AccessGrantAdmin(ScopedAdmin):
    list_display = ["user", "region", "unit"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "region", "unit"]


@admin.register(Role)
class RoleAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Roles are the taxonomy's codes: fixed by the code, granted on people."""

    list_display = ["code", "__str__"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class ScopedUserAdmin(NotFoundOutsideScope, UserAdmin):
    """Accounts, limited to those whose staff profile lies inside the admin's jurisdiction."""

    limited_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
        (_("状态"), {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )

    def get_fieldsets(self, request, obj=None):
        # Only a superuser may hand out superuser status, groups or raw permissions.
        if obj is not None and not request.user.is_superuser:
            return self.limited_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if not request.user.is_superuser:
            return ["last_login", "date_joined"]
        return super().get_readonly_fields(request, obj)

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if scope_for(request.user).everything:
            return users
        people = scope_to(request.user, Person.objects.filter(user__isnull=False))
        return users.filter(pk__in=people.values("user_id"))
