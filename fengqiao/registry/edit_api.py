"""Registry editing over the REST API: the same services as the pages (``registry.editing``),
so the same checks, scope and audit. The viewsets here are the registry's read viewsets
(``registry.api``) with their writes added; ``api_urls`` routes these.

A resident's add, correction or end answers with the change it made: ``applied`` for the
police, ``pending`` for a grid worker's or building head's until the police apply it
(``registry-changes/{id}/apply/``). Numbers go in full and come back masked. Adds and ends
are idempotent on the caller's ``Idempotency-Key``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from fengqiao.api_support import FIELD_ERRORS, NOT_ALLOWED, NOT_FOUND, api_error
from fengqiao.org.api_permissions import StaffWithRolePermissions
from fengqiao.registry import adding, editing, selectors
from fengqiao.registry import api as read
from fengqiao.registry.models import (
    END_REASON_CHOICES,
    ID_TYPE_CHOICES,
    Employment,
    Establishment,
    House,
    Occupancy,
    RegistryChange,
    Resident,
)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="8–64 letters, digits, - or _. Sending the same key again returns the change "
    "it first made (200) instead of a second one.",
)


def _client_key(request, in_body: str) -> str | None:
    in_header = request.headers.get("Idempotency-Key", "").strip()
    if in_header and in_body and in_header != in_body:
        raise exceptions.ValidationError(
            {"client_key": [_("client_key 与 Idempotency-Key 请求头不一致")]}
        )
    return in_header or in_body or None


def _only(request, serializer_class) -> None:
    """Refuse fields the input does not take (a role, a scope, a house moved by PATCH),
    rather than ignore them silently."""
    if not hasattr(request.data, "keys"):
        raise exceptions.ValidationError({"non_field_errors": [_("请求内容应为 JSON 对象")]})
    unknown = set(request.data.keys()) - set(serializer_class().fields)
    if unknown:
        raise exceptions.ValidationError(
            {field: [_("这个字段不能在这里修改")] for field in sorted(unknown)}
        )


def _edited(call):
    try:
        return call()
    except ValidationError as error:
        raise api_error(error) from None


# --- serializers -----------------------------------------------------------------------


class ChangeSerializer(serializers.ModelSerializer):
    fields_changed = serializers.JSONField(
        source="shown", read_only=True, help_text="{field: {old, new}}, numbers masked."
    )

    class Meta:
        model = RegistryChange
        fields = [
            "id",
            "kind",
            "status",
            "resident",
            "house",
            "fields_changed",
            "submitted_at",
            "reviewed_at",
            "review_note",
        ]
        read_only_fields = fields


class ResidentFieldsSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    id_type = serializers.ChoiceField(choices=ID_TYPE_CHOICES, required=False)
    id_number = serializers.CharField(
        max_length=24, required=False, allow_blank=True, help_text="In full; stored sealed."
    )
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    residence_type = serializers.ChoiceField(choices=Resident.ResidenceType.choices, required=False)
    hukou_place = serializers.CharField(max_length=120, required=False, allow_blank=True)
    moved_in = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ResidentAddSerializer(ResidentFieldsSerializer):
    house = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    client_key = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)


class ResidentEndSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=END_REASON_CHOICES)
    on = serializers.DateField(required=False, allow_null=True, help_text="Today when left out.")
    client_key = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)


class EndSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, help_text="Today when left out.")
    reason = serializers.CharField(max_length=100)


class HousePatchSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=20, required=False, allow_blank=True)
    use = serializers.ChoiceField(choices=House.Use.choices, required=False)
    owner_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    owner_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    area_m2 = serializers.DecimalField(
        max_digits=8, decimal_places=2, required=False, allow_null=True
    )


class UnitPatchSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Establishment.Kind.choices, required=False)
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True)
    in_charge_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    in_charge_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    security_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    security_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    employee_count = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)


CLIENT_KEY_FIELD = {"max_length": 64, "required": False, "default": "", "allow_blank": True}


class AddressAddSerializer(serializers.Serializer):
    grid = serializers.CharField(max_length=40, help_text="The grid's code.")
    road = serializers.CharField(max_length=60, required=False, allow_blank=True)
    door_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    compound = serializers.CharField(max_length=60, required=False, allow_blank=True)
    village_group = serializers.CharField(max_length=10, required=False, allow_blank=True)
    building_no = serializers.CharField(max_length=10, required=False, allow_blank=True)
    unit_no = serializers.CharField(max_length=10, required=False, allow_blank=True)
    floor = serializers.CharField(max_length=10, required=False, allow_blank=True)
    room = serializers.CharField(max_length=20, required=False, allow_blank=True)


class AtAddress(serializers.Serializer):
    address = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    client_key = serializers.CharField(**CLIENT_KEY_FIELD)


class HouseAddSerializer(AtAddress):
    label = serializers.CharField(max_length=20, required=False, allow_blank=True)
    use = serializers.ChoiceField(choices=House.Use.choices, required=False)
    owner_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    owner_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)


class UnitAddSerializer(AtAddress, UnitPatchSerializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Establishment.Kind.choices)


class EmployeeAddSerializer(serializers.Serializer):
    resident = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    position = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    since = serializers.DateField(required=False, allow_null=True)
    client_key = serializers.CharField(**CLIENT_KEY_FIELD)


class EmploymentEndSerializer(serializers.Serializer):
    employment = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    on = serializers.DateField(required=False, allow_null=True, help_text="Today when left out.")


class EmploymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Employment
        fields = ["id", "establishment", "resident", "position", "since", "until"]
        read_only_fields = fields


class MoveSerializer(serializers.Serializer):
    house = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    moved_in = serializers.DateField()
    residence_type = serializers.ChoiceField(choices=Resident.ResidenceType.choices, required=False)
    client_key = serializers.CharField(**CLIENT_KEY_FIELD)


class StayEndSerializer(ResidentEndSerializer):
    stay = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class StaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Occupancy
        fields = [
            "id",
            "resident",
            "house",
            "residence_type",
            "moved_in",
            "moved_out",
            "end_reason",
        ]
        read_only_fields = fields


def _added_answer(added, serializer) -> Response:
    return Response(
        serializer.data, status=status.HTTP_201_CREATED if added.created else status.HTTP_200_OK
    )


def _added_answers(serializer):
    return {
        201: serializer,
        200: OpenApiResponse(serializer, description="A replayed key: the first record."),
        400: FIELD_ERRORS,
        403: NOT_ALLOWED,
        404: NOT_FOUND,
    }


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    reason = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True, help_text="To reject."
    )


def _given(request, serializer_class) -> dict:
    _only(request, serializer_class)
    given = serializer_class(data=request.data)
    given.is_valid(raise_exception=True)
    return dict(given.validated_data)


def _change_answer(edit) -> Response:
    return Response(
        ChangeSerializer(edit.change).data,
        status=status.HTTP_201_CREATED if edit.created else status.HTTP_200_OK,
    )


CHANGE_ANSWERS = {
    201: ChangeSerializer,
    200: OpenApiResponse(ChangeSerializer, description="A replayed key: the first change."),
    400: FIELD_ERRORS,
    403: NOT_ALLOWED,
    404: NOT_FOUND,
}


# --- the viewsets with their writes ----------------------------------------------------


def _record_answers(serializer):
    return {200: serializer, 400: FIELD_ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND}


class StayActions:
    # ``move`` (a stay begins in another house) and ``end-stay`` on the resident viewset.

    @extend_schema(
        summary="The resident moves into another house (the police); the current stay ends",
        parameters=[IDEMPOTENCY_KEY],
        request=MoveSerializer,
        responses=_added_answers(StaySerializer),
    )
    @action(detail=True, methods=["post"], url_path="move", url_name="move")
    def move(self, request, pk=None, format=None):
        resident = self.get_object()
        values = _given(request, MoveSerializer)
        client_key = _client_key(request, values.pop("client_key"))
        house = _scoped_or_field_error(request.user, values.pop("house"))
        added = _edited(
            lambda: adding.add_stay(
                actor=request.user,
                resident=resident,
                house=house,
                values=values,
                client_key=client_key,
            )
        )
        return _added_answer(added, StaySerializer(added.record))

    @extend_schema(
        summary="End one of the resident's stays (the police); the current one ends the record",
        parameters=[IDEMPOTENCY_KEY],
        request=StayEndSerializer,
        responses=_record_answers(StaySerializer),
    )
    @action(detail=True, methods=["post"], url_path="end-stay", url_name="end-stay")
    def end_stay(self, request, pk=None, format=None):
        resident = self.get_object()
        values = _given(request, StayEndSerializer)
        client_key = _client_key(request, values.pop("client_key"))
        stay = _scoped_or_field_error(
            request.user, values.pop("stay"), resident.occupancies.all(), "stay"
        )
        _edited(
            lambda: adding.end_stay(
                actor=request.user, stay=stay, values=values, client_key=client_key
            )
        )
        stay.refresh_from_db()
        return Response(StaySerializer(stay).data)


class ResidentEditPermission(StaffWithRolePermissions):
    """Reads as every viewset; an add for the police or the ground (who submit), a
    correction or end for those who may also see residents."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return super().has_permission(request, view)
        user = request.user
        if not (user and user.is_authenticated):
            return False
        submits = user.has_perm(editing.SUBMIT)
        if view.action == "create":
            return submits or user.has_perm("registry.add_resident")
        return user.has_perm("registry.view_resident") and (
            submits or user.has_perm("registry.change_resident")
        )


class ResidentViewSet(StayActions, read.ResidentViewSet):
    # Residents in the caller's jurisdiction, numbers masked; POST adds, PATCH corrects,
    # ``end`` ends a stay (a comment: a docstring would be printed into every endpoint).
    permission_classes = [ResidentEditPermission]

    @extend_schema(
        summary="Add a resident (police: at once; the ground: waits for the police)",
        parameters=[IDEMPOTENCY_KEY],
        request=ResidentAddSerializer,
        responses=CHANGE_ANSWERS,
    )
    def create(self, request, *args, **kwargs):
        values = _given(request, ResidentAddSerializer)
        client_key = _client_key(request, values.pop("client_key"))
        house = _scoped_or_field_error(request.user, values.pop("house"))
        edit = _edited(
            lambda: editing.add_resident(
                actor=request.user, house=house, values=values, client_key=client_key
            )
        )
        return _change_answer(edit)

    @extend_schema(
        summary="Correct a resident's fields (only those sent)",
        parameters=[IDEMPOTENCY_KEY],
        request=ResidentFieldsSerializer,
        responses={**CHANGE_ANSWERS, 200: ChangeSerializer},
    )
    def partial_update(self, request, *args, **kwargs):
        resident = self.get_object()
        values = _given(request, ResidentFieldsSerializer)
        client_key = _client_key(request, "")
        edit = _edited(
            lambda: editing.correct_resident(
                actor=request.user, resident=resident, values=values, client_key=client_key
            )
        )
        return Response(ChangeSerializer(edit.change).data)

    @extend_schema(
        summary="End a resident's stay: moved away, died or de-registered (kept, not deleted)",
        parameters=[IDEMPOTENCY_KEY],
        request=ResidentEndSerializer,
        responses=CHANGE_ANSWERS,
    )
    @action(detail=True, methods=["post"], url_path="end", url_name="end")
    def end(self, request, pk=None, format=None):
        resident = self.get_object()
        values = _given(request, ResidentEndSerializer)
        client_key = _client_key(request, values.pop("client_key"))
        edit = _edited(
            lambda: editing.end_resident(
                actor=request.user, resident=resident, values=values, client_key=client_key
            )
        )
        return _change_answer(edit)


def _scoped_or_field_error(user, pk: int, queryset=None, field: str = "house"):
    """The record ``pk`` of a scoped queryset (houses unless said), else a field error:
    missing and out of scope read alike."""
    record = (selectors.houses_for(user) if queryset is None else queryset).filter(pk=pk).first()
    if record is None:
        missing = (
            _("没有这套房屋，或它不在您的辖区内：%(pk)s")
            if field == "house"
            else _("没有这条记录，或它不在您的辖区内：%(pk)s")
        )
        raise exceptions.ValidationError({field: [missing % {"pk": pk}]})
    return record


class HouseViewSet(read.HouseViewSet):
    # POST adds, PATCH corrects, ``end`` ends a house (the police).

    @extend_schema(
        summary="Add a house at an address",
        parameters=[IDEMPOTENCY_KEY],
        request=HouseAddSerializer,
        responses=_added_answers(read.HouseSerializer),
    )
    def create(self, request, *args, **kwargs):
        values = _given(request, HouseAddSerializer)
        client_key = _client_key(request, values.pop("client_key"))
        address = _scoped_or_field_error(
            request.user, values.pop("address"), selectors.addresses_for(request.user), "address"
        )
        added = _edited(
            lambda: adding.add_house(
                actor=request.user, address=address, values=values, client_key=client_key
            )
        )
        return _added_answer(added, self.get_serializer(added.record))

    @extend_schema(
        summary="Correct a house",
        request=HousePatchSerializer,
        responses=_record_answers(read.HouseSerializer),
    )
    def partial_update(self, request, *args, **kwargs):
        house = self.get_object()
        values = _given(request, HousePatchSerializer)
        if "area_m2" in values and values["area_m2"] is not None:
            values["area_m2"] = str(values["area_m2"])
        _edited(lambda: editing.correct_house(actor=request.user, house=house, values=values))
        return Response(self.get_serializer(house).data)

    @extend_schema(
        summary="End a house (demolished, merged): kept, marked ended",
        request=EndSerializer,
        responses=_record_answers(read.HouseSerializer),
    )
    @action(detail=True, methods=["post"], url_path="end", url_name="end")
    def end(self, request, pk=None, format=None):
        house = self.get_object()
        values = _given(request, EndSerializer)
        _edited(lambda: editing.end_house(actor=request.user, house=house, **values))
        return Response(self.get_serializer(house).data)


class EstablishmentViewSet(read.EstablishmentViewSet):
    # POST adds, PATCH corrects, ``close`` closes a unit; ``employees`` adds an employee,
    # ``end-employment`` ends one (the police).

    @extend_schema(
        summary="Add a unit at an address",
        parameters=[IDEMPOTENCY_KEY],
        request=UnitAddSerializer,
        responses=_added_answers(read.EstablishmentSerializer),
    )
    def create(self, request, *args, **kwargs):
        values = _given(request, UnitAddSerializer)
        client_key = _client_key(request, values.pop("client_key"))
        address = _scoped_or_field_error(
            request.user, values.pop("address"), selectors.addresses_for(request.user), "address"
        )
        added = _edited(
            lambda: adding.add_unit(
                actor=request.user, address=address, values=values, client_key=client_key
            )
        )
        return _added_answer(added, self.get_serializer(added.record))

    @extend_schema(
        summary="Add an employee (a resident in the caller's area) to a unit",
        parameters=[IDEMPOTENCY_KEY],
        request=EmployeeAddSerializer,
        responses=_added_answers(EmploymentSerializer),
    )
    @action(detail=True, methods=["post"], url_path="employees", url_name="employees")
    def employees(self, request, pk=None, format=None):
        unit = self.get_object()
        values = _given(request, EmployeeAddSerializer)
        client_key = _client_key(request, values.pop("client_key"))
        resident = _scoped_or_field_error(
            request.user, values.pop("resident"), selectors.residents_for(request.user), "resident"
        )
        added = _edited(
            lambda: adding.add_employee(
                actor=request.user, unit=unit, resident=resident, client_key=client_key, **values
            )
        )
        return _added_answer(added, EmploymentSerializer(added.record))

    @extend_schema(
        summary="End an employment at this unit (the employee left)",
        request=EmploymentEndSerializer,
        responses=_record_answers(EmploymentSerializer),
    )
    @action(detail=True, methods=["post"], url_path="end-employment", url_name="end-employment")
    def end_employment(self, request, pk=None, format=None):
        unit = self.get_object()
        values = _given(request, EmploymentEndSerializer)
        job = _scoped_or_field_error(
            request.user, values["employment"], unit.employments.all(), "employment"
        )
        job = _edited(
            lambda: editing.end_employment(actor=request.user, employment=job, on=values.get("on"))
        )
        return Response(EmploymentSerializer(job).data)

    @extend_schema(
        summary="Correct a unit",
        request=UnitPatchSerializer,
        responses=_record_answers(read.EstablishmentSerializer),
    )
    def partial_update(self, request, *args, **kwargs):
        unit = self.get_object()
        values = _given(request, UnitPatchSerializer)
        _edited(lambda: editing.correct_establishment(actor=request.user, unit=unit, values=values))
        return Response(self.get_serializer(unit).data)

    @extend_schema(
        summary="Close a unit; its current employees' jobs end the same day",
        request=EndSerializer,
        responses=_record_answers(read.EstablishmentSerializer),
    )
    @action(detail=True, methods=["post"], url_path="close", url_name="close")
    def close(self, request, pk=None, format=None):
        unit = self.get_object()
        values = _given(request, EndSerializer)
        _edited(lambda: editing.close_establishment(actor=request.user, unit=unit, **values))
        return Response(self.get_serializer(unit).data)


class AddressViewSet(read.AddressViewSet):
    # POST adds (or finds) a standard address, ``retire`` retires one (the police).

    @extend_schema(
        summary="Add a standard address in a grid (201), or find the one already registered "
        "with the same elements (200)",
        request=AddressAddSerializer,
        responses=_added_answers(read.AddressSerializer),
    )
    def create(self, request, *args, **kwargs):
        values = _given(request, AddressAddSerializer)
        code = values.pop("grid")

        def add():
            return adding.add_address(
                actor=request.user, grid=adding.grid_for(request.user, code), values=values
            )

        added = _edited(add)
        return _added_answer(added, self.get_serializer(added.record))

    @extend_schema(
        summary="Retire an address that no longer exists (kept for history)",
        request=EndSerializer,
        responses=_record_answers(read.AddressSerializer),
    )
    @action(detail=True, methods=["post"], url_path="retire", url_name="retire")
    def retire(self, request, pk=None, format=None):
        address = self.get_object()
        values = _given(request, EndSerializer)
        _edited(lambda: editing.retire_address(actor=request.user, address=address, **values))
        return Response(self.get_serializer(address).data)


class ChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    # Ground submissions waiting for the police of the caller's area; apply or reject.
    # (A comment, not a docstring: drf-spectacular would print it into every endpoint.)
    queryset = RegistryChange.objects.none()
    serializer_class = ChangeSerializer

    def get_queryset(self):
        if not self.request.user.has_perm(editing.REVIEW):
            return RegistryChange.objects.none()
        return selectors.pending_changes_for(self.request.user)

    @extend_schema(
        summary="Apply a pending change (the police of its area)",
        request=ReviewSerializer,
        responses=_record_answers(ChangeSerializer),
    )
    @action(detail=True, methods=["post"], url_path="apply", url_name="apply")
    def apply(self, request, pk=None, format=None):
        change = self.get_object()
        values = _given(request, ReviewSerializer)
        change = _edited(
            lambda: editing.apply_change(actor=request.user, change=change, note=values["note"])
        )
        return Response(ChangeSerializer(change).data)

    @extend_schema(
        summary="Send a pending change back with a reason",
        request=ReviewSerializer,
        responses=_record_answers(ChangeSerializer),
    )
    @action(detail=True, methods=["post"], url_path="reject", url_name="reject")
    def reject(self, request, pk=None, format=None):
        change = self.get_object()
        values = _given(request, ReviewSerializer)
        change = _edited(
            lambda: editing.reject_change(
                actor=request.user, change=change, reason=values["reason"]
            )
        )
        return Response(ChangeSerializer(change).data)
