"""The dispatch API: incidents (110 transfers in, suggestions, dispatch, the officer's steps
and result), units on duty (status, the phone's position) and the residents' one-click alarm.

Every write goes through ``dispatch.services``; this module reads input, looks the incident
or unit up inside the caller's scope (404 outside it) and turns the services' refusals into
answers: field errors or ``{"detail": ...}`` (400), not allowed (403).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from fengqiao import rate_limits, taxonomy
from fengqiao.api_support import (
    FIELD_ERRORS,
    NOT_ALLOWED,
    NOT_FOUND,
    ErrorSerializer,
    ReceivedPeriodSerializer,
    api_error,
    received_in,
)
from fengqiao.dispatch import rules, selectors, services
from fengqiao.dispatch.models import DutyUnit, Incident
from fengqiao.disputes.api_support import CasePartyInputSerializer
from fengqiao.idempotency import CLIENT_KEY, sender_of
from fengqiao.org.api_permissions import StaffWithRolePermissions
from fengqiao.org.models import Unit
from fengqiao.org.scope import get_for
from fengqiao.places.models import Building
from fengqiao.privacy import mask_numbers
from fengqiao.scoped_api import ReadOnlyModelSerializer

INCIDENT_STATUSES = ", ".join(Incident.Status.values)
OUTCOMES = ", ".join(Incident.Outcome.values)
UNIT_STATUSES = ", ".join(DutyUnit.Status.values)
UNIT_KINDS = ", ".join(DutyUnit.Kind.values)
THROTTLED = OpenApiResponse(
    ErrorSerializer, description="请求过于频繁 / too many alarms from this client: wait a minute."
)

# --- output ----------------------------------------------------------------------------


class MaskedTextField(serializers.CharField):
    """Free text as it was taken down, with any phone or ID number in it masked."""

    def to_representation(self, value) -> str:
        return mask_numbers(super().to_representation(value))


class IncidentSerializer(ReadOnlyModelSerializer):
    # ``status`` and ``outcome`` are plain strings: choice fields of those names would
    # collide with the reports' and hand-offs' enums in the generated schema and rename them.
    status = serializers.CharField(read_only=True, help_text=f"One of: {INCIDENT_STATUSES}.")
    outcome = serializers.CharField(
        read_only=True, help_text=f"Blank until the result: one of {OUTCOMES}."
    )
    category = serializers.ChoiceField(
        choices=taxonomy.choices("category"), read_only=True, allow_blank=True
    )
    text = MaskedTextField(read_only=True, help_text="警情内容, numbers in it masked.")
    result = MaskedTextField(read_only=True, help_text="处置情况, numbers in it masked.")
    caller_phone = serializers.CharField(
        source="phone_masked",
        read_only=True,
        help_text="Always masked (138****5678): a full number is revealed only on the "
        "incident's page, for a stated reason, and audited.",
    )
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    building = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    station = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="The police station whose jurisdiction holds the place.",
    )
    unit = serializers.SlugRelatedField(
        slug_field="call_sign",
        read_only=True,
        allow_null=True,
        help_text="出警力量: the call sign of the unit sent.",
    )
    unit_id = serializers.IntegerField(read_only=True, allow_null=True)
    case = serializers.SlugRelatedField(
        slug_field="reference",
        read_only=True,
        allow_null=True,
        help_text="The dispute case the result opened (carrying this number).",
    )

    class Meta:
        model = Incident
        fields = [
            "number",
            "from_110",
            "channel",
            "risk",
            "category",
            "text",
            "caller_name",
            "caller_phone",
            "silent",
            "grid",
            "grid_name",
            "building",
            "address",
            "lon",
            "lat",
            "location_source",
            "location_uncertain",
            "station",
            "status",
            "unit",
            "unit_id",
            "received_at",
            "dispatched_at",
            "accepted_at",
            "departed_at",
            "arrived_at",
            "reported_at",
            "outcome",
            "result",
            "case",
        ]


class IncidentDetailSerializer(IncidentSerializer):
    report = serializers.SlugRelatedField(
        slug_field="tracking_code",
        read_only=True,
        help_text="The report intake's door stored for it.",
    )
    next_step = serializers.SerializerMethodField(
        help_text="The step the unit sent may record next (accepted, departed, on_scene), or null."
    )
    suggested = serializers.JSONField(
        read_only=True, help_text="The suggestion shown when the unit was sent, for review."
    )

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "report", "next_step", "suggested"]

    def get_next_step(self, incident: Incident) -> str | None:
        return rules.next_step(incident.status)


class SuggestionSerializer(serializers.Serializer):
    unit = serializers.IntegerField(read_only=True, help_text="The unit's id (to dispatch it).")
    call_sign = serializers.CharField(read_only=True)
    distance_m = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Straight line, metres; null if unknown."
    )
    eta_minutes = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Minutes over roads at the kind's speed."
    )
    stale = serializers.BooleanField(
        read_only=True, help_text="Its position is older than 10 minutes (or unknown)."
    )
    beat_officer = serializers.BooleanField(
        read_only=True, help_text="It serves the beat that covers the place."
    )


class DutyUnitSerializer(ReadOnlyModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=f"One of: {UNIT_KINDS}.")
    status = serializers.CharField(read_only=True, help_text=f"One of: {UNIT_STATUSES}.")
    station = serializers.SlugRelatedField(slug_field="code", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True)
    beat = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    members = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    stale = serializers.SerializerMethodField(
        help_text="The last fix is older than 10 minutes (or there is none): the unit may "
        "have moved since."
    )

    class Meta:
        model = DutyUnit
        fields = [
            "id",
            "call_sign",
            "kind",
            "station",
            "station_name",
            "beat",
            "members",
            "status",
            "status_at",
            "lon",
            "lat",
            "accuracy_m",
            "fix_at",
            "stale",
        ]

    def get_stale(self, unit: DutyUnit) -> bool:
        return rules.is_stale(unit.fix_at, self.context.get("now") or timezone.now())


class PositionAnswerSerializer(serializers.Serializer):
    units = serializers.IntegerField(
        read_only=True, help_text="How many of your units took the fix (units off duty keep none)."
    )


class AlarmReceiptSerializer(serializers.Serializer):
    number = serializers.CharField(read_only=True, help_text="警情编号")
    tracking_code = serializers.CharField(
        source="report.tracking_code",
        read_only=True,
        help_text="查询码: follow the alarm with it, as any report.",
    )
    status = serializers.CharField(read_only=True, help_text=f"One of: {INCIDENT_STATUSES}.")


# --- input -----------------------------------------------------------------------------


def _optional_text(max_length: int, help_text: str = "") -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, default="", allow_blank=True, help_text=help_text
    )


def _optional_float(help_text: str = "", **bounds) -> serializers.FloatField:
    return serializers.FloatField(
        required=False, allow_null=True, default=None, help_text=help_text, **bounds
    )


class Transfer110Serializer(serializers.Serializer):
    """Where it happened: a map point (lon, lat), a grid code, or an address."""

    number = serializers.CharField(
        max_length=services.MAX_NUMBER_CHARS,
        help_text="110 警情编号: becomes the incident's number. Sent again, it answers with "
        "the incident it made (200) and changes nothing.",
    )
    received_at = serializers.DateTimeField(help_text="110 接警时间 (not in the future).")
    text = serializers.CharField(max_length=5000, help_text="警情内容, 5 to 5,000 characters.")
    caller_name = _optional_text(50)
    caller_phone = _optional_text(30)
    address = _optional_text(200)
    lon = _optional_float()
    lat = _optional_float()
    grid_code = _optional_text(32)
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


class DispatchSerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        min_value=1, help_text="The id of an available unit in your jurisdiction."
    )


class StepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(
        choices=[(step, step) for step in rules.STEPS],
        help_text="签收 accepted, 出警 departed, 到场 on_scene: each in order, once.",
    )


class ResultSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=16, help_text=f"One of: {OUTCOMES}.")
    result = serializers.CharField(max_length=2000, help_text="处置情况 (at least 4 characters).")
    category = serializers.ChoiceField(
        choices=taxonomy.choices("category"),
        required=False,
        default="",
        allow_blank=True,
        help_text="The dispute's category when the outcome is a case.",
    )
    parties = CasePartyInputSerializer(
        many=True, required=False, default=list, help_text="The case's parties, if known."
    )


class UnitStatusSerializer(serializers.Serializer):
    status = serializers.CharField(max_length=12, help_text=f"One of: {UNIT_STATUSES}.")


class PositionSerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    accuracy_m = _optional_float("定位精度（米）", min_value=0)


class AlarmSerializer(serializers.Serializer):
    """Where the caller is: the device's point (lon, lat), else a building's code (on its
    plate), else a grid code."""

    client_key = serializers.RegexField(
        CLIENT_KEY.pattern,
        max_length=64,
        help_text="8–64 letters, digits, - or _, new for each alarm: the same key sent again "
        "returns the alarm it raised instead of a second one.",
    )
    lon = _optional_float(min_value=-180, max_value=180)
    lat = _optional_float(min_value=-90, max_value=90)
    location_source = serializers.ChoiceField(
        choices=Incident.LocationSource.choices,
        required=False,
        default=Incident.LocationSource.DEVICE,
        help_text="Where the place came from; last_known (a remembered fix) is marked for "
        "the police to confirm.",
    )
    building = _optional_text(40, "Building code.")
    grid_code = _optional_text(32)
    note = _optional_text(services.MAX_NOTE_CHARS, "What is happening, if the caller can say.")
    caller_name = _optional_text(50)
    caller_phone = _optional_text(30, "A signed-in resident's confirmed phone is used instead.")
    silent = serializers.BooleanField(
        required=False, default=False, help_text="静默报警: the caller cannot speak."
    )

    def validate(self, values):
        if (values["lon"] is None) != (values["lat"] is None):
            raise serializers.ValidationError({"lat": _("请同时提供经度和纬度")})
        return values


class IncidentQuerySerializer(ReceivedPeriodSerializer):
    """The list's filters (``dispatch.selectors.incidents_for``)."""

    q = serializers.CharField(
        required=False,
        max_length=64,
        help_text="An incident or 110 number, the case reference or court number it became, "
        "or the last 4 digits of the caller's phone.",
    )
    status = serializers.ChoiceField(
        choices=Incident.Status.choices, required=False, help_text="Only this status."
    )
    open = serializers.BooleanField(required=False, help_text="Only incidents not closed.")
    station = serializers.CharField(
        required=False,
        max_length=32,
        help_text="A police unit's code inside your jurisdiction: its incidents.",
    )


class DutyUnitQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=DutyUnit.Status.choices, required=False, help_text="Only this status."
    )
    on_duty = serializers.BooleanField(required=False, help_text="Only units not off duty.")
    station = serializers.CharField(
        required=False,
        max_length=32,
        help_text="A police unit's code inside your jurisdiction: its units (with its rooms').",
    )


# --- permissions and throttles ---------------------------------------------------------


class IncidentPermissions(StaffWithRolePermissions):
    """Reading needs ``view_incident``, a 110 transfer ``add_incident``; the moves on an
    incident are then the services' to allow (dispatchers dispatch, the unit sent records
    its steps)."""

    perms_map = {
        **StaffWithRolePermissions.perms_map,
        "POST": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return getattr(view, "action", None) != "create" or request.user.has_perm(
            services.RECEIVE_110
        )


class DutyUnitPermissions(StaffWithRolePermissions):
    """Units are read with ``view_dutyunit``; who may set a status or report a position
    (the unit's members, its managers) is the services' to decide."""

    perms_map = {
        **StaffWithRolePermissions.perms_map,
        "POST": ["%(app_label)s.view_%(model_name)s"],
    }


ALARM_RATES = {"client": "10/min", "address": "120/min"}


class AlarmClientThrottle(rate_limits.ClientRateThrottle):
    """Alarms per client. Taps within a minute are one alarm anyway; this stops a script."""

    scope = "alarm"
    rates = ALARM_RATES
    setting = "FENGQIAO_ALARM_RATES"


class AlarmAddressThrottle(rate_limits.AddressRateThrottle):
    """Alarms per network address, looser than per client."""

    scope = "alarm-address"
    rates = ALARM_RATES
    setting = "FENGQIAO_ALARM_RATES"


# --- helpers ---------------------------------------------------------------------------


def _renamed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """A service's field errors under this API's names for those fields."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {names.get(field, field): messages for field, messages in error.error_dict.items()}
    )


# intake's names for the caller and the text, as this API calls them.
TRANSFER_FIELDS = {"reporter_name": "caller_name", "reporter_phone": "caller_phone"}
ALARM_FIELDS = {**TRANSFER_FIELDS, "text": "note"}


def _station_in_scope(user, code: str) -> Unit:
    try:
        return get_for(user, Unit.objects.select_related("jurisdiction"), code=code)
    except Http404:
        raise exceptions.ValidationError(
            {"station": [_("没有这个单位，或它不在您的辖区内：%(code)s") % {"code": code}]}
        ) from None


# --- incidents -------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Incidents (警情) inside your jurisdiction, newest first",
        parameters=[IncidentQuerySerializer],
        responses={200: IncidentSerializer(many=True), 400: FIELD_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One incident by its number (yours, or one your unit was sent to)",
        responses={200: IncidentDetailSerializer, 404: NOT_FOUND},
    ),
)
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Incident.objects.none()  # reads go through dispatch.selectors
    serializer_class = IncidentSerializer
    lookup_field = "number"
    lookup_value_regex = r"[^/]+"
    filter_backends = []
    permission_classes = [IncidentPermissions]

    def get_queryset(self):
        query = IncidentQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        incidents = selectors.incidents_for(
            self.request.user,
            q=filters.get("q", ""),
            status=filters.get("status", ""),
            open_only=filters.get("open", False),
        )
        if filters.get("station"):
            station = _station_in_scope(self.request.user, filters["station"])
            incidents = incidents.filter(unit_path__startswith=station.path)
        return received_in(incidents, filters.get("from"), filters.get("to"))

    def get_serializer_class(self):
        return IncidentSerializer if self.action == "list" else IncidentDetailSerializer

    def get_object(self) -> Incident:
        """The incident inside the caller's scope, else 404 (missing and outside alike)."""
        incident = selectors.get_incident_for(self.request.user, self._number())
        self.check_object_permissions(self.request, incident)
        return incident

    def _number(self) -> str:
        return self.kwargs["number"].strip().upper()

    def _visible(self) -> Incident:
        """The incident in scope, or one sent to a unit the caller is a member of: a unit
        from the next township sent here reads it and records its steps like the station's
        own. Else 404."""
        user, number = self.request.user, self._number()
        found = selectors.incidents_for(user).filter(number=number).select_related("report")
        found = found.first() or (
            selectors.assigned_to(user)
            .filter(number=number)
            .select_related("station", "case", "report")
            .first()
        )
        if found is None:
            raise Http404
        self.check_object_permissions(self.request, found)
        return found

    def _detail(self, incident: Incident) -> dict:
        return IncidentDetailSerializer(incident, context=self.get_serializer_context()).data

    def retrieve(self, request, *args, **kwargs):
        return Response(self._detail(self._visible()))

    @extend_schema(
        summary="Register a 110 transfer (110 转警) as an incident",
        request=Transfer110Serializer,
        responses={
            201: IncidentDetailSerializer,
            200: OpenApiResponse(
                IncidentDetailSerializer,
                description="The 110 number was already registered: that incident, unchanged.",
            ),
            400: FIELD_ERRORS,
            403: NOT_ALLOWED,
        },
    )
    def create(self, request, *args, **kwargs):
        given = Transfer110Serializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            incident, created = services.receive_110(actor=request.user, **given.validated_data)
        except ValidationError as error:
            raise api_error(_renamed(error, TRANSFER_FIELDS)) from None
        return Response(
            self._detail(incident),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="The available units to send, in order (推荐出警力量)",
        responses={200: SuggestionSerializer(many=True), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def suggestions(self, request, number=None, format=None):
        incident = self.get_object()
        suggested = [s.as_dict() for s in selectors.suggestions_for(incident)]
        return Response(SuggestionSerializer(suggested, many=True).data)

    @extend_schema(
        summary="Send a unit (派警)",
        request=DispatchSerializer,
        responses={
            200: IncidentDetailSerializer,
            400: FIELD_ERRORS,
            403: NOT_ALLOWED,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def send_unit(self, request, number=None, format=None):
        incident = self.get_object()
        # Who may not dispatch hears so before any lookup answers them about units.
        if not request.user.has_perm(services.DISPATCH):
            raise PermissionDenied(_("您没有派警的权限"))
        given = DispatchSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        unit = selectors.units_for(request.user).filter(pk=given.validated_data["unit"]).first()
        if unit is None:
            raise exceptions.ValidationError({"unit": [_("没有这支力量，或它不在您的辖区内")]})
        shown = [s.as_dict() for s in selectors.suggestions_for(incident)]
        try:
            incident = services.dispatch_incident(
                incident=incident, unit=unit, actor=request.user, suggested=shown
            )
        except ValidationError as error:
            raise api_error(error) from None
        return Response(self._detail(incident))

    @extend_schema(
        summary="Record a step from the phone of the unit sent: 签收, 出警, 到场",
        request=StepSerializer,
        responses={
            200: IncidentDetailSerializer,
            400: FIELD_ERRORS,
            403: NOT_ALLOWED,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"])
    def steps(self, request, number=None, format=None):
        incident = self._visible()
        given = StepSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            incident = services.record_step(
                incident=incident, actor=request.user, step=given.validated_data["step"]
            )
        except ValidationError as error:
            raise api_error(error) from None
        return Response(self._detail(incident))

    @extend_schema(
        summary="Report how it ended (反馈): closes the incident, or opens a case carrying "
        "its number",
        request=ResultSerializer,
        responses={
            200: IncidentDetailSerializer,
            400: FIELD_ERRORS,
            403: NOT_ALLOWED,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"])
    def result(self, request, number=None, format=None):
        incident = self._visible()
        given = ResultSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        try:
            incident = services.report_result(
                incident=incident,
                actor=request.user,
                outcome=values["outcome"],
                result=values["result"],
                category=values["category"],
                parties=values["parties"] or None,
            )
        except ValidationError as error:
            raise api_error(error) from None
        return Response(self._detail(incident))


# --- units on duty ---------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Units on duty (执勤力量) inside your jurisdiction",
        parameters=[DutyUnitQuerySerializer],
        responses={200: DutyUnitSerializer(many=True), 400: FIELD_ERRORS},
    ),
)
class DutyUnitViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = DutyUnit.objects.none()  # reads go through dispatch.selectors
    serializer_class = DutyUnitSerializer
    filter_backends = []
    permission_classes = [DutyUnitPermissions]

    def get_queryset(self):
        query = DutyUnitQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        station = None
        if filters.get("station"):
            station = _station_in_scope(self.request.user, filters["station"])
        units = selectors.units_for(
            self.request.user, station=station, on_duty=filters.get("on_duty", False)
        )
        if filters.get("status"):
            units = units.filter(status=filters["status"])
        return units.prefetch_related("members")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _unit(self, pk: str) -> DutyUnit:
        """A unit in the caller's scope, or one they are a member of; else 404."""
        user = self.request.user
        try:
            pk = int(pk)
        except ValueError:
            raise Http404 from None
        unit = (
            selectors.units_for(user).filter(pk=pk).first()
            or selectors.units_of(user).filter(pk=pk).first()
        )
        if unit is None:
            raise Http404
        return unit

    @extend_schema(
        summary="Set a unit's status (a member of it, or whoever runs its station)",
        request=UnitStatusSerializer,
        responses={
            200: DutyUnitSerializer,
            400: FIELD_ERRORS,
            403: NOT_ALLOWED,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def set_status(self, request, pk=None, format=None):
        unit = self._unit(pk)
        given = UnitStatusSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            unit = services.set_unit_status(
                actor=request.user, unit=unit, status=given.validated_data["status"]
            )
        except ValidationError as error:
            raise api_error(error) from None
        unit = self._unit(unit.pk)
        return Response(DutyUnitSerializer(unit, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="The officer's phone reports where it is: every unit of theirs on duty "
        "takes the fix",
        request=PositionSerializer,
        responses={200: PositionAnswerSerializer, 400: FIELD_ERRORS, 403: NOT_ALLOWED},
    )
    @action(detail=False, methods=["post"])
    def position(self, request, format=None):
        given = PositionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            moved = services.report_position(actor=request.user, **given.validated_data)
        except ValidationError as error:
            raise api_error(error) from None
        return Response(PositionAnswerSerializer({"units": moved}).data)


# --- the residents' one-click alarm ----------------------------------------------------


class AlarmViewSet(viewsets.GenericViewSet):
    # Open to everyone, signed in or not: a call for help needs no account.
    queryset = Incident.objects.none()
    serializer_class = AlarmSerializer
    permission_classes = [AllowAny]
    throttle_classes = [AlarmClientThrottle, AlarmAddressThrottle]

    @extend_schema(
        summary="One-click alarm (一键报警) from a phone app; no account needed",
        description="Raises an incident through intake's door, located by the device's "
        "point, a building's code or a grid. The same client_key from the same client, or "
        "a second tap within a minute, answers with the alarm already raised (200). "
        "Anonymous callers are told apart by their session cookie; keep it.",
        request=AlarmSerializer,
        responses={
            201: AlarmReceiptSerializer,
            200: OpenApiResponse(
                AlarmReceiptSerializer, description="The alarm already raised by this client."
            ),
            400: FIELD_ERRORS,
            403: NOT_ALLOWED,
            429: THROTTLED,
        },
    )
    def create(self, request, *args, **kwargs):
        given = AlarmSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        user = request.user if request.user.is_authenticated else None
        started = timezone.now()
        try:
            incident = services.raise_alarm(
                actor=user,
                sender=sender_of(user, session=request.session),
                building=self._building(values.pop("building")),
                **values,
            )
        except ValidationError as error:
            raise api_error(_renamed(error, ALARM_FIELDS)) from None
        created = incident.created_at >= started
        return Response(
            AlarmReceiptSerializer(incident).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _building(self, code: str) -> Building | None:
        """The building named by the code on its plate: any building, as intake's public
        door takes any place (staff are kept to their jurisdiction by intake itself)."""
        if not code:
            return None
        building = Building.objects.published().select_related("grid").filter(code=code).first()
        if building is None:
            raise exceptions.ValidationError(
                {"building": [_("没有这个楼栋：%(code)s") % {"code": code}]}
            )
        return building
