"""The county's ladder settings page: time limits over the defaults, and whether a missed
deadline escalates or only warns. ``policy.set_county_policy`` decides and writes."""

from __future__ import annotations

import math

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.disputes import clocks, policy
from fengqiao.disputes.models import CountyPolicy
from fengqiao.forms_support import ServiceErrorsMixin
from fengqiao.org.scope import get_for
from fengqiao.places.models import Region
from fengqiao.taxonomy import taxonomy


def field_name(grade: str, key: str) -> str:
    return f"{grade}__{key}"


class CountyPolicyForm(ServiceErrorsMixin, forms.Form):
    """One box per grade and setting; an empty box keeps the default (shown as its
    placeholder). Hours and days may be fractions, counts are whole, return visits are days
    after settling separated by commas."""

    escalate_on_deadline = forms.BooleanField(
        label=gettext_lazy("超时自动升级（不勾选则只提醒承办人和上一级，不移动案件）"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        defaults = taxonomy()["default_time_limits"]
        self.grades = []
        for grade in reversed(clocks.GRADES_LOW_TO_HIGH):
            names = []
            for key, label in policy.SETTING_LABELS.items():
                default = defaults[grade].get(key)
                if isinstance(default, list):
                    default = "，".join(str(d) for d in default)
                placeholder = _("默认 %(v)s") % {"v": default} if default is not None else ""
                name = field_name(grade, key)
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=60,
                    widget=forms.TextInput(
                        attrs={"placeholder": placeholder, "inputmode": "decimal"}
                    ),
                )
                names.append(name)
            self.grades.append((policy.GRADE_LABELS[grade], names))

    def grade_fields(self):
        """(grade label, its bound fields), red first, for the template."""
        return [(label, [self[name] for name in names]) for label, names in self.grades]

    def clean(self):
        data = super().clean()
        limits: dict[str, dict] = {}
        for grade in clocks.GRADES_LOW_TO_HIGH:
            for key in policy.SETTING_LABELS:
                name = field_name(grade, key)
                text = (data.get(name) or "").strip()
                if not text:
                    continue
                value = _parse(text, clocks.SETTING_KINDS[key])
                if value is None:
                    days = key == "return_visit_days"
                    self.add_error(name, _("请填写天数，用逗号分隔") if days else _("请填写数字"))
                    continue
                limits.setdefault(grade, {})[key] = value
        data["time_limits"] = limits
        return data

    def add_service_error(self, field: str, messages: list[str]) -> None:
        grade, _dot, key = field.partition(".")
        name = field_name(grade, key) if key else field
        self.add_error(name if name in self.fields else None, messages)


def _parse(text: str, kind: str):
    """The typed value as the setting takes it, or None when it is not a number (the
    service then says whether the number is allowed)."""
    text = text.replace("，", ",").replace("、", ",")
    try:
        if kind == "day_list":
            return [int(part) for part in text.split(",") if part.strip()]
        if kind == "count":
            return int(text)
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() else value


def _initial(current: CountyPolicy | None) -> dict:
    if current is None:
        return {"escalate_on_deadline": True}
    initial: dict = {"escalate_on_deadline": current.escalate_on_deadline}
    for grade, values in (current.time_limits or {}).items():
        for key, value in (values or {}).items():
            if isinstance(value, list):
                value = "，".join(str(v) for v in value)
            initial[field_name(grade, key)] = "" if value is None else str(value)
    return initial


@login_required
def county_policy(request, code: str):
    """县级办案设置: the county's administrator reads and changes them; a county outside the
    user's jurisdiction is 404, a user without the permission 403."""
    user = request.user
    if not user.has_perm(policy.CHANGE_POLICY):
        raise PermissionDenied
    county = get_for(user, Region.objects.filter(level="county"), code=code)
    current = CountyPolicy.objects.for_user(user).filter(county=county).first()
    status = 200
    if request.method == "POST":
        form = CountyPolicyForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                policy.set_county_policy(
                    actor=user,
                    county=county,
                    escalate_on_deadline=form.cleaned_data["escalate_on_deadline"],
                    time_limits=form.cleaned_data["time_limits"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            except PermissionDenied as exc:
                status = 403
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("办案设置已保存"))
                return redirect("disputes:county_policy", code=county.code)
    else:
        form = CountyPolicyForm(initial=_initial(current))
    context = {"county": county, "form": form, "current": current}
    return render(request, "disputes/county_policy.html", context, status=status)
