from django.contrib import admin

from fengqiao.admin_scoping import ScopedAdmin
from fengqiao.places.models import Building, Region


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    list_display = ["name", "code", "stat_code", "level", "parent", "population"]
    list_filter = ["level", "urban"]
    search_fields = ["name", "code", "stat_code"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]

    def get_readonly_fields(self, request, obj=None):
        # Code and parent fix the materialized path of a whole subtree: not edited in place.
        return ["code", "parent", "level"] if obj is not None else []


@admin.register(Building)
class BuildingAdmin(ScopedAdmin):
    list_display = ["name", "code", "grid", "use", "floors", "households"]
    list_filter = ["use"]
    search_fields = ["name", "code", "address"]
    list_select_related = ["grid"]
    raw_id_fields = ["grid"]
