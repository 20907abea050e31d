"""The indicators API: the same answer as ``fengqiao manage indicators`` (``indicators.answer``)
and the cases behind each figure.

Reading needs the figures permission (``analytics.view_dailyfact``); the target is looked up
inside the caller's jurisdiction (404 outside it, as for any record), and only facts and
cases inside it are counted.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao import taxonomy
from fengqiao.analytics import indicators, response
from fengqiao.analytics.indicators import DEFINITIONS, PARTS, Period, Target
from fengqiao.api_pagination import PageNumberPagination
from fengqiao.api_support import FIELD_ERRORS, NOT_FOUND, api_error
from fengqiao.disputes.models import Case
from fengqiao.org.permissions import VIEW_FIGURES

CHUNK = 500

# --- input -----------------------------------------------------------------------------


class TargetQuerySerializer(serializers.Serializer):
    """Whose figures: one of region, unit or person (default: your own area)."""

    region = serializers.CharField(
        required=False, max_length=32, help_text="A region code (county to grid)."
    )
    unit = serializers.CharField(required=False, max_length=32, help_text="A police unit code.")
    person = serializers.IntegerField(
        required=False, min_value=1, help_text="A person's id: the cases they handle."
    )


PERIOD_PARAMETERS = [
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        description="First day (YYYY-MM-DD), default 1 January of this year.",
    ),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (YYYY-MM-DD), default today."),
]


def _target_and_period(request) -> tuple[Target, Period]:
    """The target and period named by the query; errors name the parameter (400), a target
    outside the caller's jurisdiction is not found (404)."""
    query = TargetQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    named = query.validated_data
    try:
        period = Period.parse(request.query_params.get("from"), request.query_params.get("to"))
        target = indicators.target_for(
            request.user,
            region=named.get("region", ""),
            unit=named.get("unit", ""),
            person=named.get("person", ""),
        )
    except ValidationError as error:
        raise api_error(error) from None
    return target, period


class MayReadFigures(BasePermission):
    """The figures permission (police, mediators, chiefs, analysts, administrators)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(VIEW_FIGURES))


# --- output ----------------------------------------------------------------------------


class IndicatorTargetSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="region, unit or person")
    code = serializers.CharField(required=False, help_text="A region's or unit's code.")
    id = serializers.IntegerField(required=False, help_text="A person's id.")
    name = serializers.CharField()


class IndicatorPeriodSerializer(serializers.Serializer):
    def get_fields(self):
        # "from" is a Python keyword: the fields are named here.
        return {"from": serializers.DateField(), "to": serializers.DateField()}


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text="In the request's language.")
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    definition = serializers.CharField(help_text="Numerator / denominator, in words.")
    numerator_measure = serializers.CharField(allow_null=True)
    denominator_measure = serializers.CharField(allow_null=True)
    statistic = serializers.CharField(
        allow_null=True, help_text="median or p90 for a first-response time, else null."
    )
    unit = serializers.CharField(help_text="percent, per_10k, count or minutes")
    good = serializers.CharField(help_text="Which way is good: up, down or none.")
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(
        allow_null=True, help_text="Shown with every value: a zero denominator gives no value."
    )
    value = serializers.FloatField(allow_null=True, help_text="null when the denominator is 0.")
    previous = serializers.FloatField(allow_null=True, help_text="The value in previous_period.")
    last_year = serializers.FloatField(allow_null=True, help_text="The value in last_year_period.")
    mom = serializers.FloatField(allow_null=True, help_text="环比: change on previous, in %.")
    yoy = serializers.FloatField(allow_null=True, help_text="同比: change on last_year, in %.")


class IndicatorsSerializer(serializers.Serializer):
    target = IndicatorTargetSerializer()
    period = IndicatorPeriodSerializer()
    previous_period = IndicatorPeriodSerializer(help_text="For 环比 (month on month).")
    last_year_period = IndicatorPeriodSerializer(help_text="For 同比 (year on year).")
    indicators = IndicatorSerializer(many=True)


class ResponseLegSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="to_scene (received → on scene), to_dispatch, to_accept, to_depart, "
        "on_the_way (departed → on scene) or to_report (on scene → result)."
    )
    name = serializers.CharField(help_text="In the request's language.")
    count = serializers.IntegerField(help_text="Incidents with both timestamps of the leg.")
    median = serializers.FloatField(allow_null=True, help_text="Minutes.")
    p90 = serializers.FloatField(allow_null=True, help_text="Minutes.")


class ResponseTimesSerializer(serializers.Serializer):
    target = IndicatorTargetSerializer()
    period = IndicatorPeriodSerializer()
    previous_period = IndicatorPeriodSerializer(help_text="For 环比 (month on month).")
    last_year_period = IndicatorPeriodSerializer(help_text="For 同比 (year on year).")
    received = serializers.IntegerField(help_text="Incidents received in the period.")
    indicators = IndicatorSerializer(
        many=True,
        help_text="arrival_median and arrival_p90 (minutes to scene), shaped as the other "
        "indicators: the denominator is the number of incidents with an arrival.",
    )
    legs = ResponseLegSerializer(many=True, help_text="Every leg of the period.")


class IndicatorCaseSerializer(serializers.Serializer):
    """A case behind a figure: what identifies it, no party's data."""

    reference = serializers.CharField()
    title = serializers.CharField()
    category = serializers.ChoiceField(choices=taxonomy.choices("category"))
    risk = serializers.ChoiceField(choices=taxonomy.choices("risk"))
    level = serializers.IntegerField(help_text="化解层级：1 网格，2 社区警务，3 专业调解")
    state = serializers.ChoiceField(choices=taxonomy.choices("case_state"))
    received_at = serializers.DateTimeField()


# --- the views -------------------------------------------------------------------------


class IndicatorsView(APIView):
    # Comments, not a docstring: drf-spectacular would print it into the description.
    permission_classes = [MayReadFigures]

    @extend_schema(
        summary="Indicators of a region, unit or person for a period, with 环比 and 同比",
        parameters=[
            TargetQuerySerializer,
            *PERIOD_PARAMETERS,
            OpenApiParameter(
                "code",
                {"type": "array", "items": {"type": "string", "enum": list(DEFINITIONS)}},
                description="Only these indicators (repeated, or comma-separated).",
                explode=True,
            ),
        ],
        responses={200: IndicatorsSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND},
    )
    def get(self, request):
        target, period = _target_and_period(request)
        try:
            codes = indicators.parse_codes(request.query_params.getlist("code"))
        except ValidationError as error:
            raise api_error(error) from None
        return Response(indicators.answer(request.user, target, period, codes))


class RegionOrUnitQuerySerializer(TargetQuerySerializer):
    """Whose response times: a region or a police unit's area (default: your own area)."""

    person = None


class MayReadResponseTimes(BasePermission):
    """The figures permission and the incidents' (police, chiefs, analysts)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perms(response.VIEW_RESPONSE))


class ResponseTimesView(APIView):
    # Comments, not a docstring: drf-spectacular would print it into the description.
    # Incidents, not the cases' daily facts: a section of its own beside the indicators.
    permission_classes = [MayReadResponseTimes]

    @extend_schema(
        summary="Response times of a region or unit for a period: time to scene "
        "(arrival_median, arrival_p90) with 环比 and 同比, and every leg",
        parameters=[RegionOrUnitQuerySerializer, *PERIOD_PARAMETERS],
        responses={200: ResponseTimesSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND},
    )
    def get(self, request):
        target, period = _target_and_period(request)
        try:
            return Response(response.answer(request.user, target, period))
        except ValidationError as error:
            raise api_error(error) from None


class IndicatorCasesView(generics.ListAPIView):
    permission_classes = [MayReadFigures]
    serializer_class = IndicatorCaseSerializer
    pagination_class = PageNumberPagination
    filter_backends: list = []

    @extend_schema(
        summary="The cases behind an indicator's numerator or denominator",
        parameters=[
            OpenApiParameter(
                "code", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(DEFINITIONS)
            ),
            TargetQuerySerializer,
            *PERIOD_PARAMETERS,
            OpenApiParameter(
                "part",
                OpenApiTypes.STR,
                enum=list(PARTS),
                description="numerator (default) or denominator.",
            ),
        ],
        responses={200: IndicatorCaseSerializer(many=True), 400: FIELD_ERRORS, 404: NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        """The records behind the figure, newest first (a list: the pager reads a page)."""
        target, period = _target_and_period(self.request)
        part = self.request.query_params.get("part") or "numerator"
        try:
            return indicators.drill_down(
                self.request.user, target, period, self.kwargs["code"], part=part
            )
        except ValidationError as error:
            raise api_error(error) from None

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        titles = _titles(request.user, [record.id for record in page])
        rows = [
            {
                "reference": record.reference,
                "title": titles.get(record.id, ""),
                "category": record.category,
                "risk": record.risk,
                "level": record.level,
                "state": record.state,
                "received_at": record.received_at,
            }
            for record in page
        ]
        return self.get_paginated_response(IndicatorCaseSerializer(rows, many=True).data)


def _titles(user, ids: list[int]) -> dict[int, str]:
    titles: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        cases = Case.objects.for_user(user).filter(pk__in=ids[start : start + CHUNK])
        titles.update(cases.values_list("pk", "title"))
    return titles
