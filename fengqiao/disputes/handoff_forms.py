"""Forms of the hand-off, referral, agency and typical-case pages. They only parse; the
services in ``disputes.handoffs`` and ``disputes.typical`` decide."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao import taxonomy
from fengqiao.disputes import handoffs
from fengqiao.disputes.models import Handoff

DEFAULT_WAIT = dt.timedelta(days=7)


class HandoffForm(forms.Form):
    """Hand a matter off (kind ``handoff``) or refer a party (``referral``); the teams
    offered are the AGENCY teams serving the case's place, so a forged id is invalid."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    body = forms.ChoiceField(label=_("承办单位类别"))
    team = forms.ModelChoiceField(
        label=_("协办单位（有账号的单位可在线答复）"), queryset=None, required=False
    )
    body_name = forms.CharField(label=_("承办单位名称（未选协办单位时填写）"), required=False)
    request = forms.CharField(label=_("转办事项"), widget=forms.Textarea(attrs={"rows": 3}))
    # A date input takes only ISO dates: the locale's format (2026/12/14) would leave the
    # suggested limit blank on the phone, and the browser would refuse to send the form.
    due_on = forms.DateField(
        label=_("答复期限"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    pauses_clock = forms.BooleanField(label=_("等待答复期间暂停计时"), required=False)

    def __init__(self, *args, case, kind: str, **kwargs):
        self.kind = kind
        initial = {
            "version": case.version,
            "due_on": timezone.localdate() + DEFAULT_WAIT,
            "pauses_clock": kind == Handoff.Kind.HANDOFF,
            **kwargs.pop("initial", {}),
        }
        super().__init__(*args, initial=initial, prefix=kind, **kwargs)
        self.fields["body"].choices = [
            (code, label)
            for code, label in Handoff.Body.choices
            if code in handoffs.BODIES_FOR[kind]
        ]
        self.fields["team"].queryset = handoffs.agency_teams_for(case)
        if kind == Handoff.Kind.REFERRAL:
            self.fields["request"].label = _("转介事由")


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_("办理结果"), choices=Handoff.Outcome.choices)
    answer = forms.CharField(label=_("答复内容"), widget=forms.Textarea(attrs={"rows": 3}))
    answered_by_name = forms.CharField(label=_("答复人"), required=False, max_length=100)


class AgencyAnswerForm(forms.Form):
    """The body answers on its own page: who answered is the signed-in account."""

    outcome = forms.ChoiceField(label=_("办理结果"), choices=Handoff.Outcome.choices)
    answer = forms.CharField(label=_("答复内容"), widget=forms.Textarea(attrs={"rows": 4}))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("撤回理由"), widget=forms.Textarea(attrs={"rows": 2}))


class TypicalForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=120)
    category = forms.ChoiceField(label=_("纠纷类别"), choices=taxonomy.choices("category"))
    summary = forms.CharField(
        label=_("基本案情（已隐去姓名、号码，请再核对）"), widget=forms.Textarea
    )
    method = forms.CharField(
        label=_("调解方法与启示"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    keywords = forms.CharField(label=_("关键词（空格分隔）"), required=False, max_length=200)


class LibrarySearchForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=50)
    category = forms.ChoiceField(
        label=_("纠纷类别"),
        required=False,
        choices=[("", _("全部类别")), *taxonomy.choices("category")],
    )

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"q": data.get("q") or "", "category": data.get("category") or ""}
