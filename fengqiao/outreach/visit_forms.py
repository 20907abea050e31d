"""Forms of the campaign and visit pages. They only parse what was typed; the services decide
what is valid and their messages are put back next to the fields they name. The choices are
the scoped querysets the views pass in from ``visit_selectors``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.forms_support import ServiceErrorsMixin, new_client_key
from fengqiao.outreach.models import Campaign, VisitRecord

PROBLEM_KIND_CHOICES = [
    ("dispute", _("矛盾纠纷")),
    ("hazard", _("安全隐患")),
    ("registry", _("信息登记")),
    ("suggestion", _("意见建议")),
    ("service", _("办事求助")),
]


class CampaignForm(ServiceErrorsMixin, forms.Form):
    """A campaign: grids are picked per community (a tick for a whole community, or single
    grids under it), so the page works without a giant multi-select or any script."""

    name = forms.CharField(label=_("活动名称"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=_("活动类型"), choices=Campaign.Kind.choices, initial=Campaign.Kind.VISIT
    )
    station = forms.ModelChoiceField(
        label=_("组织单位（派出所）"), queryset=None, required=False, empty_label=_("请选择")
    )
    communities = forms.ModelMultipleChoiceField(
        label=_("整村（社区）全选"), queryset=None, required=False
    )
    grids = forms.ModelMultipleChoiceField(label=_("网格"), queryset=None, required=False)
    starts_on = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, stations, communities, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
        self.fields["communities"].queryset = communities
        self.fields["grids"].queryset = grids

    def chosen_grids(self) -> list:
        """The grids ticked one by one, and every grid of each community ticked whole."""
        chosen = {grid.pk: grid for grid in self.cleaned_data.get("grids") or ()}
        whole = {c.pk for c in self.cleaned_data.get("communities") or ()}
        if whole:
            for grid in self.fields["grids"].queryset:
                if grid.parent_id in whole:
                    chosen.setdefault(grid.pk, grid)
        return list(chosen.values())

    def ticked(self) -> tuple[set[str], set[str]]:
        """The community and grid ids ticked, as the page's checkboxes compare them."""
        if self.is_bound:
            return set(self.data.getlist("communities")), set(self.data.getlist("grids"))
        return (
            {str(v) for v in self.initial.get("communities", ())},
            {str(v) for v in self.initial.get("grids", ())},
        )


class VisitForm(ServiceErrorsMixin, forms.Form):
    """One call at a household, on a phone."""

    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("走访结果"),
        choices=VisitRecord.Outcome.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    people_home = forms.IntegerField(
        label=_("在家人数"),
        required=False,
        min_value=0,
        max_value=50,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    situation = forms.CharField(
        label=_("家庭情况（可不填）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("家庭成员、居住、收入等变化"),
    )
    problem = forms.CharField(
        label=_("发现的问题（可不填）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("填写后会作为一条反映登记，送到网格员和民警处理"),
    )
    problem_kind = forms.ChoiceField(
        label=_("问题类型"),
        choices=PROBLEM_KIND_CHOICES,
        required=False,
        initial="dispute",
        widget=forms.RadioSelect,
    )
    key_people_seen = forms.ModelMultipleChoiceField(
        label=_("见到的重点人员"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    app_installed = forms.BooleanField(label=_("已安装国家反诈中心App"), required=False)
    contact_card_given = forms.BooleanField(label=_("已发放警民联系卡"), required=False)

    def __init__(self, *args, key_people, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["key_people_seen"]
        field.queryset = key_people
        field.label_from_instance = lambda k: f"{k.resident.name}（{k.kind_label}）"
        if not self.is_bound:
            self.initial.setdefault("client_key", new_client_key())


class AssignForm(ServiceErrorsMixin, forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("走访人"), queryset=None, required=False, empty_label=_("不分派")
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people
