"""The registry in the admin: to look records up, scoped, never to write.

Every change goes through ``registry.services`` (which checks, seals numbers and audits), so
the admin only shows what they wrote: numbers as the pages show them, masked, and the sealed
columns not at all. A full number is revealed on the resident's page, for a reason.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from fengqiao.admin_scoping import ReadOnlyAdmin, ScopedAdmin
from fengqiao.org.permissions import SEE_SENSITIVE_POPULATION
from fengqiao.registry.models import (
    Address,
    Establishment,
    House,
    KeyPerson,
    Resident,
    TenantReport,
)


class RegistryAdmin(ReadOnlyAdmin, ScopedAdmin):
    """Read-only and scoped; readable by whoever may read that kind of record."""

    def _may_view(self, request) -> bool:
        return request.user.has_perm(f"registry.view_{self.model._meta.model_name}")

    def has_view_permission(self, request, obj=None):
        return self._may_view(request)

    def has_module_permission(self, request):
        return self._may_view(request)


@admin.register(Address)
class AddressAdmin(RegistryAdmin):
    list_display = ["__str__", "kind", "grid", "verified_at"]
    list_filter = ["kind"]
    search_fields = ["tail", "raw_text"]
    list_select_related = ["grid"]


@admin.register(House)
class HouseAdmin(RegistryAdmin):
    list_display = ["__str__", "use", "owner_name", "owner_phone_shown"]
    list_filter = ["use"]
    list_select_related = ["address"]
    readonly_fields = ["owner_phone_shown"]

    @admin.display(description=_("房主电话"))
    def owner_phone_shown(self, house: House) -> str:
        return house.owner_phone_masked


@admin.register(Resident)
class ResidentAdmin(RegistryAdmin):
    list_display = ["name", "id_masked", "phone_masked", "residence_type", "house"]
    list_filter = ["residence_type"]
    search_fields = ["name", "name_initials", "phone_last4"]
    list_select_related = ["house__address"]
    readonly_fields = ["id_masked", "phone_masked"]


@admin.register(Establishment)
class EstablishmentAdmin(RegistryAdmin):
    list_display = ["name", "kind", "address"]
    list_filter = ["kind"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["address"]
    # Contact phones are shown on the unit's page to the roles that may see them.
    exclude = ["in_charge_phone", "security_phone"]


@admin.register(KeyPerson)
class KeyPersonAdmin(RegistryAdmin):
    list_display = ["resident", "kind", "care_level", "officer"]
    list_filter = ["care_level"]
    list_select_related = ["resident", "officer"]

    def _may_view(self, request) -> bool:
        # Who is in a key population is itself sensitive (domain-notes §6).
        return super()._may_view(request) and request.user.has_perm(SEE_SENSITIVE_POPULATION)


@admin.register(TenantReport)
class TenantReportAdmin(RegistryAdmin):
    list_display = ["name", "kind", "house", "status", "moved_on", "id_masked"]
    list_filter = ["kind", "status"]
    list_select_related = ["house__address"]
    readonly_fields = ["id_masked", "phone_masked"]
