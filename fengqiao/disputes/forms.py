"""The worklist's filter form and one small form per case action."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao import taxonomy
from fengqiao.disputes.models import (
    JudicialConfirmation,
    MediationSession,
    ReturnVisit,
    Signature,
    Supervision,
)
from fengqiao.org.models import Person


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
    due = forms.ChoiceField(
        label=_("时限"),
        required=False,
        choices=[("", _("不限")), ("today", _("今天到期")), ("soon", _("三天内到期"))],
    )
    visit_due = forms.BooleanField(label=_("只看待回访"), required=False)
    order = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[("", _("最新登记在前")), ("due", _("时限最近在前"))],
    )
    # Set by the links of the home page (a laggard, today's figures); kept as hidden fields.
    handler = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    grid = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    since = forms.DateField(required=False, widget=forms.HiddenInput)
    closed_since = forms.DateField(required=False, widget=forms.HiddenInput)

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
            "due": data.get("due") or "",
            "visit_due": bool(data.get("visit_due")),
            "order": data.get("order") or "",
            "handler": data.get("handler") or None,
            "grid": (data.get("grid") or "").strip(),
            "since": data.get("since"),
            "closed_since": data.get("closed_since"),
        }


class ActionForm(forms.Form):
    """Every action carries the version of the case the user saw. Forms whose choices
    depend on the case (its supervision orders, the leaders in reach) read ``case`` and
    ``user``; the rest ignore them."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, case=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case, self.user = case, user


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


TRANSFER_KIND_CHOICES = [
    ("court", _("法院（诉讼）")),
    ("criminal", _("刑事立案侦查（民转刑）")),
    ("petition", _("信访部门")),
    ("department", _("其他部门")),
]


class TransferForm(ReasonForm):
    kind = forms.ChoiceField(label=_("移送去向"), choices=TRANSFER_KIND_CHOICES)
    body = forms.CharField(label=_("接收单位"), max_length=100)
    # Court transfers only: the page shows it while the kind is "court" (site.css).
    court_number = forms.CharField(label=_("法院案号"), required=False, max_length=64)

    field_order = ["kind", "body", "court_number", "reason", "version"]


class MergeForm(OptionalReasonForm):
    into = forms.CharField(label=_("并入案件编号"), max_length=32)

    field_order = ["into", "reason", "version"]


# --- supervision (督办) and the case leader (包案领导) ------------------------------------


class SuperviseForm(ActionForm):
    reason = forms.CharField(
        label=_("督办事由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_on = forms.DateField(
        label=_("办结期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    card = forms.ChoiceField(label=_("亮牌"), choices=Supervision.Card.choices)
    person = forms.ModelChoiceField(
        label=_("被督办人"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("（默认：承办人）"),
    )

    field_order = ["reason", "due_on", "card", "person", "version"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.case is not None and self.user is not None:
            # Who may be held to account: the case's handlers and its team, in reach.
            self.fields["person"].queryset = (
                Person.objects.for_user(self.user)
                .filter(Q(cases=self.case) | Q(teams__cases=self.case))
                .distinct()
            )


class _OrderForm(ActionForm):
    """An action on one of the case's supervision orders, named by ``supervision``."""

    supervision = forms.ModelChoiceField(
        label=_("督办单"), queryset=Supervision.objects.none(), empty_label=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.case is not None:
            self.fields["supervision"].queryset = self.orders(self.case.supervisions.all())
        self.fields["supervision"].label_from_instance = lambda o: (
            _("%(card)s · %(due)s前 · %(reason)s")
            % {
                "card": o.get_card_display(),
                "due": o.due_on.isoformat(),
                "reason": o.reason[:30],
            }
        )

    def orders(self, queryset):
        return queryset


class AnswerSupervisionForm(_OrderForm):
    answer = forms.CharField(
        label=_("办理情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    field_order = ["supervision", "answer", "version"]

    def orders(self, queryset):
        return queryset.filter(answered_at__isnull=True, closed_at__isnull=True)


class CloseSupervisionForm(_OrderForm):
    note = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    field_order = ["supervision", "note", "version"]

    def orders(self, queryset):
        return queryset.filter(answered_at__isnull=False, closed_at__isnull=True)


class LeaderForm(OptionalReasonForm):
    leader = forms.ModelChoiceField(
        label=_("包案领导"), queryset=Person.objects.none(), required=False
    )

    field_order = ["leader", "reason", "version"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None:
            from fengqiao.disputes.supervision import leader_choices

            self.fields["leader"].queryset = leader_choices(self.user)
        self.fields["leader"].empty_label = _("（撤销包案领导）")


# --- mediation: one small form per step of the mediation path ---------------------------------

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_TEXT = {"rows": 3}


class SessionForm(forms.Form):
    held_at = forms.DateTimeField(
        label=_("调解时间"), widget=_DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    place = forms.CharField(label=_("调解地点"), max_length=200)
    mediators = forms.ModelMultipleChoiceField(
        label=_("调解员"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    attendees = forms.CharField(
        label=_("参加人员"),
        required=False,
        max_length=2000,
        help_text=_("姓名之间用顿号隔开"),
    )
    record = forms.CharField(label=_("调解记录"), widget=forms.Textarea(attrs=_TEXT))
    outcome = forms.ChoiceField(label=_("调解结果"), choices=MediationSession.Outcome.choices)
    failure_reason = forms.CharField(
        label=_("调解不成的原因"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, mediators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediators"].queryset = mediators


class AgreementForm(forms.Form):
    """The agreement with its terms: three empty rows, of which the filled ones count."""

    committee = forms.CharField(label=_("人民调解委员会"), required=False, max_length=120)
    facts = forms.CharField(
        label=_("纠纷主要事实"), required=False, widget=forms.Textarea(attrs=_TEXT)
    )
    issues = forms.CharField(
        label=_("争议事项"), required=False, widget=forms.Textarea(attrs=_TEXT)
    )
    responsibility = forms.CharField(
        label=_("各方责任"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    breach_clause = forms.CharField(
        label=_("违约责任"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    oral = forms.BooleanField(label=_("口头协议（达成即生效，无需签名盖章）"), required=False)

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.terms = TermFormSet(
            self.data if self.is_bound else None,
            prefix=f"{self.prefix}-term" if self.prefix else "term",
            form_kwargs={"parties": parties},
        )

    def is_valid(self) -> bool:
        main = super().is_valid()
        return self.terms.is_valid() and main

    def cleaned_terms(self) -> list[dict]:
        return [row for form in self.terms.forms if (row := form.term()) is not None]


class TermForm(forms.Form):
    """One row of the agreement's terms; a row left empty is skipped."""

    obligation = forms.CharField(label=_("协议内容"), required=False, max_length=2000)
    obligor = forms.ModelChoiceField(
        label=_("履行义务人"), queryset=None, required=False, empty_label=_("（不指定）")
    )
    amount = forms.DecimalField(
        label=_("金额（元）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        error_messages={
            "invalid": _("金额必须是数字"),
            "min_value": _("金额不能为负数"),
            "max_decimal_places": _("金额最多保留两位小数（到分）"),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    manner = forms.CharField(label=_("履行方式"), required=False, max_length=200)
    place = forms.CharField(label=_("履行地点"), required=False, max_length=200)
    deadline = forms.DateField(label=_("履行期限"), required=False, widget=_DATE)

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["obligor"].queryset = parties

    def term(self) -> dict | None:
        """The row as ``draft_agreement`` wants it, or None when the row was left empty."""
        data = self.cleaned_data
        if not any(data.get(name) not in (None, "") for name in self.fields):
            return None
        return {name: data.get(name) for name in self.fields}


TermFormSet = forms.formset_factory(TermForm, extra=3, max_num=10, validate_max=True)


class SignForm(forms.Form):
    method = forms.ChoiceField(label=_("签署方式"), choices=Signature.Method.choices)
    signed_on = forms.DateField(label=_("签署日期"), required=False, widget=_DATE)


class SealForm(forms.Form):
    sealed_on = forms.DateField(label=_("盖章日期"), required=False, widget=_DATE)


class EffectForm(forms.Form):
    """No fields: the button asks the service whether the agreement may take effect."""


class JudicialForm(forms.Form):
    applied_on = forms.DateField(label=_("申请日期"), widget=_DATE)
    court = forms.CharField(label=_("受理法院"), max_length=120)
    ruling = forms.ChoiceField(label=_("裁定结果"), choices=JudicialConfirmation.Ruling.choices)
    ruling_on = forms.DateField(label=_("裁定日期"), required=False, widget=_DATE)


class RulingForm(forms.Form):
    ruling = forms.ChoiceField(
        label=_("裁定结果"),
        choices=[c for c in JudicialConfirmation.Ruling.choices if c[0] != "pending"],
    )
    ruling_on = forms.DateField(label=_("裁定日期"), widget=_DATE)


class PerformanceForm(forms.Form):
    performed_on = forms.DateField(label=_("履行日期"), widget=_DATE)
    evidence = forms.CharField(
        label=_("履行情况及凭证"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class VisitForm(forms.Form):
    method = forms.ChoiceField(label=_("回访方式"), choices=ReturnVisit.Method.choices)
    performance = forms.CharField(
        label=_("协议履行情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.ChoiceField(label=_("回访结果"), choices=ReturnVisit.Outcome.choices)
    attitude = forms.CharField(label=_("当事人态度"), required=False, max_length=2000)
    notes = forms.CharField(
        label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


MEDIATION_LABELS = {
    "session": _("记录调解"),
    "draft": _("制作调解协议"),
    "sign": _("登记签署"),
    "seal": _("加盖调委会印章"),
    "effect": _("确认协议生效"),
    "judicial": _("登记司法确认申请"),
    "ruling": _("登记法院裁定"),
    "perform": _("登记履行"),
    "visit": _("登记回访"),
}


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
    "request_verification": _("结案（提请验证）"),
    "verify": _("验证通过，结案"),
    "reject_verification": _("验证不通过，回退"),
    "supervise": _("督办"),
    "answer_supervision": _("反馈督办"),
    "close_supervision": _("办结督办"),
    "name_leader": _("指定包案领导"),
}
EVENT_LABELS = {
    **ACTION_LABELS,
    "received": _("登记"),
    "imported": _("从人民调解系统导入"),
    "import_updated": _("重新导入，按原系统更新"),
    "party_added": _("添加当事人"),
    "merged_in": _("有案件并入"),
    "linked": _("关联案件"),
    "auto_regrade": _("风险预警升级"),
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
    "supervision_answered": _("督办反馈"),
    "supervision_closed": _("督办办结"),
    "party_corrected": _("更正当事人"),
    "party_removed": _("删除当事人"),
    "agreement_refused": _("当事人拒绝签字"),
    "reassign": _("改派"),
    "handoff": _("转办"),
    "handoff_answered": _("转办答复"),
    "handoff_cancelled": _("撤回转办"),
    "referral": _("转介"),
    "referral_answered": _("转介结果"),
    "referral_cancelled": _("撤回转介"),
    "typical_chosen": _("选为典型案例"),
    "reporter_replied": _("答复反映人"),
    "marked_duplicate": _("标记为重复反映"),
    "duplicate_report": _("收到重复反映"),
    "escalation_due": _("超时应升级（本县只提醒）"),
    "overdue": _("超过时限"),
    "auto_escalate": _("超时自动升级"),
}
