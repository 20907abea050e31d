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


class IdsField(forms.Field):
    """Ids ticked in the target picker, as integers. Which ids are allowed (the actor's
    scope) is the service's decision, so a hand-made post reaches it and is refused there."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        try:
            return sorted({int(item) for item in value})
        except (TypeError, ValueError) as error:
            raise forms.ValidationError(_("选择的群不存在，请重新选择")) from error


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
    groups = IdsField(label=_("发送到哪些群"), required=False)
    # A community ticked whole: every active group in it (the service expands it).
    regions = IdsField(required=False)

    def clean_topic(self) -> str:
        # A form sent without the choice (an older page) is a general notice.
        return self.cleaned_data["topic"] or Broadcast.Topic.GENERAL


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
    groups = IdsField(label=_("发送到哪些群"), required=False)
    regions = IdsField(required=False)
    # Grids by id: what older pages and scripts send; the picker sends groups.
    grids = IdsField(required=False)


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
