"""Anti-fraud work over the REST API: record an event or a warning from a phone (idempotent
on ``client_key`` per sender: sent again, the first record answers 200 and nothing changes),
and read the figures per area and month, scoped like the pages. Full phones never leave
through the API: a warning answers with the masked number."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.api_support import FIELD_ERRORS, NOT_ALLOWED, api_error
from fengqiao.idempotency import CLIENT_KEY
from fengqiao.outreach import fraud_rules as rules
from fengqiao.outreach import fraud_selectors as selectors
from fengqiao.outreach import fraud_services as services
from fengqiao.outreach.models import Campaign, FraudWarning, OutreachEvent
from fengqiao.places.models import Region

# The service names the grid and campaign records; the API names them by code and id.
_RENAMED = {"grid": "grid_code"}


class _Holds(BasePermission):
    permission = ""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(self.permission))


class MayRecordEvents(_Holds):
    permission = services.ADD_EVENT


class MayRecordWarnings(_Holds):
    permission = services.ADD_WARNING


class MayReadFigures(_Holds):
    permission = "outreach.view_outreachevent"


class _RecordIn(serializers.Serializer):
    grid_code = serializers.CharField(max_length=32, help_text="The grid's region code.")
    campaign = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="An anti-fraud campaign's id."
    )
    note = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)
    client_key = serializers.RegexField(
        CLIENT_KEY,
        required=False,
        allow_null=True,
        default=None,
        help_text="8–64 letters, digits, - or _: the same key again answers with the first "
        "record (200) and writes nothing.",
    )

    def resolved(self) -> dict:
        """The validated values with the grid and campaign as records (None when unknown:
        the service then says what is missing)."""
        values = dict(self.validated_data)
        code = values.pop("grid_code")
        values["grid"] = Region.objects.unscoped_for_jobs().filter(code=code).first()
        campaign = values.get("campaign")
        if campaign is not None:
            values["campaign"] = Campaign.objects.unscoped_for_jobs().filter(pk=campaign).first()
            if values["campaign"] is None:
                raise serializers.ValidationError({"campaign": ["没有这个活动"]})
        if values["grid"] is None:
            raise serializers.ValidationError({"grid_code": ["没有这个网格编码"]})
        return values


class EventIn(_RecordIn):
    kind = serializers.ChoiceField(choices=OutreachEvent.Kind.choices)
    title = serializers.CharField(max_length=100)
    held_on = serializers.DateField(help_text="Not after today, at most a year back.")
    people_reached = serializers.IntegerField(required=False, default=0)
    app_installs = serializers.IntegerField(
        required=False, default=0, help_text="At most people_reached."
    )
    leaflets = serializers.IntegerField(required=False, default=0)


class EventOut(serializers.ModelSerializer):
    grid_code = serializers.CharField(source="grid.code", read_only=True)

    class Meta:
        model = OutreachEvent
        fields = [
            "id",
            "kind",
            "title",
            "grid_code",
            "held_on",
            "people_reached",
            "app_installs",
            "leaflets",
            "campaign",
            "note",
            "recorded_at",
        ]
        read_only_fields = fields


class WarningIn(_RecordIn):
    warned_at = serializers.DateTimeField(help_text="Not in the future, at most a year back.")
    level = serializers.ChoiceField(choices=FraudWarning.Level.choices)
    method = serializers.ChoiceField(choices=FraudWarning.Method.choices)
    person_name = serializers.CharField(max_length=50)
    phone = serializers.CharField(
        max_length=30,
        required=False,
        default="",
        allow_blank=True,
        help_text="Needed for sms and call; stored sealed, answered masked.",
    )
    outcome = serializers.ChoiceField(choices=FraudWarning.Outcome.choices)
    payment_stopped = serializers.BooleanField(required=False, default=False)
    amount_stopped = serializers.CharField(
        max_length=20,
        required=False,
        default="0",
        help_text="Yuan, two decimals; only with payment_stopped (and then above zero).",
    )
    amount_lost = serializers.CharField(
        max_length=20,
        required=False,
        default="0",
        help_text="Yuan, two decimals; only when the outcome is already_lost.",
    )


class WarningOut(serializers.ModelSerializer):
    grid_code = serializers.CharField(source="grid.code", read_only=True)
    phone = serializers.CharField(
        source="phone_masked", read_only=True, help_text="Always masked (138****1234)."
    )

    class Meta:
        model = FraudWarning
        fields = [
            "id",
            "grid_code",
            "warned_at",
            "level",
            "method",
            "person_name",
            "phone",
            "outcome",
            "payment_stopped",
            "amount_stopped",
            "amount_lost",
            "campaign",
            "note",
            "recorded_at",
        ]
        read_only_fields = fields


def _renamed(error: ValidationError) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {_RENAMED.get(field, field): messages for field, messages in error.message_dict.items()}
    )


_RECORDED = {400: FIELD_ERRORS, 403: NOT_ALLOWED}


def _recorded(out) -> dict:
    """The answers of a recording post: 201 made, 200 when its client key was sent before."""
    return {
        201: out,
        200: OpenApiResponse(out, description="The client key was sent before."),
        **_RECORDED,
    }


def _record(request, given_class, write, out) -> Response:
    """Parse the post with ``given_class``, record it with ``write`` (a ``fraud_services``
    function answering ``(record, made)``) and answer it with ``out``; a refusal is a 400
    keyed by the API's field names."""
    given = given_class(data=request.data)
    given.is_valid(raise_exception=True)
    try:
        made, was_made = write(actor=request.user, **given.resolved())
    except ValidationError as error:
        raise api_error(_renamed(error)) from None
    return Response(out(made).data, status=status.HTTP_201_CREATED if was_made else 200)


class FraudEventsView(APIView):
    # Comments, not a docstring: drf-spectacular would print it into the description.
    permission_classes = [MayRecordEvents]

    @extend_schema(
        summary="Record an anti-fraud publicity event (宣讲、摆摊、上门宣传)",
        request=EventIn,
        responses=_recorded(EventOut),
    )
    def post(self, request):
        return _record(request, EventIn, services.record_event, EventOut)


class FraudWarningsView(APIView):
    permission_classes = [MayRecordWarnings]

    @extend_schema(
        summary="Record a warning given to a likely victim (预警劝阻) and a payment stopped",
        request=WarningIn,
        responses=_recorded(WarningOut),
    )
    def post(self, request):
        return _record(request, WarningIn, services.record_warning, WarningOut)


class FiguresQuery(serializers.Serializer):
    start = serializers.RegexField(
        r"^\d{4}-\d{2}$", required=False, help_text="First month, YYYY-MM (default: this one)."
    )
    end = serializers.RegexField(
        r"^\d{4}-\d{2}$", required=False, help_text="Last month, YYYY-MM (default: this one)."
    )
    by = serializers.ChoiceField(
        choices=list(selectors.AREA_LEVELS), required=False, default="community"
    )

    def validate(self, values):
        for name in ("start", "end"):
            if name in values and rules.parse_month(values[name]) is None:
                raise serializers.ValidationError({name: ["月份格式应为 YYYY-MM"]})
        return values


class FiguresSerializer(serializers.Serializer):
    events = serializers.IntegerField()
    talks = serializers.IntegerField()
    stalls = serializers.IntegerField()
    door_to_door = serializers.IntegerField()
    other_events = serializers.IntegerField()
    people_reached = serializers.IntegerField()
    leaflets = serializers.IntegerField()
    event_installs = serializers.IntegerField(help_text="Installs reported at events.")
    household_installs = serializers.IntegerField(
        help_text="Households whose visit found the app, once each, at the first such visit."
    )
    app_installs = serializers.IntegerField(help_text="event_installs + household_installs")
    broadcasts = serializers.IntegerField(help_text="Community broadcasts of topic anti_fraud.")
    broadcast_reach = serializers.IntegerField(help_text="Members those broadcasts reached.")
    warnings = serializers.IntegerField(
        allow_null=True, help_text="Null (and what follows zero) without view_fraudwarning."
    )
    high = serializers.IntegerField()
    medium = serializers.IntegerField()
    low = serializers.IntegerField()
    by_sms = serializers.IntegerField()
    by_call = serializers.IntegerField()
    by_visit = serializers.IntegerField()
    dissuaded = serializers.IntegerField()
    not_reached = serializers.IntegerField()
    already_lost = serializers.IntegerField()
    not_fraud = serializers.IntegerField()
    payments_stopped = serializers.IntegerField()
    amount_stopped = serializers.DecimalField(max_digits=14, decimal_places=2)
    amount_lost = serializers.DecimalField(max_digits=14, decimal_places=2)


class AreaRowSerializer(serializers.Serializer):
    code = serializers.CharField(source="area.code", allow_null=True, default=None)
    name = serializers.CharField(source="label", help_text="Empty: broadcasts to several areas.")
    figures = FiguresSerializer()


class MonthRowSerializer(serializers.Serializer):
    month = serializers.CharField(source="label", help_text="YYYY-MM")
    figures = FiguresSerializer()


class FraudFiguresSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="YYYY-MM")
    end = serializers.CharField(help_text="YYYY-MM")
    by = serializers.CharField()
    total = FiguresSerializer()
    areas = AreaRowSerializer(many=True)
    months = MonthRowSerializer(many=True)


class FraudFiguresView(APIView):
    permission_classes = [MayReadFigures]

    @extend_schema(
        summary="Anti-fraud figures of the caller's jurisdiction per area and per month",
        parameters=[FiguresQuery],
        responses={200: FraudFiguresSerializer, 400: FIELD_ERRORS, 403: NOT_ALLOWED},
    )
    def get(self, request):
        query = FiguresQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        span = rules.month_span(values.get("start"), values.get("end"), today=timezone.localdate())
        user = request.user
        data = {
            "start": span.param(span.first),
            "end": span.param(span.last),
            "by": values["by"],
            "total": selectors.figures_for(user, start=span.start, end=span.end),
            "areas": selectors.figures_by_area(
                user, level=values["by"], start=span.start, end=span.end
            ),
            "months": selectors.figures_by_month(user, span=span),
        }
        return Response(FraudFiguresSerializer(data).data)
