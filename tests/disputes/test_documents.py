"""The printable case-file documents: what each PDF says, and that user text cannot break it.

Text is read back with pypdf. Both font paths keep text extractable (the embedded TrueType
subset carries a ToUnicode map; the STSong-Light CID fallback uses a Unicode CMap), so these
tests hold whichever font the machine has. pypdf breaks lines where the PDF wraps them, so
comparisons ignore whitespace.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
import reportlab
from pypdf import PdfReader

from fengqiao.disputes.mediation.documents import (
    CID_FALLBACK,
    AgreementDoc,
    AgreementTerm,
    CaseHeader,
    JudicialConfirmation,
    PartyInfo,
    ReturnVisitRecord,
    SessionRecord,
    Signature,
    agreement_pdf,
    case_file_pdf,
    document_font,
    intake_register_pdf,
    mediation_record_pdf,
    return_visit_pdf,
    rmb_capitals,
)
from fengqiao.pdf_fonts import _choose_font

REF = "330699-2026-000123"


def pages_text(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [re.sub(r"\s+", "", page.extract_text()) for page in reader.pages]


def text_of(pdf: bytes) -> str:
    return "".join(pages_text(pdf))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def make_header(**changes) -> CaseHeader:
    values = dict(
        reference_no=REF,
        category="邻里纠纷",
        risk_grade="黄色",
        level="村（社区）",
        channel="当事人申请",
        received_at=dt.datetime(2026, 3, 5, 14, 30),
        location="枫桥镇新村路12号",
        grid="新村第3网格",
        narrative="楼上卫生间漏水，楼下天花板发霉。",
        request="修复漏水并赔偿损失。",
        handlers=["王调解", "李民警"],
    )
    return CaseHeader(**(values | changes))


def make_parties() -> list[PartyInfo]:
    return [
        PartyInfo(
            role="申请人",
            name="张三",
            sex="男",
            ethnicity="汉族",
            birth_date=dt.date(1970, 1, 2),
            id_number="330681********1234",
            address="新村路12号301室",
            phone="138****0000",
        ),
        PartyInfo(role="被申请人", name="李四", sex="女", agent="李五（丈夫）"),
    ]


def make_session(**changes) -> SessionRecord:
    values = dict(
        held_at=dt.datetime(2026, 3, 8, 9, 0),
        place="新村人民调解室",
        mediators=["王调解", "赵调解"],
        attendees=["网格员陈某"],
        record="调解员告知权利义务。张三陈述损失情况。",
        outcome="达成协议",
    )
    return SessionRecord(**(values | changes))


def make_agreement(**changes) -> AgreementDoc:
    values = dict(
        agreement_no="新村调字〔2026〕第12号",
        committee="枫桥镇新村人民调解委员会",
        mediators=["王调解"],
        parties=make_parties(),
        facts="被申请人家卫生间漏水致申请人家天花板受损。",
        issues="漏水修复及损失赔偿。",
        responsibility="被申请人负主要责任。",
        terms=[
            AgreementTerm(
                obligation="修复卫生间防水层",
                obligor="李四",
                manner="自行委托施工",
                place="401室",
                deadline=dt.date(2026, 3, 20),
            ),
            AgreementTerm(
                obligation="赔偿申请人损失",
                obligor="李四",
                amount=Decimal("5000"),
                manner="银行转账",
                place="申请人账户",
                deadline=dt.date(2026, 3, 31),
            ),
        ],
        breach_clause="逾期未履行的，申请人可依法起诉。",
        signatures=[("张三", "当事人", "按指印", dt.date(2026, 3, 8))],
        seal_applied=True,
        effective_date=dt.date(2026, 3, 8),
    )
    return AgreementDoc(**(values | changes))


def make_visit() -> ReturnVisitRecord:
    return ReturnVisitRecord(
        visited_on=dt.date(2026, 4, 5),
        visitor="王调解",
        method="上门",
        attitude="双方满意",
        performance="已全部履行",
        outcome="案结事了",
    )


ALL_DOCUMENTS = {
    "intake": lambda: intake_register_pdf(make_header(), make_parties()),
    "record": lambda: mediation_record_pdf(make_header(), make_parties(), make_session()),
    "agreement": lambda: agreement_pdf(make_agreement(), make_header()),
    "visits": lambda: return_visit_pdf(make_header(), [make_visit()]),
    "case_file": lambda: case_file_pdf(
        make_header(), make_parties(), [make_session()], make_agreement(), [make_visit()]
    ),
}


@pytest.mark.parametrize("kind", ALL_DOCUMENTS)
def test_every_document_is_a_pdf_with_case_number_and_page_footer(kind):
    pdf = ALL_DOCUMENTS[kind]()

    assert pdf.startswith(b"%PDF")
    pages = pages_text(pdf)
    assert all(REF in page for page in pages)
    assert "第1页共" in pages[0]
    assert f"第{len(pages)}页共{len(pages)}页" in pages[-1]


def test_intake_register_lists_case_data_and_every_party():
    text = text_of(intake_register_pdf(make_header(), make_parties()))

    for needle in ("人民调解受理登记表", "邻里纠纷", "当事人申请", "黄色", "新村第3网格"):
        assert needle in text
    for needle in ("申请人", "张三", "330681********1234", "被申请人", "李四", "李五（丈夫）"):
        assert needle in text
    assert "楼上卫生间漏水" in text and "修复漏水并赔偿损失" in text
    assert "2026年3月5日14:30" in text
    assert "第1页共1页" in text


def test_mediation_record_shows_session_people_and_outcome():
    session = make_session(outcome="调解未成", failure_reason="被申请人拒绝赔偿")
    text = text_of(mediation_record_pdf(make_header(), make_parties(), session))

    for needle in ("人民调解记录", "王调解、赵调解", "网格员陈某", "申请人：张三；被申请人：李四"):
        assert needle in text
    assert "调解未成" in text and "被申请人拒绝赔偿" in text


def test_agreement_carries_the_contents_article_29_asks_for():
    text = text_of(agreement_pdf(make_agreement(), make_header()))

    assert "人民调解协议书" in text
    assert "编号：新村调字〔2026〕第12号" in text
    assert "张三" in text and "李四" in text
    for needle in ("纠纷主要事实", "争议事项", "各方责任", "协议内容", "履行方式、时限"):
        assert needle in text
    assert "一、修复卫生间防水层" in text and "二、赔偿申请人损失" in text
    assert "人民币5,000.00元（大写：伍仟元整）" in text
    assert "履行期限：2026年3月31日前" in text
    assert "第二项由李四于2026年3月31日前在申请人账户以银行转账方式履行" in text
    assert squeeze("本协议一式 3 份，当事人各执一份，人民调解委员会留存一份") in text
    assert (
        "经双方当事人签名（盖章或按指印）、人民调解员签名并加盖人民调解委员会印章后生效"
    ) in text
    assert "自本协议生效之日起三十日内共同向人民法院申请司法确认" in text
    assert "枫桥镇新村人民调解委员会（印章）" in text and "已加盖印章" in text


def test_agreement_prints_a_signature_line_for_every_party_and_mediator():
    text = text_of(agreement_pdf(make_agreement(), make_header()))

    # 张三 has signed: method and date are printed; 李四 and the mediator get blank dates.
    assert "张三当事人按指印2026年3月8日" in text
    assert "李四当事人____年__月__日" in text
    assert "王调解调解员____年__月__日" in text


def test_agreement_with_three_parties_counts_four_copies_and_says_each_party():
    third = PartyInfo(role="第三人", name="王五")
    text = text_of(agreement_pdf(make_agreement(parties=[*make_parties(), third]), make_header()))

    assert squeeze("本协议一式 4 份") in text
    assert "经各方当事人签名" in text


def test_agreement_refuses_fewer_copies_than_parties_plus_one():
    with pytest.raises(ValueError, match="copies"):
        make_agreement(copies=2)


def test_agreement_with_extra_copies_says_how_many_the_committee_keeps():
    text = text_of(agreement_pdf(make_agreement(copies=5), make_header()))

    assert squeeze("本协议一式 5 份，当事人各执一份，人民调解委员会留存 3 份") in text


def test_agreement_shows_judicial_confirmation_when_there_is_one():
    confirmation = JudicialConfirmation(
        applied_on=dt.date(2026, 3, 15),
        court="诸暨市人民法院",
        ruling="确认有效",
        ruling_date=dt.date(2026, 3, 25),
    )
    agreement = make_agreement(judicial_confirmation=confirmation)
    text = text_of(agreement_pdf(agreement, make_header()))

    assert "受理法院：诸暨市人民法院" in text and "裁定结果：确认有效" in text


def test_empty_agreement_still_renders_with_blank_signature_lines():
    agreement = AgreementDoc(agreement_no="空-1")
    pdf = agreement_pdf(agreement, make_header())

    text = text_of(pdf)
    assert pdf.startswith(b"%PDF")
    assert "（无）" in text
    # A blank form for two sides: their lines, one mediator's, and the seal date.
    assert text.count("____年__月__日") == 4
    assert text.count("当事人____年__月__日") == 2 and "调解员____年__月__日" in text
    assert "本协议一式3份" in text and "经双方当事人签名" in text
    assert "（盖章处）" in text


def test_agreement_with_parties_but_no_terms_or_signatures_leaves_every_line_blank():
    agreement = make_agreement(
        terms=[], signatures=[], seal_applied=False, effective_date=None, mediators=[]
    )
    text = text_of(agreement_pdf(agreement, make_header()))

    assert "张三当事人____年__月__日" in text
    assert "李四当事人____年__月__日" in text
    assert "调解员____年__月__日" in text  # no mediator named yet: still a line to sign
    assert "（盖章处）" in text


def test_signatures_accept_plain_tuples_and_unknown_signers_are_still_printed():
    agreement = make_agreement(signatures=[("李六", "监护人", "签名", dt.date(2026, 3, 9))])

    assert agreement.signatures[0] == Signature("李六", "监护人", "签名", dt.date(2026, 3, 9))
    assert "李六监护人签名2026年3月9日" in text_of(agreement_pdf(agreement, make_header()))


def test_markup_characters_in_user_text_print_literally():
    parties = [PartyInfo(role="申请人", name="<张三> & Co"), PartyInfo(role="被申请人", name="A&B")]
    header = make_header(narrative="他说<b>不是粗体</b> & <br/> &amp; 1<2", request="a > b")

    text = text_of(intake_register_pdf(header, parties))

    assert "<张三>&Co" in text and "A&B" in text
    assert "他说<b>不是粗体</b>&<br/>&amp;1<2" in text
    assert "a>b" in text


def test_control_characters_are_dropped_instead_of_breaking_the_page():
    header = make_header(narrative="前\x00中\x1b后\r\n下一行")

    assert "前中后下一行" in text_of(intake_register_pdf(header, make_parties()))


def test_long_narrative_wraps_across_pages():
    phrase = "邻里因排水沟堵塞发生争执，"
    narrative = (phrase * 400)[:4994] + "【叙述结束】"
    assert len(narrative) >= 5000
    pdf = intake_register_pdf(make_header(narrative=narrative), make_parties())

    pages = pages_text(pdf)
    assert len(pages) >= 3
    # Page furniture (case number, footer, the continued row's label) sits between the halves
    # of a phrase split by a page break.
    text = re.sub(rf"第\d+页共\d+页|案号：{REF}|纠纷简要情况（续）", "", "".join(pages))
    assert text.count(phrase) == narrative.count(phrase)
    assert "【叙述结束】" in text
    assert "纠纷简要情况（续）" in pages[1]
    assert text.index("【叙述结束】") < text.index("当事人诉求") < text.index("登记人签名")
    assert f"共{len(pages)}页" in pages[0]


def test_return_visits_print_one_block_each():
    second = ReturnVisitRecord(visited_on=dt.date(2026, 5, 5), visitor="赵调解", method="电话")
    text = text_of(return_visit_pdf(make_header(), [make_visit(), second]))

    assert "人民调解回访记录" in text
    assert "第一次回访" in text and "第二次回访" in text
    assert "已全部履行" in text and "案结事了" in text and "电话" in text


def test_return_visit_without_visits_prints_a_blank_form():
    text = text_of(return_visit_pdf(make_header(), []))

    assert "第一次回访" in text and "被回访人签名" in text


def test_case_file_has_cover_contents_and_every_document_in_order():
    sessions = [make_session(), make_session(held_at=dt.datetime(2026, 3, 9, 10, 0))]
    pdf = case_file_pdf(make_header(), make_parties(), sessions, make_agreement(), [make_visit()])
    pages = pages_text(pdf)

    assert "人民调解卷宗" in pages[0] and "新村调字〔2026〕第12号" in pages[0]
    assert "卷内目录" in pages[1]
    titles = [
        "人民调解受理登记表",
        "人民调解记录（第一次）",
        "人民调解记录（第二次）",
        "人民调解协议书",
        "人民调解回访记录",
    ]
    # Searched from page 3 on: the contents page names the same documents.
    starts = [next(i for i, p in enumerate(pages[2:], 3) if title in p) for title in titles]
    assert starts == sorted(starts) and starts[0] == 3
    # The contents page names each document with the page it starts on.
    assert f"受理登记表2026年3月5日14:30{starts[0]}" in pages[1]
    assert f"调解记录（第二次）2026年3月9日10:00{starts[2]}" in pages[1]
    assert f"人民调解协议书2026年3月8日{starts[3]}" in pages[1]
    assert f"回访记录2026年4月5日{starts[4]}" in pages[1]
    assert f"第{len(pages)}页共{len(pages)}页" in pages[-1]


def test_case_file_without_agreement_or_visits_lists_only_what_exists():
    session = make_session(outcome="调解未成")
    pages = pages_text(case_file_pdf(make_header(), make_parties(), [session], None, []))

    assert "调解未成" in pages[0]
    assert "协议书" not in pages[1] and "回访记录" not in pages[1]
    assert "人民调解记录" in pages[3] and "（第一次）" not in pages[3]


def test_case_file_with_nothing_but_the_intake_still_renders():
    pdf = case_file_pdf(make_header(), [], [], None, [])

    assert pdf.startswith(b"%PDF") and len(pages_text(pdf)) == 3


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        ("0", "零元整"),
        ("5000", "伍仟元整"),
        ("100000", "壹拾万元整"),
        ("10005.5", "壹万零伍元伍角整"),
        ("100.05", "壹佰元零伍分"),
        ("1000100", "壹佰万零壹佰元整"),
        ("100000001", "壹亿零壹元整"),
        ("123456789.12", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"),
    ],
)
def test_amounts_are_written_in_financial_capitals(amount, capitals):
    assert rmb_capitals(Decimal(amount)) == capitals


def test_font_probe_skips_missing_cff_and_non_chinese_fonts_then_falls_back_to_cid():
    candidates = [
        "/nonexistent/font.ttf",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # CFF outlines, if present
        str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"),  # TrueType, no Chinese
    ]

    assert _choose_font(candidates) == (CID_FALLBACK, None)


def test_document_font_is_chosen_once_per_process():
    assert document_font() is document_font()
