"""The mediation forms that know the agreement's parties: drafting names them (all of the
case's ticked at first), and signing may record a party's refusal with its reason. The
other steps' forms are ``disputes.forms``'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.disputes import forms as case_forms
from fengqiao.disputes.models import Signature

# The ways of signing offered as buttons; a refusal has its own form with the reason.
SIGN_METHODS = [(v, label) for v, label in Signature.Method.choices if v != "refused"]


class DraftForm(case_forms.AgreementForm):
    """The agreement with its parties: those ticked are bound by it and must all sign."""

    parties = forms.ModelMultipleChoiceField(
        label=_("协议当事人（须全部签署）"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, parties=parties, **kwargs)
        self.fields["parties"].queryset = parties
        if not self.is_bound:
            self.initial["parties"] = [p.pk for p in parties]
        # The parties first: the terms' obligors are chosen among them.
        self.order_fields(["parties", *[n for n in self.fields if n != "parties"]])


class SignForm(case_forms.SignForm):
    """A signature, or (method ``refused``, parties only) a refusal with its reason."""

    note = forms.CharField(
        label=_("拒签理由"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
