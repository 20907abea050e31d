"""Forms of the patrol pages. They only parse what was typed; ``patrol_services`` decides
what is valid and its messages are put back next to the fields they name. The choices are
the scoped querysets the views pass in from ``patrol_selectors``."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.forms_support import ServiceErrorsMixin, new_client_key

# A point per line: name, longitude, latitude and an optional radius, split by commas
# (either width), tabs or the ideographic comma.
_POINT_SEPARATORS = re.compile(r"\s*[,，、\t]\s*")


_INDENT = {"township": 0, "community": 1, "grid": 2}


def points_from_text(text: str) -> list[dict]:
    """The lines of the points box as dicts; the service checks the numbers."""
    points = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = _POINT_SEPARATORS.split(line.strip())
        points.append(
            {
                "name": parts[0],
                "lon": parts[1] if len(parts) > 1 else None,
                "lat": parts[2] if len(parts) > 2 else None,
                "radius_m": parts[3] if len(parts) > 3 else None,
            }
        )
    return points


def points_as_text(points) -> str:
    return "\n".join(f"{p.name}, {p.lon:.6f}, {p.lat:.6f}, {p.radius_m}" for p in points)


class _Labelled(forms.ModelChoiceField):
    def __init__(self, *args, label_from=str, **kwargs):
        super().__init__(*args, **kwargs)
        self._label_from = label_from

    def label_from_instance(self, obj):
        return self._label_from(obj)


class RouteForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("路线名称"), max_length=100, required=False)
    station = forms.ModelChoiceField(
        label=_("所属派出所或警务室"), queryset=None, required=False, empty_label=_("请选择")
    )
    region = _Labelled(
        label=_("巡逻区域（可不选：即单位辖区）"),
        queryset=None,
        required=False,
        empty_label=_("不指定"),
        label_from=lambda r: f"{'　' * _INDENT.get(r.level, 0)}{r.name}",
    )
    points = forms.CharField(
        label=_("打卡点"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_(
            "每行一个，按巡逻顺序：名称，经度，纬度，打卡范围（米，可不填，默认 100）。"
            "例如：村委会门口，120.0051，30.0052，80"
        ),
    )
    note = forms.CharField(
        label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    active = forms.BooleanField(label=_("启用这条路线"), required=False, initial=True)

    def __init__(self, *args, stations, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
        self.fields["region"].queryset = areas

    def point_list(self) -> list[dict]:
        return points_from_text(self.cleaned_data.get("points", ""))


class ShiftForm(ServiceErrorsMixin, forms.Form):
    route = forms.ModelChoiceField(
        label=_("巡逻路线"), queryset=None, required=False, empty_label=_("请选择")
    )
    date = forms.DateField(
        label=_("日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    start = forms.TimeField(
        label=_("开始时间"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=_("结束时间（早于开始时间即次日）"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    team = _Labelled(
        label=_("巡逻队伍（可不选）"),
        queryset=None,
        required=False,
        empty_label=_("不指定"),
        label_from=lambda t: f"{t.name}（{t.get_kind_display()}）",
    )
    duty_unit = forms.ModelChoiceField(
        label=_("执勤力量（可不选）"), queryset=None, required=False, empty_label=_("不指定")
    )
    people = forms.ModelMultipleChoiceField(
        label=_("巡逻人员（不选则为队伍、执勤力量的全部成员）"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, routes, teams, duty_units, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route"].queryset = routes
        self.fields["team"].queryset = teams
        self.fields["duty_unit"].queryset = duty_units
        self.fields["people"].queryset = people


class CheckInForm(ServiceErrorsMixin, forms.Form):
    """One tap of 打卡: the point, where the phone was (filled in by patrol.js), and an
    optional note and hazard."""

    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    point = forms.IntegerField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    accuracy = forms.FloatField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label=_("备注（可不填）"), max_length=200, required=False)
    hazard = forms.CharField(
        label=_("发现隐患（可不填）"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如消防通道堵塞、电线私拉乱接、井盖缺失，会送到网格员和民警处理"),
    )
    hazard_photo = forms.FileField(
        label=_("隐患照片（可不传）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_key", new_client_key())


class PeriodForm(forms.Form):
    """The period of a team's contributions: from a day to a day (both included)."""

    start = forms.DateField(
        label=_("从"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("到"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
