"""The party forms of the case page: add a party, correct one, remove one entered by
mistake. Thin: ``disputes.parties`` checks every value and answers in Chinese by field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.disputes.models import Party

_HELP_KEEP = _("不修改请留空；页面不显示完整号码")


class PartyForm(forms.Form):
    role = forms.ChoiceField(label=_("身份"), choices=Party.Role.choices)
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=Party.Kind.choices,
        initial=Party.Kind.PERSON,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("姓名或单位名称"), required=False, max_length=100)
    phone = forms.CharField(
        label=_("电话"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    id_number = forms.CharField(
        label=_("身份证号码（自然人）"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    credit_code = forms.CharField(
        label=_("统一社会信用代码（单位）"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    representative = forms.CharField(
        label=_("法定代表人或负责人（单位）"), required=False, max_length=50
    )
    address = forms.CharField(label=_("住址或住所"), required=False, max_length=200)

    def values(self) -> dict:
        return dict(self.cleaned_data)


class PartyCorrectionForm(PartyForm):
    """Correct a party: its numbers are never filled in (they are sealed); a number typed
    replaces the stored one, a blank keeps it."""

    def __init__(self, *args, party: Party | None = None, **kwargs):
        if party is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "role": party.role,
                "kind": party.kind,
                "name": party.name,
                "credit_code": party.credit_code,
                "representative": party.representative,
                "address": party.address,
            }
        super().__init__(*args, **kwargs)
        for name in ("phone", "id_number"):
            self.fields[name].help_text = _HELP_KEEP
        if party is not None:
            self.fields["phone"].widget.attrs["placeholder"] = party.phone_masked
            self.fields["id_number"].widget.attrs["placeholder"] = party.id_masked

    def values(self) -> dict:
        values = dict(self.cleaned_data)
        for name in ("phone", "id_number"):
            if not values[name].strip():
                del values[name]
        if values["kind"] == Party.Kind.ORGANISATION:
            values.setdefault("id_number", "")  # an organisation keeps no ID number
        return values


class PartyRemovalForm(forms.Form):
    reason = forms.CharField(
        label=_("删除原因"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
