from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao import taxonomy
from fengqiao.places import selectors
from fengqiao.places.models import Building, Region
from fengqiao.scoped_api import ReadOnlyModelSerializer, ScopedReadOnlyViewSet


class RegionSerializer(ReadOnlyModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
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


class BuildingSerializer(ReadOnlyModelSerializer):
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


class PointSerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180, help_text="WGS84 longitude")
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="WGS84 latitude")


class RegionBriefSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level"]


class LocationSerializer(serializers.Serializer):
    grid = RegionBriefSerializer()
    regions = RegionBriefSerializer(many=True, help_text="From the root down to the grid.")
    near_boundary = serializers.BooleanField(
        help_text="Within 30 m of the grid's edge: ask the reporter to confirm the grid."
    )
    boundary_distance_m = serializers.FloatField()


class LocateView(APIView):
    """Which grid holds a point, and the region path above it (inside the caller's scope)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[PointSerializer], responses=LocationSerializer)
    def get(self, request):
        if not request.user.has_perm("places.view_region"):
            raise Http404
        point = PointSerializer(data=request.query_params)
        point.is_valid(raise_exception=True)
        location = selectors.locate(point.validated_data["lon"], point.validated_data["lat"])
        if (
            location is None
            or not Region.objects.for_user(request.user).filter(pk=location.grid.pk).exists()
        ):
            # Outside every grid and outside the caller's grids look the same.
            raise Http404(_("这个位置不在您辖区的任何网格内"))
        return Response(LocationSerializer(location).data)
