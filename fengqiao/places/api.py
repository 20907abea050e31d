from django_filters import rest_framework as filters
from rest_framework import serializers

from fengqiao import taxonomy
from fengqiao.places.models import Building, Region
from fengqiao.scoped_api import ScopedReadOnlyViewSet


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    level_label = serializers.CharField(read_only=True)

    class Meta:
        model = Region
        fields = [
            "code",
            "name",
            "level",
            "level_label",
            "parent",
            "path",
            "depth",
            "lon",
            "lat",
            "population",
            "urban",
        ]


class RegionDetailSerializer(RegionSerializer):
    class Meta(RegionSerializer.Meta):
        fields = [*RegionSerializer.Meta.fields, "boundary"]


class RegionFilter(filters.FilterSet):
    level = filters.ChoiceFilter(choices=taxonomy.choices("region_level"))
    parent = filters.CharFilter(field_name="parent__code", label="parent code")
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", label="name contains")

    class Meta:
        model = Region
        fields = ["level", "parent", "q"]


class RegionViewSet(ScopedReadOnlyViewSet):
    """Regions from province to grid, inside the caller's jurisdiction."""

    queryset = Region.objects.select_related("parent")
    lookup_field = "code"
    filterset_class = RegionFilter

    def get_serializer_class(self):
        return RegionDetailSerializer if self.action == "retrieve" else RegionSerializer


class BuildingSerializer(serializers.ModelSerializer):
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Building
        fields = [
            "id",
            "code",
            "name",
            "grid",
            "lon",
            "lat",
            "address",
            "use",
            "floors",
            "households",
        ]


class BuildingViewSet(ScopedReadOnlyViewSet):
    queryset = Building.objects.select_related("grid")
    serializer_class = BuildingSerializer
    filterset_fields = {"grid__code": ["exact"], "use": ["exact"]}
