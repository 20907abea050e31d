"""The exchange export page's form: which file, which area, which format, and whether to
reveal numbers (and why)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.registry.forms import ServiceErrors


class ExchangeForm(ServiceErrors, forms.Form):
    """What to export as a standard exchange file; ``kinds`` are those the user may take."""

    kind = forms.ChoiceField(label=_("交换文件"), widget=forms.RadioSelect)
    area = forms.CharField(
        label=_("区域（编码或 12 位统计用区划代码，留空为全部辖区）"),
        required=False,
        max_length=32,
    )
    file_format = forms.ChoiceField(
        label=_("格式"),
        choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")],
        initial="xlsx",
        widget=forms.RadioSelect,
    )
    encoding = forms.ChoiceField(
        label=_("CSV 编码"),
        choices=[("utf-8", "UTF-8"), ("gbk", "GBK")],
        initial="utf-8",
        widget=forms.RadioSelect,
    )
    reveal = forms.BooleanField(label=_("导出完整证件号码和电话"), required=False)
    reason = forms.CharField(
        label=_("导出完整号码的理由"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：省厅一标三实数据上报")}),
    )

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        if kinds:
            self.fields["kind"].initial = kinds[0][0]
