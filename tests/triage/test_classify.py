"""classify(): the answer's shape and codes, the floors the workflow sets, and bad text."""

from __future__ import annotations

import pytest

from fengqiao import triage
from fengqiao.triage.taxonomy import CATEGORIES, LEVELS, RISKS
from fengqiao.triage.text import normalise


def test_an_answer_carries_codes_from_the_taxonomy():
    result = triage.classify("楼上邻居每天半夜装修，噪音太大，沟通了几次都不理")
    assert result.category in CATEGORIES
    assert result.risk in RISKS and result.level in LEVELS
    assert isinstance(result.dispatch, bool)
    assert result.lang == "zh"


def test_a_knife_and_a_threat_happening_now_are_red_dispatch_and_police_level():
    result = triage.classify("报警：邻居喝醉了现在拿着菜刀在我家门口，喊着要砍死我们全家，快来！")
    assert result.risk == "red"
    assert result.dispatch is True
    assert result.level >= 2
    names = {s.name for s in result.signals}
    assert {"weapon", "threat_to_kill", "alcohol"} <= names


def test_a_threat_told_after_the_fact_is_red_without_dispatch():
    result = triage.classify("听我嫂子说，上个月她前夫扬言要杀了她，她现在住在娘家")
    assert result.risk == "red"
    assert result.dispatch is False


def test_english_and_mixed_text_are_read():
    english = triage.classify(
        "My neighbour is holding a knife in the corridor right now and says he'll kill me"
    )
    assert english.risk == "red" and english.lang == "en"
    mixed = triage.classify("楼上 neighbour 又在 party，noise 到凌晨三点，物业不管")
    assert mixed.lang == "mixed" and mixed.risk != "red"


def test_traditional_chinese_is_read_as_simplified():
    """A Traditional report finds the same danger as its Simplified twin; Simplified text
    that OpenCC's phrase tables would alter (结束, 打坏) is left as it is."""
    result = triage.classify("我兒子現在拿著刀在房間裡亂砸東西，說要殺了我們")
    assert result.risk == "red" and result.dispatch is True
    names = {s.name for s in result.signals}
    assert {"weapon", "threat_to_kill"} <= names
    assert normalise("休渔期结束后，孩子打坏了玻璃") == "休渔期结束后,孩子打坏了玻璃"


def test_the_signals_name_the_words_that_raised_them():
    result = triage.classify("对方拿着铁棍堵在门口")
    (weapon,) = [s for s in result.signals if s.name == "weapon"]
    assert any("铁棍" in word for word in weapon.words)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ("字" * 20_001, "too_long"),
        (b"\xff\xfe\x00bad", "encoding"),
        ("abc\x00\x01\x02\x03def", "binary"),
        ("乱码\ufffd\ufffd", "encoding"),
        (12345, "not_text"),
    ],
)
def test_bad_text_is_refused_with_a_code_and_a_message(text, code):
    with pytest.raises(triage.TriageInputError) as caught:
        triage.classify(text)
    assert caught.value.code == code
    assert str(caught.value)


def test_an_unknown_language_is_refused():
    with pytest.raises(triage.TriageInputError) as caught:
        triage.classify("邻居吵架", lang="fr")
    assert caught.value.code == "lang"


def test_utf8_bytes_are_accepted():
    assert triage.classify("邻居家的狗每天晚上叫".encode()).category in CATEGORIES
