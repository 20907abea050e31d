"""Forms of the board, the officer's phone and the units page. They only parse what was
typed; dispatch's services decide what is valid, and their messages go back next to the
fields they name. Every choice of a record is offered from the user's own scope."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fengqiao import taxonomy
from fengqiao.dispatch import rules, selectors
from fengqiao.dispatch.models import DutyUnit, Incident
from fengqiao.forms_support import ServiceErrorsMixin
from fengqiao.org import selectors as org
from fengqiao.org.models import Beat, Person, Unit
from fengqiao.phones import normalize_phone

# What an officer's phone offers: the statuses that follow a step are set by the steps.
PHONE_STATUSES = (
    DutyUnit.Status.AVAILABLE,
    DutyUnit.Status.BUSY,
    DutyUnit.Status.OFF_DUTY,
)
# The services' names for the caller, and this form's.
_CALLER_FIELDS = {"reporter_name": "caller_name", "reporter_phone": "caller_phone"}


class Receive110Form(ServiceErrorsMixin, forms.Form):
    """A 110 transfer as the duty officer types it in from the 110 system."""

    number = forms.CharField(label=_("110 警情编号"), required=False, max_length=32)
    received_at = forms.DateTimeField(
        label=_("110 接警时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("接警时间格式不对，请按“年-月-日 时:分”填写")},
    )
    caller_name = forms.CharField(label=_("报警人姓名"), required=False, max_length=50)
    caller_phone = forms.CharField(label=_("报警人电话"), required=False, max_length=30)
    address = forms.CharField(label=_("地址"), required=False, max_length=200)
    grid_code = forms.ChoiceField(label=_("网格"), required=False)
    lon = forms.FloatField(
        label=_("经度"),
        required=False,
        error_messages={"invalid": _("经度应为数字，如 120.123456")},
    )
    lat = forms.FloatField(
        label=_("纬度"),
        required=False,
        error_messages={"invalid": _("纬度应为数字，如 30.123456")},
    )
    text = forms.CharField(label=_("警情内容"), required=False, max_length=5000)
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", "")] + taxonomy.choices("category"), required=False
    )
    risk = forms.ChoiceField(
        label=_("风险等级"),
        choices=[("", _("由系统研判"))] + taxonomy.choices("risk"),
        required=False,
    )

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid_code"].choices = [("", "")] + [
            (grid.code, f"{grid.parent.name if grid.parent else ''} {grid.name}".strip())
            for grid in grids
        ]
        self.fields["grid_code"].error_messages["invalid_choice"] = _(
            "这个网格不在您的辖区内，请重新选择"
        )

    def clean_caller_phone(self):
        return normalize_phone(self.cleaned_data["caller_phone"])

    def clean(self):
        data = super().clean()
        if (data.get("lon") is None) != (data.get("lat") is None):
            self.add_error("lon", _("经度和纬度要一起填写"))
        return data

    def submission(self) -> dict:
        """The cleaned values as ``receive_110`` keyword arguments."""
        data = self.cleaned_data
        return {
            "number": data["number"],
            "received_at": data["received_at"],
            "text": data["text"],
            "caller_name": data["caller_name"],
            "caller_phone": data["caller_phone"],
            "address": data["address"],
            "lon": data["lon"],
            "lat": data["lat"],
            "grid_code": data["grid_code"],
            "category": data["category"],
            "risk": data["risk"],
        }

    def add_service_error(self, field: str, messages: list[str]) -> None:
        super().add_service_error(_CALLER_FIELDS.get(field, field), messages)


class DispatchForm(ServiceErrorsMixin, forms.Form):
    """The unit to send: one of the suggestions, or any unit of the dispatcher's scope."""

    unit = forms.ModelChoiceField(
        label=_("出警力量"),
        queryset=DutyUnit.objects.none(),
        error_messages={
            "required": _("请选择出警力量"),
            "invalid_choice": _("这支力量不在您的管辖范围，请重新选择"),
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.units_for(user)


class UnitStatusForm(ServiceErrorsMixin, forms.Form):
    """An officer's phone sets one of their own units' status."""

    unit = forms.ModelChoiceField(
        label=_("执勤力量"),
        queryset=DutyUnit.objects.none(),
        error_messages={"invalid_choice": _("您不是这支力量的成员")},
    )
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[(s.value, s.label) for s in PHONE_STATUSES],
        error_messages={"invalid_choice": _("请选择空闲、忙碌或不在岗")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.units_of(user)


class PositionForm(forms.Form):
    """A fix from the phone's browser (WGS84, as ``navigator.geolocation`` gives it)."""

    lon = forms.FloatField(error_messages={"required": _("缺少经度"), "invalid": _("经度无效")})
    lat = forms.FloatField(error_messages={"required": _("缺少纬度"), "invalid": _("纬度无效")})
    accuracy = forms.FloatField(required=False)


class StepForm(ServiceErrorsMixin, forms.Form):
    step = forms.ChoiceField(
        choices=[(step, step) for step in rules.STEPS],
        error_messages={"invalid_choice": _("未知的出警环节")},
    )


class ResultForm(ServiceErrorsMixin, forms.Form):
    """反馈: how it ended, what was done, and the category when it becomes a case."""

    outcome = forms.ChoiceField(
        label=_("处置结果"),
        choices=Incident.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择处置结果")},
    )
    result = forms.CharField(label=_("处置情况"), required=False, max_length=2000)
    category = forms.ChoiceField(
        label=_("纠纷类别"), choices=[("", "")] + taxonomy.choices("category"), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Incident.Outcome.CASE and not data.get("category"):
            self.add_error("category", _("转为矛盾纠纷案件时请选择纠纷类别"))
        return data


class UnitForm(ServiceErrorsMixin, forms.Form):
    """A unit on duty: call sign, kind, station, beat and members, all from the manager's
    scope; members must belong to the chosen station (or a room under it)."""

    call_sign = forms.CharField(label=_("呼号"), required=False, max_length=32)
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=DutyUnit.Kind.choices,
        error_messages={"required": _("请选择力量类型"), "invalid_choice": _("请选择力量类型")},
    )
    station = forms.ModelChoiceField(
        label=_("所属单位"),
        queryset=Unit.objects.none(),
        error_messages={
            "required": _("请选择所属单位"),
            "invalid_choice": _("这个单位不在您的管辖范围，请重新选择"),
        },
    )
    beat = forms.ModelChoiceField(
        label=_("警务区"),
        queryset=Beat.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("这个警务区不在您的管辖范围，请重新选择")},
    )
    members = forms.ModelMultipleChoiceField(
        label=_("成员"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("所选人员不在您的管辖范围，请重新选择")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = org.units_for(user).exclude(kind=Unit.Kind.BUREAU)
        self.fields["beat"].queryset = Beat.objects.for_user(user).select_related("unit")
        self.fields["members"].queryset = (
            org.people_for(user)
            .filter(unit__isnull=False, active=True)
            .select_related("unit")
            .order_by("unit__path", "name")
        )
        self.fields["members"].label_from_instance = lambda p: f"{p.name}（{p.unit.name}）"

    def clean(self):
        data = super().clean()
        station = data.get("station")
        if station is not None:
            outside = [
                p.name
                for p in data.get("members") or ()
                if not p.unit.path.startswith(station.path)
            ]
            if outside:
                self.add_error(
                    "members",
                    ValidationError(
                        _("这些人员不属于%(station)s：%(names)s"),
                        params={"station": station.name, "names": "、".join(outside)},
                    ),
                )
        return data
