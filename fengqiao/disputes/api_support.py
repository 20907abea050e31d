"""What other apps' APIs may take from disputes: the input shape of a case's party (intake's
report API asks for the parties of the case a dispute report opens)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework import serializers

from fengqiao.disputes.models import Party
from fengqiao.identity import normalize_id_number
from fengqiao.phones import normalize_phone


class CasePartyInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Party.Role.choices)
    kind = serializers.ChoiceField(
        choices=Party.Kind.choices, required=False, default=Party.Kind.PERSON
    )
    name = serializers.CharField(min_length=1, max_length=100)
    phone = serializers.CharField(max_length=30, required=False, default="", allow_blank=True)
    id_number = serializers.CharField(
        max_length=30, required=False, default="", allow_blank=True, help_text="居民身份证号码"
    )
    address = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    credit_code = serializers.CharField(
        max_length=30,
        required=False,
        default="",
        allow_blank=True,
        help_text="统一社会信用代码 (GB 32100-2015), for an organisation",
    )
    representative = serializers.CharField(
        max_length=50,
        required=False,
        default="",
        allow_blank=True,
        help_text="法定代表人或负责人, for an organisation",
    )

    # Checked here too, so a wrong number is reported against its party, not as a whole.
    def validate_phone(self, value: str) -> str:
        return _checked(normalize_phone, value)

    def validate_id_number(self, value: str) -> str:
        return _checked(normalize_id_number, value)


def _checked(normalize, value: str) -> str:
    try:
        return normalize(value)
    except ValidationError as error:
        raise serializers.ValidationError(error.messages) from None
