"""The registry over the REST API: read-only and scoped; ID and phone numbers masked.

Full numbers never leave through the API: a reveal is a logged, reasoned act on the page.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.org.scope import scope_for
from fengqiao.registry import selectors
from fengqiao.registry.matching import match_address
from fengqiao.registry.models import Address, Establishment, House, Resident
from fengqiao.registry.search import prefix_q
from fengqiao.scoped_api import ReadOnlyModelSerializer, ScopedReadOnlyViewSet


class AddressSerializer(ReadOnlyModelSerializer):
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Address
        fields = [
            "id",
            "full_text",
            "kind",
            "grid",
            "building",
            *Address.ELEMENTS,
            "lon",
            "lat",
            "verified_at",
            "retired_on",
        ]


class AddressFilter(filters.FilterSet):
    q = filters.CharFilter(field_name="full_text", lookup_expr="contains", label="text contains")
    grid = filters.CharFilter(field_name="grid__code", label="grid code")

    class Meta:
        model = Address
        fields = ["q", "grid", "kind"]


class AddressViewSet(ScopedReadOnlyViewSet):
    """Standard addresses in the caller's jurisdiction."""

    queryset = Address.objects.select_related("grid")
    serializer_class = AddressSerializer
    filterset_class = AddressFilter


class HouseSerializer(ReadOnlyModelSerializer):
    owner_phone = serializers.CharField(source="owner_phone_masked", read_only=True)

    class Meta:
        model = House
        fields = ["id", "address", "label", "use", "owner_name", "owner_phone", "ended_on"]


class HouseViewSet(ScopedReadOnlyViewSet):
    queryset = House.objects.all()
    serializer_class = HouseSerializer
    filterset_fields = {"address": ["exact"], "use": ["exact"]}


class ResidentSerializer(ReadOnlyModelSerializer):
    id_number = serializers.CharField(source="id_masked", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)

    class Meta:
        model = Resident
        fields = [
            "id",
            "name",
            "id_type",
            "id_number",
            "phone",
            "sex",
            "birth_date",
            "residence_type",
            "house",
            "moved_in",
            "moved_out",
            "end_reason",
        ]


class ResidentFilter(filters.FilterSet):
    q = filters.CharFilter(method="by_query", label="name, pinyin initials or last 4 digits")

    class Meta:
        model = Resident
        fields = ["q", "residence_type", "house"]

    def by_query(self, queryset, name, value):
        value = "".join(value.split())
        if value.isdigit() or (value[:-1].isdigit() and value[-1:] in "xX"):
            return queryset.filter(id_last4=value[-4:].upper()) | queryset.filter(
                phone_last4=value[-4:]
            )
        if value.isascii():
            return queryset.filter(prefix_q("name_initials", value.lower()))
        return queryset.filter(prefix_q("name", value))


class ResidentViewSet(ScopedReadOnlyViewSet):
    """Residents in the caller's jurisdiction, numbers masked."""

    queryset = Resident.objects.all()
    serializer_class = ResidentSerializer
    filterset_class = ResidentFilter


class EstablishmentSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Establishment
        fields = ["id", "name", "kind", "credit_code", "address", "in_charge_name", "closed_on"]


class EstablishmentViewSet(ScopedReadOnlyViewSet):
    queryset = Establishment.objects.all()
    serializer_class = EstablishmentSerializer
    filterset_fields = {"kind": ["exact"], "address": ["exact"]}


class MatchQuerySerializer(serializers.Serializer):
    text = serializers.CharField(min_length=1, max_length=255, help_text="An address as typed.")


class MatchSerializer(serializers.Serializer):
    address = AddressSerializer()
    score = serializers.FloatField(help_text="100 for an exact match of the elements.")
    exact = serializers.BooleanField()


class AddressMatchView(APIView):
    """The standard address a typed address means, within the caller's jurisdiction."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[MatchQuerySerializer], responses=MatchSerializer)
    def get(self, request):
        if not request.user.has_perm("registry.view_address"):
            raise Http404
        query = MatchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        scope = scope_for(request.user)
        # One jurisdiction: match inside it, so a fuzzy match has a pool to search.
        within = scope.region_paths[0] if len(scope.region_paths) == 1 else "/"
        match = match_address(query.validated_data["text"], within=within)
        address = (
            selectors.addresses_for(request.user).filter(pk=match.address_id).first()
            if match
            else None
        )
        if address is None:
            raise Http404(_("没有找到对应的标准地址"))
        return Response(
            MatchSerializer({"address": address, "score": match.score, "exact": match.exact}).data
        )
