"""Outreach over the REST API. Campaigns, read-only and scoped like the campaign pages
(``visit_selectors.campaigns_for``: a station's campaigns in the caller's jurisdiction and
those over a grid in it), and a visit campaign's coverage per grid and per person."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fengqiao.org.api_permissions import StaffWithRolePermissions
from fengqiao.outreach import visit_selectors
from fengqiao.outreach.models import Campaign
from fengqiao.scoped_api import ReadOnlyModelSerializer


class CampaignSerializer(ReadOnlyModelSerializer):
    station = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grids = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "kind", "name", "station", "grids", "starts_on", "ends_on", "note"]


class CoverageRowSerializer(serializers.Serializer):
    key = serializers.IntegerField(
        allow_null=True, help_text="The grid's or person's id; null for unassigned households."
    )
    name = serializers.CharField()
    households = serializers.IntegerField()
    reached = serializers.IntegerField(help_text="已走访: someone met, or the house found empty.")
    attempted = serializers.IntegerField(help_text="未见到人: visited, nobody opened or refused.")
    never_reached = serializers.IntegerField(help_text="households - reached")
    percent = serializers.FloatField(help_text="reached / households × 100, one decimal.")


class PersonCoverageSerializer(CoverageRowSerializer):
    visits = serializers.IntegerField(help_text="Visits the person recorded in the campaign.")


class CoverageSerializer(serializers.Serializer):
    total = CoverageRowSerializer()
    grids = CoverageRowSerializer(many=True)
    people = PersonCoverageSerializer(many=True)


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    # Campaigns the caller may read (visit_selectors.campaigns_for), newest first; a
    # campaign outside answers 404. (A comment: a docstring would be printed in the schema.)
    queryset = Campaign.objects.none()
    serializer_class = CampaignSerializer
    permission_classes = [StaffWithRolePermissions]
    filter_backends = []

    def get_queryset(self):
        return visit_selectors.campaigns_for(self.request.user).prefetch_related("grids")

    def get_object(self) -> Campaign:
        return visit_selectors.get_campaign_for(self.request.user, self.kwargs["pk"])

    @extend_schema(
        responses=CoverageSerializer,
        description="A visit campaign's coverage over the households in the caller's "
        "jurisdiction: the total, per grid and per person (anti-fraud campaigns: empty).",
    )
    @action(detail=True, methods=["get"])
    def coverage(self, request, pk=None, format=None):
        campaign = self.get_object()
        user = request.user
        if campaign.kind != Campaign.Kind.VISIT:
            empty = {"key": None, "name": campaign.name, "households": 0, "reached": 0}
            empty |= {"attempted": 0, "never_reached": 0, "percent": 0.0}
            return Response({"total": empty, "grids": [], "people": []})
        data = {
            "total": visit_selectors.coverage_total(user, campaign),
            "grids": visit_selectors.coverage_by_grid(user, campaign),
            "people": visit_selectors.coverage_by_person(user, campaign),
        }
        return Response(CoverageSerializer(data).data)
