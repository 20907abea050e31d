from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from fengqiao.admin_scoping import NotFoundOutsideScope, ReadOnlyAdmin, ScopedAdmin
from fengqiao.audit import services as audit
from fengqiao.org import services
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


def _service_errors(form, error: ValidationError) -> None:
    """Put a service's refusal on the form fields it names (or on the form as a whole)."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class PersonAdminForm(forms.ModelForm):
    """Roles, duty status and the linked account follow org.services' rules: nobody grants
    more than they hold, nothing of one's own, nobody above oneself."""

    actor = None  # set per request by PersonAdmin.get_form

    def clean(self):
        data = super().clean()
        person = self.instance
        if "user" in self.changed_data:
            try:
                services.check_account_link(actor=self.actor, person=person, user=data.get("user"))
            except ValidationError as error:
                _service_errors(self, error)
        if "roles" in self.fields and "roles" in data:
            # A new person linked to the actor's own account is the actor, too.
            linked = data.get("user") if "user" in self.fields else None
            if person.pk is None and linked is not None and linked.pk == self.actor.pk:
                self.add_error("roles", _("不能修改自己的角色、数据权限或账号状态"))
            else:
                try:
                    services.check_roles_change(
                        actor=self.actor, person=person, roles=data["roles"]
                    )
                except ValidationError as error:
                    _service_errors(self, error)
        if person.pk is not None and "active" in self.changed_data:
            problem = services.reach_problem(self.actor, person=person)
            if problem:
                self.add_error("active", problem)
        return data


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    """Roles and duty status change through org.services (checked and audited with old and
    new values); people above the user's own role are shown, not edited."""

    form = PersonAdminForm
    list_display = ["name", "unit", "region", "active"]
    list_filter = ["roles", "active"]
    search_fields = ["name"]
    list_select_related = ["unit", "region"]
    filter_horizontal = ["roles"]
    raw_id_fields = ["user", "region"]
    # Only the person publishes a number of theirs (org.services.set_public_contact).
    readonly_fields = ["public_phone"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def _is_own(self, request, obj) -> bool:
        return obj is not None and obj.user_id == request.user.pk

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        # One's own profile stays editable (its roles and status do not).
        return (
            obj is None
            or self._is_own(request, obj)
            or services.may_manage(request.user, person=obj)
        )

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or services.may_manage(request.user, person=obj)

    def delete_queryset(self, request, queryset):
        if not all(services.may_manage(request.user, person=person) for person in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)

    def save_model(self, request, obj, form, change):
        active = obj.active
        if change and "active" in form.changed_data:
            obj.active = form.initial["active"]  # the service makes (and audits) the change
        super().save_model(request, obj, form, change)
        if obj.active != active:
            services.set_person_active(actor=request.user, person=obj, active=active)

    def save_related(self, request, form, formsets, change):
        roles = form.cleaned_data.pop("roles", None)
        super().save_related(request, form, formsets, change)
        if roles is not None:
            services.set_roles(actor=request.user, person=form.instance, roles=roles)


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
            current = Assignment.objects.for_user(request.user).get(pk=obj.pk)
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


class AccessGrantAdminForm(forms.ModelForm):
    actor = None  # set per request by AccessGrantAdmin.get_form

    class Meta:
        model = AccessGrant
        fields = ["user", "region", "unit"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        user = data["user"] if "user" in self.fields else self.instance.user
        try:
            services.check_grant(
                actor=self.actor, user=user, region=data.get("region"), unit=data.get("unit")
            )
        except ValidationError as error:
            _service_errors(self, error)
        return data


@admin.register(AccessGrant)
class AccessGrantAdmin(ScopedAdmin):
    """Grants are given, moved and taken back through org.services: only inside the user's
    own jurisdiction, never to themselves, audited with old and new values."""

    form = AccessGrantAdminForm
    list_display = ["user", "region", "unit"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "region", "unit"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or services.may_manage(request.user, user=obj.user)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or services.may_manage(request.user, user=obj.user)

    def save_model(self, request, obj, form, change):
        if change:
            current = AccessGrant.objects.for_user(request.user).select_related("user")
            current = current.get(pk=obj.pk)
            services.change_access(
                actor=request.user, grant=current, region=obj.region, unit=obj.unit
            )
            return
        saved = services.grant_access(
            actor=request.user, user=obj.user, region=obj.region, unit=obj.unit
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.revoke_access(actor=request.user, grant=obj)

    def delete_queryset(self, request, queryset):
        for grant in queryset.select_related("user", "region", "unit"):
            services.revoke_access(actor=request.user, grant=grant)


@admin.register(Role)
class RoleAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Roles are the taxonomy's codes: fixed by the code, granted on people."""

    list_display = ["code", "__str__"]


User = get_user_model()
admin.site.unregister(User)


class AccountChangeForm(UserChangeForm):
    actor = None  # set per request by ScopedUserAdmin.get_form

    def clean(self):
        data = super().clean()
        if "is_active" in self.changed_data:
            problem = services.reach_problem(self.actor, user=self.instance)
            if problem:
                self.add_error("is_active", problem)
        return data


@admin.register(User)
class ScopedUserAdmin(NotFoundOutsideScope, UserAdmin):
    """Accounts, limited to those whose staff profile lies inside the admin's jurisdiction.

    Only a superuser hands out superuser status, groups or raw permissions. Anyone else
    changes only accounts they may manage (org.services.may_manage): not their own, not a
    superuser's, not one of someone holding a role above their own; and an account is
    disabled through org.services, which ends its sign-ins."""

    form = AccountChangeForm
    limited_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
        (_("状态"), {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            return self.limited_fieldsets
        return super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def get_readonly_fields(self, request, obj=None):
        if not request.user.is_superuser:
            return ["last_login", "date_joined"]
        return super().get_readonly_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        # The password page asks this too, so nobody resets a superior's password here.
        return services.may_manage(request.user, user=obj)

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if scope_for(request.user).everything:
            return users
        people = scope_to(request.user, Person.objects.filter(user__isnull=False))
        return users.filter(pk__in=people.values("user_id"))

    def save_model(self, request, obj, form, change):
        active = obj.is_active
        if change and "is_active" in form.changed_data:
            obj.is_active = form.initial["is_active"]  # the service makes (and audits) it
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action="admin.change" if change else "admin.add",
            obj=obj,
            changes={"fields": [name for name in form.changed_data if name != "is_active"]},
        )
        if obj.is_active != active:
            services.set_account_active(actor=request.user, user=obj, active=active)
