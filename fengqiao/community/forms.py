"""Forms for the group pages: they only parse; the services decide and say what is wrong."""

from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao import taxonomy
from fengqiao.community.services import MAX_TEXT, STAFF_ROLES
from fengqiao.forms_support import ServiceErrorsMixin
from fengqiao.intake import selectors as intake


def new_client_id() -> str:
    """A fresh id for one message: the same form sent twice posts once."""
    return secrets.token_urlsafe(12)


def mention_role_choices() -> list[tuple[str, str]]:
    roles = [(code, label) for code, label in taxonomy.choices("role") if code in STAFF_ROLES]
    return [("", _("不@工作人员"))] + [(str(label), f"@{label}") for _code, label in roles]


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MessageForm(ServiceErrorsMixin, forms.Form):
    text = forms.CharField(
        label=_("消息"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_TEXT}),
    )
    mention_role = forms.ChoiceField(label=_("@工作人员"), required=False, choices=())
    thread = forms.IntegerField(required=False, widget=forms.HiddenInput)
    client_id = forms.CharField(required=False, widget=forms.HiddenInput)
    photos = forms.FileField(
        label=_("照片"),
        required=False,
        widget=MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/gif"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mention_role"].choices = mention_role_choices()

    def clean_photos(self):
        return self.files.getlist("photos") if self.files else []

    def text_with_mention(self) -> str:
        """The text, with the chosen role mention in front ("@社区民警 ...")."""
        text = self.cleaned_data["text"] or ""
        role = self.cleaned_data.get("mention_role")
        if role and f"@{role}" not in text:
            text = f"@{role} {text}"
        return text


class ReasonForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)


class ToCaseForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=intake.report_kind_choices,
        initial="dispute",
    )
    sensitive = forms.BooleanField(label=_("涉及隐私：只单独答复发送人"), required=False)
    grid_code = forms.ChoiceField(label=_("事发网格"), required=False, choices=())

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid_code"].choices = [("", _("按群所在位置"))] + [
            (grid.code, grid.name) for grid in grids
        ]


class JoinForm(ServiceErrorsMixin, forms.Form):
    display_name = forms.CharField(label=_("姓名或群昵称"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class CodeForm(ServiceErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )
