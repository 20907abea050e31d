"""The cases API: scoped lists and details, staff opening a case, and moves of a case.

Every write goes through ``disputes.services``; this module only reads input, looks the
case up inside the caller's scope (404 outside it) and turns the services' refusals into
answers: field errors or ``{"detail": ...}`` (400), not allowed (403), changed meanwhile
(409).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fengqiao import taxonomy
from fengqiao.api_support import (
    FIELD_ERRORS,
    NOT_ALLOWED,
    NOT_FOUND,
    Conflict,
    ErrorSerializer,
    ReceivedPeriodSerializer,
    api_error,
    received_in,
)
from fengqiao.disputes import (
    moves,
    parties,
    routing,
    rules,
    selectors,
    services,
    supervision,
    verification,
)
from fengqiao.disputes.api_support import CasePartyInputSerializer
from fengqiao.disputes.models import Case, CaseEvent, Handoff, Party, Supervision
from fengqiao.org.api_permissions import StaffWithRolePermissions
from fengqiao.org.models import Person, Unit
from fengqiao.org.scope import get_for
from fengqiao.places.models import Building, Region, subtree_q
from fengqiao.privacy import mask_numbers
from fengqiao.scoped_api import ReadOnlyModelSerializer

CHANGED = OpenApiResponse(
    ErrorSerializer, description="The case changed since `version` (or meanwhile): reload it."
)

# --- output ----------------------------------------------------------------------------


class CaseHandlerSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name"]


class CasePartySerializer(ReadOnlyModelSerializer):
    phone = serializers.CharField(
        source="phone_masked",
        read_only=True,
        help_text="Always masked (138****5678): a full number is revealed only on the case "
        "page, for a stated reason, and audited.",
    )
    id_number = serializers.CharField(
        source="id_masked",
        read_only=True,
        help_text="Always masked (110***********002X), like ``phone``.",
    )

    class Meta:
        model = Party
        fields = [
            "id",
            "role",
            "kind",
            "name",
            "phone",
            "id_number",
            "address",
            "credit_code",
            "representative",
        ]


class CaseEventSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = CaseEvent
        fields = ["id", "at", "kind", "from_state", "to_state", "actor_name", "note", "payload"]


class CaseSerializer(ReadOnlyModelSerializer):
    # ``level`` is a plain integer here: a choice field named "level" would collide with
    # the region levels' enum in the generated schema and rename it.
    level = serializers.IntegerField(
        read_only=True, help_text="化解层级：1 网格，2 社区警务，3 专业调解"
    )
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    building = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    report = serializers.SlugRelatedField(
        slug_field="tracking_code",
        read_only=True,
        allow_null=True,
        help_text="The report it came from.",
    )
    merged_into = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )
    handlers = CaseHandlerSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "reference",
            "title",
            "category",
            "risk",
            "level",
            "state",
            "channel",
            "grid",
            "grid_name",
            "building",
            "address",
            "report",
            "merged_into",
            "handlers",
            "incident_number",
            "court_number",
            "received_at",
            "first_action_at",
            "resolved_at",
            "closed_at",
            "paused_since",
            "version",
        ]


class MaskedTextField(serializers.CharField):
    """Free text as staff typed it, with any phone or ID number in it masked: numbers are
    revealed only on the case page, for a stated reason, and audited."""

    def to_representation(self, value) -> str:
        return mask_numbers(super().to_representation(value))


class CaseSupervisionSerializer(ReadOnlyModelSerializer):
    reason = MaskedTextField(read_only=True)
    answer = MaskedTextField(read_only=True)
    issued_by = serializers.CharField(source="issued_by.name", read_only=True, allow_null=True)
    unit = serializers.CharField(
        source="unit.name", read_only=True, allow_null=True, help_text="The unit held to account."
    )
    person = serializers.CharField(
        source="person.name",
        read_only=True,
        allow_null=True,
        help_text="The person held to account.",
    )
    answered_by = serializers.CharField(source="answered_by.name", read_only=True, allow_null=True)

    class Meta:
        model = Supervision
        fields = [
            "id",
            "card",
            "points",
            "reason",
            "due_on",
            "issued_at",
            "issued_by",
            "unit",
            "person",
            "answer",
            "answered_at",
            "answered_by",
            "closed_at",
        ]


class CaseHandoffSerializer(ReadOnlyModelSerializer):
    request = MaskedTextField(read_only=True)
    answer = MaskedTextField(read_only=True)
    sent_by = serializers.CharField(source="sent_by.name", read_only=True, allow_null=True)

    class Meta:
        model = Handoff
        fields = [
            "id",
            "kind",
            "body",
            "body_name",
            "request",
            "due_on",
            "sent_at",
            "sent_by",
            "pauses_clock",
            "answer",
            "outcome",
            "answered_at",
            "answered_by_name",
            "cancelled_at",
        ]


class CaseDetailSerializer(CaseSerializer):
    parties = CasePartySerializer(many=True, read_only=True)
    leader = CaseHandlerSerializer(
        read_only=True, allow_null=True, help_text="包案领导: who answers for the case."
    )
    supervisions = CaseSupervisionSerializer(
        many=True, read_only=True, help_text="Supervision orders (督办), newest first."
    )
    handoffs = CaseHandoffSerializer(
        many=True,
        read_only=True,
        help_text="Hand-offs (转办) and referrals (转介), newest first.",
    )
    events = CaseEventSerializer(many=True, read_only=True, help_text="The timeline, oldest first.")
    team = serializers.CharField(source="team.name", read_only=True, allow_null=True)
    allowed_actions = serializers.SerializerMethodField(
        help_text="The moves the caller may make now (for the transitions endpoint)."
    )

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "narrative",
            "request",
            "team",
            "parties",
            "leader",
            "supervisions",
            "handoffs",
            "events",
            "allowed_actions",
        ]

    def get_allowed_actions(self, case: Case) -> list[str]:
        user = self.context["request"].user
        if not user.has_perm(services.CHANGE_CASE):
            return []
        return [name for name in ACTIONS if moves.may_now(user, case, name)]


# --- input -----------------------------------------------------------------------------


class CaseInputSerializer(serializers.Serializer):
    grid_code = serializers.CharField(
        min_length=1, max_length=32, help_text="A grid inside your jurisdiction."
    )
    building = serializers.CharField(
        max_length=32, required=False, default="", allow_blank=True, help_text="Building code."
    )
    category = serializers.ChoiceField(choices=taxonomy.choices("category"))
    risk = serializers.ChoiceField(choices=taxonomy.choices("risk"))
    channel = serializers.ChoiceField(choices=taxonomy.choices("channel"))
    title = serializers.CharField(min_length=1, max_length=120)
    narrative = serializers.CharField(min_length=1)
    request = serializers.CharField(required=False, default="", allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    parties = CasePartyInputSerializer(many=True, required=False, default=list)


# The moves this API offers, each with the service that makes it. ``reopen`` is the
# reporter's (by tracking code).
ACTIONS = {
    "accept": "transition",
    "investigate": "transition",
    "start_mediation": "transition",
    "reach_agreement": "transition",
    "fail_mediation": "transition",
    "start_follow_up": "transition",
    "close": "transition",
    "escalate": "escalate_case",
    "de_escalate": "de_escalate_case",
    "regrade": "regrade_case",
    "pause": "pause_clock",
    "resume": "resume_clock",
    "transfer": "transfer_case",
    "withdraw": "withdraw_case",
    "merge": "merge_case",
    "reassign": "reassign_case",
    "verify": "verification.verify_case",
    "reject_verification": "verification.reject_verification",
    "supervise": "supervision.issue_supervision",
    "answer_supervision": "supervision.answer_supervision",
    "close_supervision": "supervision.close_supervision",
    "name_leader": "supervision.name_leader",
}
ORDER_ACTIONS = moves.ORDER_ACTIONS


def _optional_id(help_text: str) -> serializers.IntegerField:
    """An id a move may name (absent or null: none), looked up by the view in reach."""
    return serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, help_text=help_text
    )


class CaseTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(name, name) for name in ACTIONS])
    version = serializers.IntegerField(
        help_text="The case's version as you last read it; a newer one answers 409."
    )
    note = serializers.CharField(required=False, default="", allow_blank=True)
    reason = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        help_text="Why (escalate, de_escalate, regrade, pause, transfer, withdraw, merge, "
        "reassign, reject_verification, supervise, name_leader); "
        "the note stands in when empty.",
    )
    risk = serializers.ChoiceField(
        choices=taxonomy.choices("risk"), required=False, help_text="regrade: the new grade."
    )
    body = serializers.CharField(
        required=False, default="", allow_blank=True, help_text="transfer: the receiving body."
    )
    transfer_kind = serializers.ChoiceField(
        choices=[(kind, kind) for kind in rules.TRANSFER_KINDS],
        required=False,
        default="department",
        help_text="transfer: where the case goes; 'criminal' is a dispute that became a "
        "criminal case (民转刑).",
    )
    court_number = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=64,
        help_text="transfer to a court: the court's case number (法院案号), found by the "
        "case search.",
    )
    into = serializers.CharField(
        required=False, default="", allow_blank=True, help_text="merge: the reference kept."
    )
    grid_code = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=32,
        help_text="reassign: the grid the case moves to (inside your jurisdiction).",
    )
    building = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=32,
        help_text="reassign: a building code in that grid (or in the case's grid).",
    )
    team = _optional_id("reassign: the id of a handling body that serves the case's place.")
    due_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="supervise: the date the case must be settled by (today or later).",
    )
    card = serializers.ChoiceField(
        choices=Supervision.Card.choices,
        required=False,
        default=Supervision.Card.NONE,
        help_text="supervise: the card shown (yellow 1 point, red 3).",
    )
    person = _optional_id(
        "supervise: the id of the person held to account, one of the case's "
        "handlers or its team (default: the handler posted in a unit)."
    )
    unit = _optional_id(
        "supervise: the id of the unit held to account (default: the person's "
        "unit, else the police station over the case's place)."
    )
    supervision = _optional_id("answer_supervision, close_supervision: the id of the case's order.")
    answer = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        help_text="answer_supervision: what was done.",
    )
    leader = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="name_leader: the id of a station chief or administrator in your "
        "jurisdiction; null releases the case's leader.",
    )

    def validate(self, values):
        if values["action"] == "regrade" and not values.get("risk"):
            raise serializers.ValidationError({"risk": _("请选择新的风险等级")})
        if values["action"] == "merge" and not values["into"].strip():
            raise serializers.ValidationError({"into": _("请填写要合并到的案件编号")})
        if values["action"] == "reassign" and not (
            values["grid_code"].strip() or values["building"].strip() or values["team"]
        ):
            raise serializers.ValidationError(
                {"grid_code": _("请填写改派到的网格、楼栋或承办团队")}
            )
        if values["action"] == "supervise" and values["due_on"] is None:
            raise serializers.ValidationError({"due_on": _("请填写办结期限")})
        if values["action"] in ORDER_ACTIONS and values["supervision"] is None:
            raise serializers.ValidationError({"supervision": _("请选择督办单")})
        if values["action"] == "name_leader" and "leader" not in values:
            raise serializers.ValidationError(
                {"leader": _("请选择包案领导（撤销包案领导请填 null）")}
            )
        return values


# --- the view --------------------------------------------------------------------------


class CasePermissions(StaffWithRolePermissions):
    """Reading needs ``view_case``; opening or moving a case needs ``change_case`` (the
    permission of everyone who works cases); the services then check role and scope."""

    perms_map = {
        **StaffWithRolePermissions.perms_map,
        "POST": ["%(app_label)s.change_%(model_name)s"],
    }


class CaseQuerySerializer(ReceivedPeriodSerializer):
    """The list's filters: the worklist's own (``disputes.selectors.cases_for``)."""

    state = serializers.ChoiceField(
        choices=[("active", _("未结束")), *taxonomy.choices("case_state")],
        required=False,
        help_text="A state, or `active` for every case not ended.",
    )
    risk = serializers.ChoiceField(choices=taxonomy.choices("risk"), required=False)
    level = serializers.ChoiceField(choices=taxonomy.choices("level"), required=False)
    category = serializers.ChoiceField(choices=taxonomy.choices("category"), required=False)
    grid = serializers.CharField(required=False, help_text="Grid code.")
    mine = serializers.BooleanField(required=False, help_text="Only cases you handle.")
    overdue = serializers.BooleanField(required=False, help_text="Only (approximately) overdue.")
    q = serializers.CharField(
        required=False,
        help_text="Reference, title, a party's name, or the last 4+ digits of a party's phone.",
    )
    region = serializers.CharField(
        required=False,
        max_length=32,
        help_text="A region code inside your jurisdiction: cases in its subtree (county to "
        "grid), as the indicators count them.",
    )


@extend_schema_view(
    list=extend_schema(
        summary="Cases inside your jurisdiction, newest first",
        parameters=[CaseQuerySerializer],
        responses={200: CaseSerializer(many=True), 400: FIELD_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One case with its parties, handlers and timeline",
        responses={200: CaseDetailSerializer, 404: NOT_FOUND},
    ),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Case.objects.none()  # reads go through disputes.selectors
    lookup_field = "reference"
    lookup_value_regex = r"[^/]+"
    filter_backends = []
    permission_classes = [CasePermissions]

    def get_queryset(self):
        query = CaseQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = dict(query.validated_data)
        grid = filters.pop("grid", "")
        region = filters.pop("region", "")
        start, end = filters.pop("from", None), filters.pop("to", None)
        cases = selectors.cases_for(self.request.user, **filters).select_related(
            "building", "report", "merged_into"
        )
        if region:
            cases = cases.filter(subtree_q(self._region_in_scope(region).path, "scope_path"))
        cases = received_in(cases, start, end)
        return cases.filter(grid__code=grid) if grid else cases

    def retrieve(self, request, *args, **kwargs):
        case = _with_ladder(self.get_object())
        return Response(CaseDetailSerializer(case, context=self.get_serializer_context()).data)

    def get_serializer_class(self):
        return CaseSerializer if self.action == "list" else CaseDetailSerializer

    def get_object(self) -> Case:
        """The case inside the caller's scope; missing and outside look the same (404)."""
        case = selectors.get_case_for(self.request.user, self.kwargs["reference"])
        self.check_object_permissions(self.request, case)
        return case

    @extend_schema(
        summary="Open a case directly (staff)",
        request=CaseInputSerializer,
        responses={201: CaseDetailSerializer, 400: FIELD_ERRORS, 403: NOT_ALLOWED},
    )
    def create(self, request, *args, **kwargs):
        given = CaseInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        grid = self._grid_in_scope(values.pop("grid_code"))
        building = self._building_in(grid, values.pop("building"))
        try:
            case = services.open_case(actor=request.user, grid=grid, building=building, **values)
        except ValidationError as error:
            raise api_error(error, changed=services.CaseChanged) from None
        return Response(self._detail(case), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move a case: accept, escalate, regrade, pause, transfer, merge, verify, "
        "supervise ...",
        request=CaseTransitionSerializer,
        responses={
            200: CaseDetailSerializer,
            400: FIELD_ERRORS,
            403: NOT_ALLOWED,
            404: NOT_FOUND,
            409: CHANGED,
        },
    )
    @action(detail=True, methods=["post"])
    def transitions(self, request, reference=None, format=None):
        case = self.get_object()
        given = CaseTransitionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        move = given.validated_data
        if move["version"] != case.version:
            raise Conflict(_("这个案件刚刚被其他人修改过，请刷新后再操作"))
        try:
            if move["action"] == "reassign":
                self._reassign(case, move)
            elif move["action"] in LADDER_MOVES:
                self._ladder_move(case, move)
            else:
                _apply(case, request.user, move)
        except ValidationError as error:
            raise api_error(error, changed=services.CaseChanged) from None
        return Response(self._detail(case))

    @extend_schema(
        summary="Add a party to a case (applicant, respondent or third party)",
        request=CasePartyInputSerializer,
        responses={
            201: CasePartySerializer,
            400: FIELD_ERRORS,
            403: NOT_ALLOWED,
            404: NOT_FOUND,
            409: CHANGED,
        },
    )
    @action(detail=True, methods=["post"], url_path="parties")
    def add_party(self, request, reference=None, format=None):
        case = self.get_object()
        given = CasePartyInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            party = parties.add_party(case=case, actor=request.user, **given.validated_data)
        except ValidationError as error:
            raise api_error(error, changed=services.CaseChanged) from None
        return Response(CasePartySerializer(party).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Correct a party: only the fields sent change (an empty phone or ID number "
        "clears it)",
        request=CasePartyInputSerializer(partial=True),
        responses={
            200: CasePartySerializer,
            400: FIELD_ERRORS,
            403: NOT_ALLOWED,
            404: NOT_FOUND,
            409: CHANGED,
        },
    )
    @action(detail=True, methods=["patch"], url_path=r"parties/(?P<party_id>[0-9]+)")
    def correct_party(self, request, reference=None, party_id=None, format=None):
        case = self.get_object()
        party = case.parties.filter(pk=int(party_id)).first()
        if party is None:
            raise exceptions.NotFound(_("本案没有这个当事人"))
        given = CasePartyInputSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        try:
            party = parties.update_party(party=party, actor=request.user, **given.validated_data)
        except ValidationError as error:
            raise api_error(error, changed=services.CaseChanged) from None
        return Response(CasePartySerializer(party).data)

    def _reassign(self, case: Case, move: dict) -> Case:
        """Look the new place and body up inside the caller's reach, then re-route. Who may
        not steer hears so before any lookup answers them about places."""
        user = self.request.user
        services.ensure_may(user, case, "reassign")
        grid = self._grid_in_scope(move["grid_code"]) if move["grid_code"].strip() else None
        building = self._building_in(grid or case.grid, move["building"])
        team = None
        if move["team"] is not None:
            team = routing.handling_teams_for(user, case).filter(pk=move["team"]).first()
            if team is None:
                raise exceptions.ValidationError(
                    {"team": [_("没有这个承办团队，或它不服务于本案所在地")]}
                )
        return routing.reassign_case(
            case=case,
            actor=user,
            reason=move["reason"] or move["note"],
            grid=grid,
            building=building,
            team=team,
            version=move["version"],
        )

    def _ladder_move(self, case: Case, move: dict) -> None:
        """Verification, supervision and the case leader, through their own services. The
        people, units and orders named by id are looked up inside the case and the caller's
        reach; who may not supervise hears so before any lookup answers them about people."""
        user, name = self.request.user, move["action"]
        reason = move["reason"] or move["note"]
        if name == "verify":
            verification.verify_case(case=case, actor=user, note=move["note"])
        elif name == "reject_verification":
            verification.reject_verification(case=case, actor=user, reason=reason)
        elif name == "supervise":
            if not services.may_take(user, case, "supervise"):
                raise PermissionDenied(supervision.REFUSED)
            supervision.issue_supervision(
                case=case,
                actor=user,
                reason=reason,
                due_on=move["due_on"],
                card=move["card"],
                person=self._accountable_person(case, move["person"]),
                unit=self._unit_in_reach(move["unit"]),
            )
        elif name == "name_leader":
            if not services.may_take(user, case, "name_leader"):
                raise PermissionDenied(supervision.REFUSED)
            leader = None
            if move["leader"] is not None:
                leader = supervision.leader_choices(user).filter(pk=move["leader"]).first()
                if leader is None:
                    raise exceptions.ValidationError(
                        {"leader": [_("包案领导须是您辖区内在岗的所长或管理员")]}
                    )
            supervision.name_leader(case=case, actor=user, leader=leader, reason=reason)
        else:
            order = case.supervisions.filter(pk=move["supervision"]).first()
            if order is None:
                raise exceptions.ValidationError({"supervision": [_("本案没有这件督办")]})
            if name == "answer_supervision":
                supervision.answer_supervision(order=order, actor=user, answer=move["answer"])
            else:
                supervision.close_supervision(order=order, actor=user, note=move["note"])

    def _accountable_person(self, case: Case, pk: int | None) -> Person | None:
        """Whom an order may hold to account: the case's handlers and its team, in reach."""
        if pk is None:
            return None
        person = (
            Person.objects.for_user(self.request.user)
            .filter(Q(cases=case) | Q(teams__cases=case), pk=pk)
            .first()
        )
        if person is None:
            raise exceptions.ValidationError(
                {"person": [_("被督办人须是本案的承办人或承办团队成员")]}
            )
        return person

    def _unit_in_reach(self, pk: int | None) -> Unit | None:
        if pk is None:
            return None
        unit = Unit.objects.for_user(self.request.user).filter(pk=pk).first()
        if unit is None:
            raise exceptions.ValidationError({"unit": [_("被督办单位不存在或不在您的辖区")]})
        return unit

    def _detail(self, case: Case) -> dict:
        """The case as it is now, read back through the same lookup as the detail."""
        case = _with_ladder(selectors.get_case_for(self.request.user, case.reference))
        return CaseDetailSerializer(case, context=self.get_serializer_context()).data

    def _grid_in_scope(self, code: str) -> Region:
        try:
            return get_for(self.request.user, Region.objects.filter(level="grid"), code=code)
        except Http404:
            raise exceptions.ValidationError(
                {"grid_code": [_("没有这个网格，或它不在您的辖区内：%(code)s") % {"code": code}]}
            ) from None

    def _region_in_scope(self, code: str) -> Region:
        try:
            return get_for(self.request.user, Region, code=code)
        except Http404:
            raise exceptions.ValidationError(
                {"region": [_("没有这个地区，或它不在您的辖区内：%(code)s") % {"code": code}]}
            ) from None

    def _building_in(self, grid: Region, code: str) -> Building | None:
        if not code:
            return None
        building = Building.objects.for_user(self.request.user).filter(grid=grid, code=code)
        building = building.first()
        if building is None:
            raise exceptions.ValidationError(
                {"building": [_("这个网格里没有楼栋 %(code)s") % {"code": code}]}
            )
        return building


# The moves ``CaseViewSet._ladder_move`` makes (the other services of ``ACTIONS``).
LADDER_MOVES = frozenset(name for name, service in ACTIONS.items() if "." in service)


def _with_ladder(case: Case) -> Case:
    """The case with its leader, supervision orders and hand-offs loaded once."""
    supervision.load_ladder(case)
    prefetch_related_objects([case], "handoffs__sent_by")
    return case


def _apply(case: Case, actor, move: dict) -> Case:
    """Hand the move to its service. PermissionDenied passes through (403)."""
    name, note = move["action"], move["note"]
    reason = move["reason"] or note
    if ACTIONS[name] == "transition":
        return services.transition(case=case, actor=actor, action=name, note=note)
    if name == "escalate":
        return services.escalate_case(case=case, actor=actor, reason=reason)
    if name == "de_escalate":
        return services.de_escalate_case(case=case, actor=actor, reason=reason)
    if name == "regrade":
        return services.regrade_case(case=case, actor=actor, risk=move["risk"], reason=reason)
    if name == "pause":
        return services.pause_clock(case=case, actor=actor, reason=reason)
    if name == "resume":
        return services.resume_clock(case=case, actor=actor, note=note)
    if name == "transfer":
        return services.transfer_case(
            case=case,
            actor=actor,
            body=move["body"],
            reason=reason,
            kind=move["transfer_kind"],
            court_number=move["court_number"],
        )
    if name == "withdraw":
        return services.withdraw_case(case=case, actor=actor, reason=reason)
    try:
        into = selectors.case_for_merge(actor, move["into"])
    except Http404:
        raise ValidationError({"into": _("目标案件不存在、不在您的辖区或已办结")}) from None
    return services.merge_case(case=case, actor=actor, into=into, reason=reason)
