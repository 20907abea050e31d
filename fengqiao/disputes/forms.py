"""The worklist's filter form and one small form per case action."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao import taxonomy


class CaseFilterForm(forms.Form):
    """GET filters of the worklist; every field optional, bad values are ignored."""

    WHOSE = [("mine", _("我承办的")), ("team", _("我的团队")), ("all", _("辖区全部"))]

    q = forms.CharField(label=_("编号、事由、当事人或手机号后四位"), required=False, max_length=100)
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("active", _("未结案")), ("", _("全部状态")), *taxonomy.choices("case_state")],
    )
    risk = forms.ChoiceField(
        label=_("风险等级"),
        required=False,
        choices=[("", _("全部等级")), *taxonomy.choices("risk")],
    )
    level = forms.TypedChoiceField(
        label=_("化解层级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("全部层级")), (1, _("一级")), (2, _("二级")), (3, _("三级"))],
    )
    category = forms.ChoiceField(
        label=_("纠纷类别"),
        required=False,
        choices=[("", _("全部类别")), *taxonomy.choices("category")],
    )
    whose = forms.ChoiceField(label=_("范围"), required=False, choices=WHOSE)
    overdue = forms.BooleanField(label=_("只看超时"), required=False)

    def __init__(self, data, *, default_whose: str = "all"):
        # Absent parameters take their defaults, so the form shows what the list applies.
        data = data.copy()
        data.setdefault("state", "active")
        data.setdefault("whose", default_whose)
        super().__init__(data)

    def filters(self) -> dict:
        """Keyword arguments for ``selectors.cases_for``; an invalid field is ignored."""
        self.is_valid()
        data = self.cleaned_data
        whose = data.get("whose") or "all"
        return {
            "q": data.get("q") or "",
            "state": data.get("state", "active") or None,
            "risk": data.get("risk") or None,
            "level": data.get("level") or None,
            "category": data.get("category") or None,
            "mine": whose == "mine",
            "team": whose == "team",
            "overdue": bool(data.get("overdue")),
        }


class ActionForm(forms.Form):
    """Every action carries the version of the case the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class NoteForm(ActionForm):
    note = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(ActionForm):
    reason = forms.CharField(
        label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class OptionalReasonForm(ActionForm):
    reason = forms.CharField(
        label=_("理由"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RegradeForm(OptionalReasonForm):
    risk = forms.ChoiceField(label=_("新的风险等级"), choices=taxonomy.choices("risk"))

    field_order = ["risk", "reason", "version"]


class TransferForm(ReasonForm):
    body = forms.CharField(label=_("接收单位"), max_length=100)

    field_order = ["body", "reason", "version"]


class MergeForm(OptionalReasonForm):
    into = forms.CharField(label=_("并入案件编号"), max_length=32)

    field_order = ["into", "reason", "version"]


# What each action's button says; the timeline names its events the same way.
ACTION_LABELS = {
    "accept": _("受理"),
    "investigate": _("开始调查"),
    "start_mediation": _("开始调解"),
    "reach_agreement": _("达成协议"),
    "fail_mediation": _("调解未成"),
    "start_follow_up": _("开始回访"),
    "close": _("结案"),
    "escalate": _("上报上一级"),
    "de_escalate": _("下放一级"),
    "regrade": _("调整风险等级"),
    "pause": _("暂停计时"),
    "resume": _("恢复计时"),
    "transfer": _("移送"),
    "withdraw": _("撤回"),
    "merge": _("合并到其他案件"),
}
EVENT_LABELS = {
    **ACTION_LABELS,
    "received": _("登记"),
    "party_added": _("添加当事人"),
    "merged_in": _("有案件并入"),
    "linked": _("关联案件"),
    "reopen": _("重新办理"),
    "reopened_by_reporter": _("反映人要求重新办理"),
    "mediation_session": _("调解"),
    "agreement_drafted": _("起草调解协议"),
    "agreement_signed": _("签署调解协议"),
    "agreement_sealed": _("调解协议盖章"),
    "term_performed": _("履行协议条款"),
    "judicial_confirmation": _("申请司法确认"),
    "judicial_ruling": _("司法确认结果"),
    "return_visit": _("回访"),
    "return_visit_scheduled": _("安排回访"),
}
