"""The services API: the public catalogue (read by anyone), applications for staff (scoped
list and detail, the moves on one), and applying from a phone app (public, idempotent).

Every write goes through ``services.services``; this module reads input, looks the
application up inside the caller's scope (404 outside it) and turns refusals into answers:
field errors (400), not allowed (403), changed meanwhile (409).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from fengqiao import rate_limits
from fengqiao.api_support import FIELD_ERRORS, NOT_ALLOWED, NOT_FOUND, api_error
from fengqiao.idempotency import CLIENT_KEY, sender_of
from fengqiao.org.api_permissions import StaffWithRolePermissions
from fengqiao.scoped_api import ReadOnlyModelSerializer
from fengqiao.services import selectors, services
from fengqiao.services.models import Application, Channel, Service

# --- output ------------------------------------------------------------------------------


class ServiceSerializer(ReadOnlyModelSerializer):
    station_name = serializers.CharField(source="station.name", read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "station",
            "station_name",
            "kind",
            "name",
            "who_may_apply",
            "materials",
            "time_limit_days",
            "promised_days",
            "channels",
            "one_visit",
            "slot_capacity",
            "note",
            "open",
        ]


class ApplicationSerializer(ReadOnlyModelSerializer):
    """Staff's view: phone and ID masked; full numbers only by a logged reveal (pages)."""

    service_name = serializers.CharField(source="service.name", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "tracking_code",
            "service",
            "service_name",
            "channel",
            "state",
            "applicant_name",
            "phone_masked",
            "id_masked",
            "booked_for",
            "submitted_at",
            "due_at",
            "paused_seconds",
            "missing_materials",
            "missing_requests",
            "finished_at",
            "refusal_reason",
            "building",
            "address_detail",
            "door_reason",
            "assignee",
            "visited_at",
            "satisfaction",
            "created_at",
            "version",
        ]


class ReceiptSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    state = serializers.CharField()
    booked_for = serializers.DateTimeField(allow_null=True)


# --- input -------------------------------------------------------------------------------


def _text(max_length: int, help_text: str = "") -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", help_text=help_text
    )


class ApplyInputSerializer(serializers.Serializer):
    client_key = serializers.RegexField(
        CLIENT_KEY.pattern,
        max_length=64,
        help_text="8–64 letters, digits, - or _, new for each application: the same key sent "
        "again returns the application it made instead of a second one.",
    )
    channel = serializers.ChoiceField(choices=Channel.choices)
    applicant_name = _text(50)
    phone = _text(30)
    id_number = _text(24)
    booked_for = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="A slot start (window)."
    )
    note = _text(1000)
    building = _text(40, "Building code (door to door).")
    address_detail = _text(100)
    door_reason = _text(12)


# The moves staff make on an application through ``act``.
ACTIONS = ["accept", "ask_missing", "supply", "complete", "refuse", "cancel", "visit"]


class ActionInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ACTIONS)
    materials = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, default=list
    )
    other = _text(200)
    note = _text(1000)
    reason = _text(1000)
    companions = _text(100)
    visited_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ApplicationQuerySerializer(serializers.Serializer):
    state = serializers.CharField(required=False, default="", allow_blank=True)
    channel = serializers.CharField(required=False, default="", allow_blank=True)
    mine = serializers.BooleanField(required=False, default=False)


# --- throttles ---------------------------------------------------------------------------

# Applications per client and per address through the API (staff are not held back).
APPLY_RATES = {"client": "10/min", "address": "60/min"}


class ApplyClientThrottle(rate_limits.ClientRateThrottle):
    scope = "services-apply"
    rates = APPLY_RATES
    setting = "FENGQIAO_SERVICE_APPLY_RATES"
    exempt_perm = services.ADD_APPLICATION


class ApplyAddressThrottle(rate_limits.AddressRateThrottle):
    scope = "services-apply-address"
    rates = APPLY_RATES
    setting = "FENGQIAO_SERVICE_APPLY_RATES"
    exempt_perm = services.ADD_APPLICATION


# --- views -------------------------------------------------------------------------------


class ServiceCatalogueViewSet(viewsets.ReadOnlyModelViewSet):
    # The catalogue is public: anyone may read the open services of every station, and
    # apply to one (a call for a service needs no account, like the pages).
    queryset = Service.objects.none()
    serializer_class = ServiceSerializer
    permission_classes = [AllowAny]
    filter_backends = []

    def get_queryset(self):
        return selectors.public_catalogue(
            township=self.request.query_params.get("township", ""),
            q=self.request.query_params.get("q", ""),
        )

    def get_object(self) -> Service:
        service = selectors.public_service(self.kwargs["pk"])
        if service is None:
            raise Http404
        return service

    @extend_schema(
        summary="Apply for this service or book a window slot (no account needed)",
        description="channel online/kiosk (an optional slot), window (a slot is required) or "
        "door (building code, address_detail, door_reason). The same client_key from the "
        "same client answers with the application already made (200). Anonymous callers are "
        "told apart by their session cookie; keep it.",
        request=ApplyInputSerializer,
        responses={
            201: ReceiptSerializer,
            200: OpenApiResponse(ReceiptSerializer, description="Already made with this key."),
            400: FIELD_ERRORS,
            404: NOT_FOUND,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="apply",
        url_name="apply",
        throttle_classes=[ApplyClientThrottle, ApplyAddressThrottle],
    )
    def apply(self, request, pk=None, format=None):
        service = self.get_object()
        given = ApplyInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        code = values.pop("building")
        building = selectors.public_building(code) if code else None
        if code and building is None:
            raise exceptions.ValidationError(
                {"building": [_("没有这个楼栋：%(code)s") % {"code": code}]}
            )
        user = request.user if request.user.is_authenticated else None
        try:
            made, created = services.apply(
                actor=user,
                sender=sender_of(user, session=request.session),
                service=service,
                building=building,
                **values,
            )
        except ValidationError as error:
            raise api_error(error) from None
        return Response(
            ReceiptSerializer(made).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ApplicationPermissions(StaffWithRolePermissions):
    """Reading needs ``view_application``; a move is then the services' to allow."""

    perms_map = {
        **StaffWithRolePermissions.perms_map,
        "POST": ["%(app_label)s.view_%(model_name)s"],
    }


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Application.objects.none()  # reads go through services.selectors
    serializer_class = ApplicationSerializer
    permission_classes = [ApplicationPermissions]
    filter_backends = []

    def get_queryset(self):
        query = ApplicationQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.applications_for(self.request.user, **query.validated_data)

    def get_object(self) -> Application:
        app = selectors.get_application_for(self.request.user, self.kwargs["pk"])
        self.check_object_permissions(self.request, app)
        return app

    @extend_schema(
        summary="Move an application: accept, ask for missing materials, supply, complete, "
        "refuse, cancel, or record the door-to-door visit",
        request=ActionInputSerializer,
        responses={
            200: ApplicationSerializer,
            400: FIELD_ERRORS,
            403: NOT_ALLOWED,
            404: NOT_FOUND,
            409: OpenApiResponse(description="Changed meanwhile: reload."),
        },
    )
    @action(detail=True, methods=["post"], url_path="act", url_name="act")
    def act(self, request, pk=None, format=None):
        app = self.get_object()
        given = ActionInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        d = given.validated_data
        user = request.user
        calls = {
            "accept": lambda: services.accept(actor=user, application=app),
            "ask_missing": lambda: services.ask_missing(
                actor=user, application=app, materials=d["materials"], other=d["other"]
            ),
            "supply": lambda: services.supply(actor=user, application=app),
            "complete": lambda: services.complete(actor=user, application=app, note=d["note"]),
            "refuse": lambda: services.refuse(actor=user, application=app, reason=d["reason"]),
            "cancel": lambda: services.cancel(actor=user, application=app, reason=d["reason"]),
            "visit": lambda: services.record_visit(
                actor=user,
                application=app,
                note=d["note"],
                visited_at=d["visited_at"],
                companions=d["companions"],
            ),
        }
        try:
            moved = calls[d["action"]]()
        except ValidationError as error:
            raise api_error(error, changed=services.ApplicationChanged) from None
        return Response(ApplicationSerializer(moved).data)
