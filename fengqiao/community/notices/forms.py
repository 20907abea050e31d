"""Forms of the broadcast and alert pages. They only parse what was typed; the services in
``notices.services`` decide what is valid, and their messages are put back next to the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.community.models import Alert, Broadcast
from fengqiao.forms_support import ServiceErrorsMixin, new_client_key

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class NoticeForm(ServiceErrorsMixin, forms.Form):
    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_key", new_client_key())


class BroadcastForm(NoticeForm):
    topic = forms.ChoiceField(
        label=_("通知类别"),
        choices=Broadcast.Topic.choices,
        initial=Broadcast.Topic.GENERAL,
        required=False,
    )
    title = forms.CharField(label=_("标题"), max_length=60, required=False)
    text = forms.CharField(
        label=_("通知内容"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    groups = forms.MultipleChoiceField(
        label=_("发送到这些群"), required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    regions = forms.MultipleChoiceField(
        label=_("或发送到这些区域的全部群"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def clean_topic(self) -> str:
        # A form sent without the choice (an older page) is a general notice.
        return self.cleaned_data["topic"] or Broadcast.Topic.GENERAL

    def __init__(self, *args, groups=(), regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = [
            (str(group.pk), f"{group.name}（{group.get_level_display()}）") for group in groups
        ]
        self.fields["regions"].choices = [
            (str(region.pk), f"{'　' * max(region.depth - 1, 0)}{region.name}")
            for region in regions
        ]


class AlertForm(NoticeForm):
    kind = forms.ChoiceField(
        label=_("预警类型"),
        choices=Alert.Kind.choices,
        initial=Alert.Kind.MISSING_PERSON,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label=_("标题"), max_length=60, required=False)
    description = forms.CharField(
        label=_("特征描述"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("年龄、身高、衣着、口音、随身物品等"),
    )
    photo = forms.FileField(
        label=_("照片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif"}),
    )
    last_seen_place = forms.CharField(label=_("最后出现地点"), max_length=200, required=False)
    last_seen_at = forms.DateTimeField(
        label=_("最后出现时间"),
        required=False,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=LocalDateTimeInput,
    )
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    grids = forms.MultipleChoiceField(
        label=_("发送到这些网格"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grids"].choices = [
            (str(grid.pk), f"{grid.parent.name} · {grid.name}" if grid.parent_id else grid.name)
            for grid in grids
        ]


class SightingForm(NoticeForm):
    text = forms.CharField(
        label=_("看到的情况"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    place = forms.CharField(label=_("在哪里看到"), max_length=200, required=False)
    seen_at = forms.DateTimeField(
        label=_("什么时候看到（不填为现在）"),
        required=False,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=LocalDateTimeInput,
    )
    photo = forms.FileField(
        label=_("照片（可不传）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif"}),
    )
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)


class CloseAlertForm(NoticeForm):
    status = forms.ChoiceField(
        label=_("结束方式"),
        choices=[(Alert.Status.FOUND, _("已找到")), (Alert.Status.CLOSED, _("其他原因结束"))],
        initial=Alert.Status.FOUND,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("说明（可不填）"), max_length=200, required=False)
