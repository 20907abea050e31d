"""The .xlsx a county fills in (or checks its export against): a layout's header, one
example row, and a 填写说明 sheet with each column's help and the values it takes."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from fengqiao.disputes.imports.layouts import LAYOUTS, MEDIATION_18
from fengqiao.registry.imports.template import columns_workbook
from fengqiao.triage.mediation import LABELS


def case_template(layout: str = MEDIATION_18.code) -> bytes:
    spec = LAYOUTS[layout]
    with translation.override("zh-hans"):
        hints = {
            "category": "、".join(f"{label}纠纷" for label in LABELS),
            "result": "调解成功（达成协议）、部分达成、调解不成功、转诉讼；留空为调解中",
            "difficulty": "简单、一般、疑难、重大",
            "source": "主动调解、申请调解、接受委托移送调解",
            "death": "有、无",
            "agreement_type": "口头协议、书面协议",
        }
        title = _(spec.label)
    return columns_workbook(title, spec.columns, hints)
