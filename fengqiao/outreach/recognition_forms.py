"""Forms of the recognition pages. They only parse what was typed; the service decides what
is valid and its messages are put back next to the fields they name."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.forms_support import ServiceErrorsMixin


class CommendationForm(ServiceErrorsMixin, forms.Form):
    """登记表彰: who, when, what title and why; the community is the page's."""

    person = forms.ModelChoiceField(
        label=_("受表彰人"), queryset=None, required=False, empty_label=_("请选择")
    )
    awarded_on = forms.DateField(
        label=_("表彰日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    title = forms.CharField(label=_("表彰名称"), max_length=100, required=False)
    reason = forms.CharField(
        label=_("事迹"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people

    def clean_person(self):
        person = self.cleaned_data.get("person")
        if person is None:
            raise forms.ValidationError(_("请选择受表彰人"))
        return person

    def clean_awarded_on(self):
        awarded_on = self.cleaned_data.get("awarded_on")
        if awarded_on is None:
            raise forms.ValidationError(_("请填写表彰日期"))
        return awarded_on
