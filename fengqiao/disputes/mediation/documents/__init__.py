"""Printable documents of a people"s-mediation case file, as PDF bytes.

Pure rendering: plain frozen dataclasses in, ``bytes`` out. Nothing here knows the database
models; the disputes app maps its records onto these dataclasses (already translated labels,
ID numbers already masked or not, datetimes already in local time) and calls one of:

- ``intake_register_pdf``  受理登记表
- ``mediation_record_pdf`` 调解记录
- ``agreement_pdf``        人民调解协议书 (People"s Mediation Law arts. 29, 33)
- ``return_visit_pdf``     回访记录
- ``case_file_pdf``        the whole 卷宗: cover, 卷内目录, then all of the above

Every page is A4 and carries the case number at the top and "第 X 页 共 Y 页" at the foot.

One module a document (``intake_register``, ``mediation_record``, ``agreement``,
``return_visit``, ``case_file``), over what they share: ``values`` (the dataclasses),
``text`` (dates, numerals, amounts) and ``layout`` (styles, tables, pages); the CJK font
comes from the shared ``fengqiao.pdf_fonts``.
"""

from fengqiao.disputes.mediation.documents.agreement import agreement_pdf
from fengqiao.disputes.mediation.documents.case_file import case_file_pdf
from fengqiao.disputes.mediation.documents.intake_register import intake_register_pdf
from fengqiao.disputes.mediation.documents.layout import PAGE_MARGINS
from fengqiao.disputes.mediation.documents.mediation_record import mediation_record_pdf
from fengqiao.disputes.mediation.documents.return_visit import return_visit_pdf
from fengqiao.disputes.mediation.documents.text import rmb_capitals
from fengqiao.disputes.mediation.documents.values import (
    AgreementDoc,
    AgreementTerm,
    CaseHeader,
    JudicialConfirmation,
    PartyInfo,
    ReturnVisitRecord,
    SessionRecord,
    Signature,
)
from fengqiao.pdf_fonts import (
    CID_FALLBACK,
    FONT_CANDIDATES,
    FONT_ENV,
    FontChoice,
    document_font,
)

__all__ = [
    "agreement_pdf",
    "case_file_pdf",
    "CID_FALLBACK",
    "FONT_CANDIDATES",
    "FONT_ENV",
    "FontChoice",
    "document_font",
    "intake_register_pdf",
    "PAGE_MARGINS",
    "mediation_record_pdf",
    "return_visit_pdf",
    "rmb_capitals",
    "AgreementDoc",
    "AgreementTerm",
    "CaseHeader",
    "JudicialConfirmation",
    "PartyInfo",
    "ReturnVisitRecord",
    "SessionRecord",
    "Signature",
]
