"""Forms of the service pages. They only parse what was typed; ``services``/``catalogue``
decide what is valid, and their messages are put back next to the fields they name."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.registry.forms import ServiceErrors, date_picker
from fengqiao.services.models import Application, Channel, ServiceKind

STARS = [(n, "★" * n) for n in range(5, 0, -1)]


class ApplyForm(ServiceErrors, forms.Form):
    """A resident's application: online, a window booking, or a visit at home."""

    client_key = forms.CharField(required=False, widget=forms.HiddenInput)
    channel = forms.CharField(required=False, widget=forms.HiddenInput)
    applicant_name = forms.CharField(label=_("申请人姓名"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    id_number = forms.CharField(
        label=_("身份证号码（可不填）"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    booked_for = forms.CharField(required=False)
    note = forms.CharField(
        label=_("补充说明（可不填）"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    building = forms.CharField(required=False)
    building_code = forms.CharField(
        label=_("或填写楼栋编码（见楼道口的警务公示牌）"), max_length=40, required=False
    )
    address_detail = forms.CharField(
        label=_("单元、门牌、房号"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：2单元301室")}),
    )
    door_reason = forms.ChoiceField(
        label=_("需要上门的原因"),
        choices=[("", _("请选择"))] + list(Application.DoorReason.choices),
        required=False,
    )

    def slot(self) -> dt.datetime | None | str:
        """The chosen slot as an aware time; None for none, "" for unreadable."""
        value = self.cleaned_data.get("booked_for") or ""
        if not value:
            return None
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return ""
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    def building_code_given(self) -> str:
        return (
            self.cleaned_data.get("building") or self.cleaned_data.get("building_code") or ""
        ).strip()


class DayForm(forms.Form):
    day = forms.DateField(label=_("预约日期"), required=False, widget=date_picker())


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("查询码"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )


class RateForm(ServiceErrors, forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("满意度"), choices=STARS, coerce=int, required=False, widget=forms.RadioSelect
    )
    feedback = forms.CharField(
        label=_("意见建议（可不填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelForm(ServiceErrors, forms.Form):
    reason = forms.CharField(label=_("取消原因（可不填）"), max_length=200, required=False)


class WindowForm(ServiceErrors, forms.Form):
    """Staff take an application at the window."""

    client_key = forms.CharField(required=False, widget=forms.HiddenInput)
    service = forms.ModelChoiceField(
        label=_("服务事项"), queryset=None, required=False, empty_label=_("请选择")
    )
    applicant_name = forms.CharField(label=_("申请人姓名"), max_length=50, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    id_number = forms.CharField(label=_("身份证号码（可不填）"), max_length=24, required=False)
    note = forms.CharField(
        label=_("说明"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("open", _("未办结")), ("", _("全部"))] + list(Application.State.choices),
    )
    channel = forms.ChoiceField(
        label=_("渠道"), required=False, choices=[("", _("全部"))] + list(Channel.choices)
    )
    service = forms.ModelChoiceField(
        label=_("服务事项"), queryset=None, required=False, empty_label=_("全部")
    )
    q = forms.CharField(label=_("查询码、姓名或电话后四位"), max_length=50, required=False)

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services


class MissingForm(ServiceErrors, forms.Form):
    materials = forms.MultipleChoiceField(
        label=_("需要补正的材料（一次性告知）"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other = forms.CharField(label=_("其他需要补正的"), max_length=200, required=False)

    def __init__(self, *args, materials, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["materials"].choices = [(m, m) for m in materials]


class NoteForm(ServiceErrors, forms.Form):
    note = forms.CharField(
        label=_("办结说明（可不填）"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RefuseForm(ServiceErrors, forms.Form):
    reason = forms.CharField(
        label=_("不予办理的理由（将书面告知申请人）"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VisitForm(ServiceErrors, forms.Form):
    visited_at = forms.DateTimeField(
        label=_("上门时间（不填为现在）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    companions = forms.CharField(label=_("同去人员（可不填）"), max_length=100, required=False)
    note = forms.CharField(
        label=_("上门办理情况"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ServiceForm(ServiceErrors, forms.Form):
    station = forms.ModelChoiceField(
        label=_("办理单位"), queryset=None, required=False, empty_label=_("请选择")
    )
    kind = forms.ChoiceField(
        label=_("事项类别"), choices=[("", _("请选择"))] + list(ServiceKind.choices), required=False
    )
    name = forms.CharField(label=_("事项名称"), max_length=100, required=False)
    who_may_apply = forms.CharField(
        label=_("申请条件"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    materials = forms.CharField(
        label=_("申请材料（每行一项）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    time_limit_days = forms.CharField(label=_("法定时限（天）"), max_length=4, required=False)
    promised_days = forms.CharField(label=_("承诺时限（天，可不填）"), max_length=4, required=False)
    channels = forms.MultipleChoiceField(
        label=_("办理渠道"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    one_visit = forms.BooleanField(label=_("最多跑一次"), required=False)
    slot_capacity = forms.CharField(
        label=_("每半小时可预约人数（0 为不接受预约）"), max_length=3, required=False, initial=4
    )
    note = forms.CharField(
        label=_("办理须知"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["materials"] = (data.get("materials") or "").splitlines()
        return data
