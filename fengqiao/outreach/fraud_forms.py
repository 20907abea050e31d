"""Forms of the anti-fraud pages. They only parse what was typed; ``fraud_services`` decides
what is valid, and its messages are put back next to the fields they name."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.forms_support import ServiceErrorsMixin, new_client_key
from fengqiao.outreach.models import FraudWarning, OutreachEvent

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, grid) -> str:
        return f"{grid.parent.name} · {grid.name}" if grid.parent_id else grid.name


class _RecordForm(ServiceErrorsMixin, forms.Form):
    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, grids=None, campaigns=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids
        self.fields["campaign"].queryset = campaigns
        if not self.is_bound:
            self.initial.setdefault("client_key", new_client_key())
            only = list(grids[:2]) if grids is not None else []
            if len(only) == 1:  # a grid worker's one grid, chosen already
                self.initial.setdefault("grid", only[0].pk)


def _count_field(label: str) -> forms.IntegerField:
    # No min_value: a negative number reaches the service, which says what to fix.
    return forms.IntegerField(
        label=label, required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )


def _campaign_field() -> forms.ModelChoiceField:
    # The queryset is the user's campaigns, set by ``_RecordForm``.
    return forms.ModelChoiceField(label=_("所属反诈活动（可不选）"), queryset=None, required=False)


def _note_field() -> forms.CharField:
    return forms.CharField(
        label=_("说明（可不填）"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EventForm(_RecordForm):
    kind = forms.ChoiceField(
        label=_("活动形式"),
        choices=OutreachEvent.Kind.choices,
        initial=OutreachEvent.Kind.TALK,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label=_("主题"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：老年人防范养老诈骗宣讲")}),
    )
    grid = GridChoiceField(label=_("地点（网格）"), queryset=None, required=False)
    held_on = forms.DateField(
        label=_("活动日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    people_reached = _count_field(_("覆盖人数"))
    app_installs = _count_field(_("现场安装国家反诈中心App人数"))
    leaflets = _count_field(_("发放资料份数"))
    campaign = _campaign_field()
    note = _note_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate().isoformat())


class WarningForm(_RecordForm):
    grid = GridChoiceField(label=_("被劝阻人所在网格"), queryset=None, required=False)
    warned_at = forms.DateTimeField(
        label=_("劝阻时间"),
        required=False,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    level = forms.ChoiceField(
        label=_("预警等级"),
        choices=FraudWarning.Level.choices,
        initial=FraudWarning.Level.HIGH,
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(
        label=_("劝阻方式"),
        choices=FraudWarning.Method.choices,
        initial=FraudWarning.Method.CALL,
        widget=forms.RadioSelect,
    )
    person_name = forms.CharField(label=_("被劝阻人姓名"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("被劝阻人电话"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
        help_text=_("短信、电话劝阻必填；加密保存，只显示部分号码"),
    )
    outcome = forms.ChoiceField(
        label=_("劝阻结果"),
        choices=FraudWarning.Outcome.choices,
        initial=FraudWarning.Outcome.DISSUADED,
        widget=forms.RadioSelect,
    )
    payment_stopped = forms.BooleanField(label=_("已紧急止付"), required=False)
    amount_stopped = forms.CharField(
        label=_("止付金额（元）"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00"}),
    )
    amount_lost = forms.CharField(
        label=_("已被骗金额（元）"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00"}),
    )
    campaign = _campaign_field()
    note = _note_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("warned_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))


class FiguresForm(forms.Form):
    """The figures page's period and grouping; unreadable values fall back to defaults."""

    start = forms.CharField(
        label=_("起始月份"), required=False, widget=forms.TextInput(attrs={"type": "month"})
    )
    end = forms.CharField(
        label=_("截止月份"), required=False, widget=forms.TextInput(attrs={"type": "month"})
    )
    by = forms.ChoiceField(
        label=_("分组"),
        required=False,
        choices=[
            ("grid", _("按网格")),
            ("community", _("按社区（村）")),
            ("township", _("按乡镇（街道）")),
        ],
    )
