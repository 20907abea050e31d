"""The reports API: scoped lists and details, and staff clients submitting reports.

A report enters only through ``intake.services.submit_report``, which keeps it inside the
caller's jurisdiction and answers the caller's own replayed ``Idempotency-Key`` with the
report it first created; this module reads the input and shapes the answer.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from fengqiao import taxonomy
from fengqiao.api_support import FIELD_ERRORS, NOT_ALLOWED, NOT_FOUND, api_error
from fengqiao.disputes.api_support import CasePartyInputSerializer
from fengqiao.disputes.services import CaseChanged
from fengqiao.intake import selectors
from fengqiao.intake.models import Report
from fengqiao.intake.services import submit_report
from fengqiao.org.models import Person
from fengqiao.org.scope import get_for
from fengqiao.places.models import Building
from fengqiao.scoped_api import ReadOnlyModelSerializer

KINDS = ", ".join(Report.Kind.values)

# --- output ----------------------------------------------------------------------------


class ReportAssigneeSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name"]


class ReportSerializer(ReadOnlyModelSerializer):
    # ``kind`` is a plain string: a choice field named "kind" would collide with the
    # police units' enum in the generated schema and rename it.
    kind = serializers.CharField(read_only=True, help_text=f"One of: {KINDS}.")
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    building = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    case = serializers.SlugRelatedField(
        slug_field="reference",
        read_only=True,
        allow_null=True,
        help_text="The case a dispute opened.",
    )
    # Blank until known: a report's category (non-disputes may have none) and feedback.
    category = serializers.ChoiceField(
        choices=taxonomy.choices("category"), read_only=True, allow_blank=True
    )
    feedback = serializers.ChoiceField(
        choices=Report.Feedback.choices, read_only=True, allow_blank=True
    )
    assignees = ReportAssigneeSerializer(many=True, read_only=True)
    reporter_phone = serializers.CharField(
        source="phone_masked",
        read_only=True,
        help_text="Always masked (138****5678): a full number is revealed only on the "
        "report's page, for a stated reason, and audited.",
    )

    class Meta:
        model = Report
        fields = [
            "tracking_code",
            "kind",
            "channel",
            "category",
            "risk",
            "status",
            "text",
            "reporter_name",
            "reporter_phone",
            "anonymous",
            "lon",
            "lat",
            "address",
            "grid",
            "grid_name",
            "building",
            "near_boundary",
            "assignees",
            "case",
            "created_at",
            "closed_at",
            "feedback",
            "satisfaction",
            "reopened",
            "dispatch",
            "needs_grading",
            "triage",
        ]


# --- input -----------------------------------------------------------------------------


@extend_schema_field({"type": "string", "minLength": 5, "maxLength": 5000})
class ReportText(serializers.CharField):
    """A report's text. ``submit_report`` checks its length (5 to 5,000 characters) with
    every other field, so all the problems come back at once; the schema states it."""


class ReportInputSerializer(serializers.Serializer):
    """Where it happened: a map point (lon, lat), a grid, a building, or an address."""

    channel = serializers.ChoiceField(choices=taxonomy.choices("channel"))
    kind = serializers.CharField(max_length=16, help_text=f"One of: {KINDS}.")
    text = ReportText()
    category = serializers.ChoiceField(
        choices=taxonomy.choices("category"),
        required=False,
        default="",
        allow_blank=True,
        help_text="Left out, triage reads it from the text.",
    )
    risk = serializers.ChoiceField(
        choices=taxonomy.choices("risk"),
        required=False,
        default="",
        allow_blank=True,
        help_text="Left out, triage grades the text.",
    )
    lon = serializers.FloatField(required=False, allow_null=True, default=None)
    lat = serializers.FloatField(required=False, allow_null=True, default=None)
    grid_code = serializers.CharField(max_length=32, required=False, default="", allow_blank=True)
    building = serializers.CharField(
        max_length=32, required=False, default="", allow_blank=True, help_text="Building code."
    )
    address = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    reporter_name = serializers.CharField(
        max_length=50, required=False, default="", allow_blank=True
    )
    reporter_phone = serializers.CharField(
        max_length=30, required=False, default="", allow_blank=True
    )
    anonymous = serializers.BooleanField(
        default=False, help_text="Hide the reporter's name from the public (staff still see it)."
    )
    client_key = serializers.CharField(
        max_length=64,
        required=False,
        default="",
        allow_blank=True,
        help_text="Same as the Idempotency-Key header: a replay returns the first report.",
    )
    parties = CasePartyInputSerializer(
        many=True, required=False, default=list, help_text="Disputes: the parties, if known."
    )


# --- the view --------------------------------------------------------------------------


class ReportFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Report.Status.choices)
    kind = filters.ChoiceFilter(choices=Report.Kind.choices)
    category = filters.ChoiceFilter(choices=taxonomy.choices("category"))
    grid = filters.CharFilter(field_name="grid__code", label="grid code")

    class Meta:
        model = Report
        fields = ["status", "kind", "category", "grid"]


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="8–64 letters, digits, - or _. Sending the same key again returns the report "
    "it first created (200) instead of a second one.",
)


@extend_schema_view(
    list=extend_schema(summary="Reports inside your jurisdiction, newest first"),
    retrieve=extend_schema(
        summary="One report by its tracking code",
        responses={200: ReportSerializer, 404: NOT_FOUND},
    ),
)
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Report.objects.none()  # reads go through intake.selectors
    serializer_class = ReportSerializer
    lookup_field = "tracking_code"
    lookup_value_regex = r"[^/]+"
    filterset_class = ReportFilter

    def get_queryset(self):
        reports = selectors.reports_for(self.request.user)
        return reports.select_related("case").prefetch_related(selectors.assignees_in_order())

    def get_object(self) -> Report:
        """The report inside the caller's scope; missing and outside look the same (404)."""
        report = selectors.get_report_for(self.request.user, self.kwargs["tracking_code"])
        self.check_object_permissions(self.request, report)
        return report

    @extend_schema(
        summary="Submit a report (a dispute also opens a case)",
        parameters=[IDEMPOTENCY_KEY],
        request=ReportInputSerializer,
        responses={
            201: ReportSerializer,
            200: OpenApiResponse(ReportSerializer, description="A replayed key: the first one."),
            400: FIELD_ERRORS,
            403: NOT_ALLOWED,
        },
    )
    def create(self, request, *args, **kwargs):
        given = ReportInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        client_key = self._client_key(values.pop("client_key"))
        values["building"] = self._building(values["building"])
        try:
            submission = submit_report(actor=request.user, client_key=client_key, **values)
        except ValidationError as error:
            raise api_error(error, changed=CaseChanged) from None
        report = submission.report
        # A new report holds its assignees already (submit_report): no query then.
        prefetch_related_objects([report], selectors.assignees_in_order())
        return Response(
            self.get_serializer(report).data,
            status=status.HTTP_201_CREATED if submission.created else status.HTTP_200_OK,
        )

    def _client_key(self, in_body: str) -> str | None:
        in_header = self.request.headers.get("Idempotency-Key", "").strip()
        if in_header and in_body and in_header != in_body:
            raise exceptions.ValidationError(
                {"client_key": [_("client_key 与 Idempotency-Key 请求头不一致")]}
            )
        return in_header or in_body or None

    def _building(self, code: str) -> Building | None:
        if not code:
            return None
        try:
            return get_for(self.request.user, Building.objects.select_related("grid"), code=code)
        except Http404:
            raise exceptions.ValidationError(
                {"building": [_("没有这个楼栋，或它不在您的辖区内：%(code)s") % {"code": code}]}
            ) from None
