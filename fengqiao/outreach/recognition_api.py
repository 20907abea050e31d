"""The API's read of recognition: a community's monthly list (积分榜), the same rows the
page shows. Points are counted, never stored, so there is nothing to write here."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.api_support import FIELD_ERRORS, NOT_FOUND
from fengqiao.outreach import recognition
from fengqiao.outreach import recognition_rules as rules


class MayReadRecognition(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("outreach.view_commendation"))


class RecognitionQuerySerializer(serializers.Serializer):
    community = serializers.IntegerField(
        required=False, min_value=1, help_text="Community (village) id; default: the caller's."
    )
    month = serializers.RegexField(
        r"^\d{4}-\d{2}$", required=False, help_text="YYYY-MM; default: the last full month."
    )

    def validate_month(self, value: str) -> str:
        if rules.parse_month(value) is None:
            raise serializers.ValidationError("月份格式应为 YYYY-MM")
        return value


class KindSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(rules.KINDS))
    evidence = serializers.IntegerField(help_text="Records found that month.")
    counted = serializers.IntegerField(help_text="Records counted (the monthly cap applied).")
    points = serializers.IntegerField()


class RowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    person = serializers.IntegerField(source="person.pk")
    name = serializers.CharField(source="person.name")
    roles = serializers.SerializerMethodField()
    total = serializers.IntegerField(source="points.total")
    kinds = KindSerializer(source="points.kinds", many=True)

    def get_roles(self, row) -> list[str]:
        return [role.code for role in row.roles]


class RecognitionSerializer(serializers.Serializer):
    community = serializers.IntegerField()
    community_name = serializers.CharField()
    month = serializers.CharField(help_text="YYYY-MM")
    rows = RowSerializer(many=True)


class RecognitionView(APIView):
    # Comments, not a docstring: drf-spectacular would print it into the description.
    # Staff people working in the community, ranked by points from checked records.
    permission_classes = [MayReadRecognition]

    @extend_schema(
        summary="A community's monthly points list: rank, person, roles, total and each "
        "kind's records and points",
        parameters=[RecognitionQuerySerializer],
        responses={200: RecognitionSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND},
    )
    def get(self, request):
        query = RecognitionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        if data.get("community"):
            community = recognition.get_community_for(request.user, data["community"])
        else:
            community = recognition.default_community(request.user)
            if community is None:
                raise exceptions.NotFound("您的辖区里没有社区（村）")
        month = rules.month_asked(data.get("month", ""), timezone.localdate())
        rows = recognition.monthly_points(request.user, community=community, month=month)
        answer = {
            "community": community.pk,
            "community_name": community.name,
            "month": f"{month:%Y-%m}",
            "rows": rows,
        }
        return Response(RecognitionSerializer(answer).data)
