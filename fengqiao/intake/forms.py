"""Forms of the intake pages. They only parse what was typed; ``submit_report`` and the
other services decide what is valid, and their messages are put back next to the fields."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fengqiao import taxonomy
from fengqiao.forms_support import ServiceErrorsMixin, renew_client_key
from fengqiao.identity import normalize_id_number
from fengqiao.intake import replies
from fengqiao.intake.models import Report
from fengqiao.phones import normalize_phone

PUBLIC_CHANNELS = ("web", "kiosk")
# What a report form offers; an alarm comes in through dispatch's one-click alarm and 110.
REPORT_KINDS = [(code, label) for code, label in Report.Kind.choices if code != Report.Kind.ALARM]
STAFF_CHANNELS = (
    "walk_in",
    "phone",
    "alarm_110",
    "referral",
    "visit",
    "grid_report",
    "building_head_report",
)

# Plain-language examples under each category, so a resident can find theirs.
CATEGORY_EXAMPLES = {
    "marriage_family": _("赡养老人、抚养孩子、继承、彩礼、夫妻或家人吵架"),
    "neighbourhood": _("噪音、漏水、树木遮挡、停车、宠物、楼道公共地方"),
    "housing_homestead": _("宅基地界址、围墙、排水、翻建房屋"),
    "contract": _("借钱不还、欠款、买卖或装修合同没做到"),
    "production_business": _("合伙做生意、种养殖、店铺经营中的矛盾"),
    "damage_compensation": _("东西被弄坏、人被弄伤，要求赔偿"),
    "forest_land": _("承包地、山林归属、田地边界"),
    "land_acquisition_demolition": _("征地补偿、拆迁安置"),
    "environmental_pollution": _("排污、烟尘、异味、工厂或店铺噪声"),
    "labour": _("拖欠工资、工伤、被辞退"),
    "consumer": _("买到假货、退换货、预付卡退款"),
    "medical": _("看病、住院过程中的纠纷"),
    "traffic_accident": _("交通事故的责任和赔偿"),
    "property_management": _("物业费、物业服务、小区维修"),
    "other": _("以上都不是"),
    "campus": _("学校里发生的矛盾、学生受伤"),
    "missing_person": _("老人、孩子走失"),
    "mental_health_incident": _("精神障碍患者发病伤人、毁物"),
    "telecom_fraud": _("被电话、短信、网上骗钱"),
    "public_safety_hazard": _("高空抛物、电动车飞线充电、火灾隐患"),
}


def category_options() -> list[tuple[str, str, str]]:
    """(code, label, examples) for every category, in the active language."""
    english = (get_language() or "").startswith("en")
    options = []
    for entry in taxonomy.entries("category"):
        code = entry["code"]
        examples = entry.get("note", "") if english else CATEGORY_EXAMPLES.get(code, "")
        options.append((code, taxonomy.label("category", code), str(examples)))
    return options


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class ReportForm(ServiceErrorsMixin, forms.Form):
    """What a resident fills in. Nothing is required here: the service says what is
    missing, all at once, in its own words."""

    kind = forms.ChoiceField(label=_("反映什么"), choices=REPORT_KINDS, required=False)
    category = forms.ChoiceField(
        label=_("纠纷类别"), choices=[("", "")] + taxonomy.choices("category"), required=False
    )
    text = forms.CharField(label=_("具体情况"), required=False, max_length=5000)
    photos = MultipleFileField(label=_("照片"))
    lon = forms.FloatField(required=False)
    lat = forms.FloatField(required=False)
    grid_code = forms.CharField(label=_("网格"), required=False, max_length=32)
    # The grid the reporter picked when their point was near an edge.
    chosen_grid = forms.CharField(label=_("确认网格"), required=False, max_length=32)
    address = forms.CharField(label=_("地址"), required=False, max_length=200)
    # The building tapped on the form's map (its code); the view looks it up.
    building = forms.CharField(label=_("楼栋"), required=False, max_length=40)
    reporter_name = forms.CharField(label=_("姓名"), required=False, max_length=50)
    reporter_phone = forms.CharField(label=_("联系电话"), required=False, max_length=30)
    anonymous = forms.BooleanField(label=_("不对外公开我的姓名"), required=False)
    client_key = forms.CharField(required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and not self.data.get("client_key"):
            # Posted without a key (no script, an old page): give this form one now, so
            # that sending it again after an error cannot make a second report.
            renew_client_key(self)
        self.fields["lon"].error_messages["invalid"] = _("位置坐标无效，请重新定位或选择网格")
        self.fields["lat"].error_messages["invalid"] = _("位置坐标无效，请重新定位或选择网格")

    def submission(self) -> dict:
        """The cleaned values as ``submit_report`` keyword arguments."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "category": data["category"],
            "text": data["text"],
            "photos": data["photos"],
            "lon": data["lon"],
            "lat": data["lat"],
            "grid_code": data["grid_code"],
            "address": data["address"],
            "reporter_name": data.get("reporter_name", ""),
            "reporter_phone": data.get("reporter_phone", ""),
            "anonymous": data.get("anonymous", False),
            "client_key": data["client_key"] or None,
            "ask_grid": True,
            "chosen_grid": data["chosen_grid"],
        }


class StaffReportForm(ReportForm):
    """A walk-in, a phone call or a 110 transfer, as a member of staff takes it down."""

    channel = forms.ChoiceField(label=_("来源渠道"), required=False)
    risk = forms.ChoiceField(
        label=_("风险等级"),
        choices=[("", _("由系统研判"))] + taxonomy.choices("risk"),
        required=False,
    )
    grid_code = forms.ChoiceField(label=_("网格"), required=False)
    applicant_name = forms.CharField(label=_("申请人姓名"), required=False, max_length=100)
    applicant_phone = forms.CharField(label=_("申请人电话"), required=False, max_length=30)
    applicant_id = forms.CharField(label=_("申请人身份证号"), required=False, max_length=20)
    respondent_name = forms.CharField(label=_("被申请人姓名"), required=False, max_length=100)
    respondent_phone = forms.CharField(label=_("被申请人电话"), required=False, max_length=30)
    respondent_id = forms.CharField(label=_("被申请人身份证号"), required=False, max_length=20)

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [
            (code, taxonomy.label("channel", code)) for code in STAFF_CHANNELS
        ]
        self.fields["grid_code"].choices = [("", "")] + [
            (grid.code, f"{grid.parent.name if grid.parent else ''} {grid.name}".strip())
            for grid in grids
        ]
        self.fields["grid_code"].error_messages["invalid_choice"] = _(
            "这个网格不在您的辖区内，请重新选择"
        )
        for field in ("reporter_name", "reporter_phone", "anonymous"):
            del self.fields[field]

    def clean_applicant_phone(self):
        return normalize_phone(self.cleaned_data["applicant_phone"])

    def clean_respondent_phone(self):
        return normalize_phone(self.cleaned_data["respondent_phone"])

    def clean_applicant_id(self):
        return normalize_id_number(self.cleaned_data["applicant_id"])

    def clean_respondent_id(self):
        return normalize_id_number(self.cleaned_data["respondent_id"])

    def clean(self):
        data = super().clean()
        for role in ("applicant", "respondent"):
            has_details = data.get(f"{role}_phone") or data.get(f"{role}_id")
            if has_details and not data.get(f"{role}_name"):
                self.add_error(f"{role}_name", _("填写了电话或身份证号，请同时填写姓名"))
        return data

    def parties(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "role": role,
                "name": data[f"{role}_name"],
                "phone": data[f"{role}_phone"],
                "id_number": data[f"{role}_id"],
            }
            for role in ("applicant", "respondent")
            if data.get(f"{role}_name")
        ]

    def submission(self) -> dict:
        data = self.cleaned_data
        return {
            **super().submission(),
            "channel": data["channel"],
            "risk": data["risk"],
            "reporter_name": data["applicant_name"],
            "reporter_phone": data["applicant_phone"],
            "parties": self.parties(),
            # Staff place a report by the grid or building they choose, not by a pin.
            "ask_grid": False,
        }

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict") and "reporter_phone" in error.error_dict:
            error.error_dict["applicant_phone"] = error.error_dict.pop("reporter_phone")
        super().add_service_errors(error)


class FeedbackForm(ServiceErrorsMixin, forms.Form):
    feedback = forms.ChoiceField(
        label=_("问题解决了吗"), choices=Report.Feedback.choices, required=False
    )
    satisfaction = forms.TypedChoiceField(
        label=_("满意度"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
    )


class ReopenForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("为什么需要重新处理"), required=False, max_length=2000)


class ReplyForm(ServiceErrorsMixin, forms.Form):
    """A reply to the reporter, begun from a template or written from scratch. Without a
    script a template is picked and sent as it is; the page's script copies it into the
    text to be edited first."""

    template = forms.ChoiceField(label=_("答复模板"), required=False)
    text = forms.CharField(label=_("答复内容"), required=False, max_length=4000)

    def __init__(self, *args, kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", _("不用模板"))] + [
            (t.code, t.label) for t in replies.templates_for(kind)
        ]
        self.fields["template"].error_messages["invalid_choice"] = _("没有这个答复模板")

    def reply(self) -> dict:
        data = self.cleaned_data
        text = data["text"].strip()
        template = replies.template_named(data["template"]) if data["template"] else None
        if not text and template is not None:
            text = str(template.text)
        return {"text": text, "template": data["template"]}


class DuplicateForm(ServiceErrorsMixin, forms.Form):
    of = forms.CharField(label=_("重复于（查询码）"), required=False, max_length=20)
    reason = forms.CharField(label=_("原因"), required=False, max_length=400)
    merge = forms.BooleanField(label=_("合并办理"), required=False)
