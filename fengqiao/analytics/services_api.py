"""``/api/v1/indicators/services/``: the service indicators of a region or unit for a period
(``services_indicators``) in the shape of ``/api/v1/indicators/``, with the average rating,
what is overdue now, and the counts per service kind and per channel.

Reading needs the figures permission and the applications' (``VIEW_SERVICE_FIGURES``); the
target is looked up inside the caller's jurisdiction (404 outside it), and only
applications inside it are counted.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.analytics import services_indicators
from fengqiao.analytics.api import (
    PERIOD_PARAMETERS,
    IndicatorPeriodSerializer,
    IndicatorSerializer,
    IndicatorTargetSerializer,
    RegionOrUnitQuerySerializer,
    _target_and_period,
)
from fengqiao.analytics.indicators import Period, Target
from fengqiao.api_support import FIELD_ERRORS, NOT_FOUND, api_error
from fengqiao.services import figures
from fengqiao.services.figures import Tally
from fengqiao.services.models import Channel, ServiceKind


class MayReadServiceFigures(BasePermission):
    """The figures permission and the applications' (police, chiefs, analysts)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.has_perms(services_indicators.VIEW_SERVICE_FIGURES)
        )


class ServiceTallySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The service kind's or the channel's code.")
    name = serializers.CharField(help_text="In the request's language.")
    applications = serializers.IntegerField(help_text="Applications made in the period.")
    finished = serializers.IntegerField(help_text="办结: done or refused in writing.")
    on_time = serializers.IntegerField(help_text="Finished by the due time (pauses excluded).")
    completed = serializers.IntegerField(help_text="Done.")
    one_visit = serializers.IntegerField(help_text="Done, never asked for a missing material.")
    rated = serializers.IntegerField()
    satisfied = serializers.IntegerField(help_text="Rated 4 or 5.")
    average_satisfaction = serializers.FloatField(allow_null=True, help_text="1–5.")
    door = serializers.IntegerField(help_text="Door-to-door requests.")
    visited = serializers.IntegerField(help_text="Door-to-door requests visited.")


class ServiceFiguresSerializer(serializers.Serializer):
    target = IndicatorTargetSerializer()
    period = IndicatorPeriodSerializer()
    previous_period = IndicatorPeriodSerializer(help_text="For 环比 (month on month).")
    last_year_period = IndicatorPeriodSerializer(help_text="For 同比 (year on year).")
    indicators = IndicatorSerializer(
        many=True,
        help_text="service_applications, service_on_time_rate, service_one_visit_rate, "
        "service_satisfaction_rate and service_visit_rate, shaped as the other indicators.",
    )
    average_satisfaction = serializers.FloatField(
        allow_null=True, help_text="The applicants' average rating (1–5); null when none."
    )
    rated = serializers.IntegerField(help_text="Applications rated.")
    overdue_now = serializers.IntegerField(
        help_text="Accepted applications of the area past their due time now, whenever made "
        "(waiting for materials stops the clock)."
    )
    services = ServiceTallySerializer(many=True, help_text="Per service kind applied for.")
    channels = ServiceTallySerializer(many=True, help_text="Per channel, every channel.")


COUNTS = (
    "applications",
    "finished",
    "on_time",
    "completed",
    "one_visit",
    "rated",
    "satisfied",
    "door",
    "visited",
)


def _row(code: str, name, found: Tally) -> dict:
    return {
        "code": code,
        "name": str(name),
        **{count: getattr(found, count) for count in COUNTS},
        "average_satisfaction": found.average_satisfaction,
    }


def answer(user, target: Target, period: Period) -> dict:
    """The API's answer: the target, the three periods, the indicators with 环比 and 同比,
    the rating, what is overdue now and the counts per kind and channel."""
    found = services_indicators.tally_of(user, target, period)
    start, end = period.bounds()
    applications = figures.applications_for_figures(
        user, start=start, end=end, region_path=target.path
    )
    by_kind = figures.tally_by(applications, "kind")
    by_channel = figures.tally_by(applications, "channel")
    results = services_indicators.results(user, target, period, current=found)
    return {
        "target": target.as_dict(),
        "period": period.as_dict(),
        "previous_period": period.previous().as_dict(),
        "last_year_period": period.last_year().as_dict(),
        "indicators": [result.as_dict() for result in results],
        "average_satisfaction": found.average_satisfaction,
        "rated": found.rated,
        "overdue_now": figures.overdue_count(user, region_path=target.path),
        "services": [
            _row(code, label, by_kind[code])
            for code, label in ServiceKind.choices
            if code in by_kind
        ],
        "channels": [
            _row(code, label, by_channel.get(code, figures.NO_TALLY))
            for code, label in Channel.choices
        ],
    }


class ServiceFiguresView(APIView):
    # Comments, not a docstring: drf-spectacular would print it into the description.
    # Applications, not the cases' daily facts: a section of its own beside the indicators.
    permission_classes = [MayReadServiceFigures]

    @extend_schema(
        summary="Services to the people of a region or unit for a period: on time, one "
        "visit, satisfaction and door-to-door visits with 环比 and 同比, per kind and channel",
        parameters=[RegionOrUnitQuerySerializer, *PERIOD_PARAMETERS],
        responses={200: ServiceFiguresSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND},
    )
    def get(self, request):
        target, period = _target_and_period(request)
        try:
            return Response(answer(request.user, target, period))
        except ValidationError as error:
            raise api_error(error) from None
