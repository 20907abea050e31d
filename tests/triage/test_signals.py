"""The red-flag lexicon: what it finds, and what negation, worry and hearsay do to it."""

from __future__ import annotations

import pytest

from fengqiao.triage.signals import find_signals
from fengqiao.triage.text import normalise


def found(text: str) -> dict[str, bool]:
    """signal name -> live."""
    return {s.name: s.live for s in find_signals(normalise(text))}


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("他扬言要跟我同归于尽", "threat_to_kill"),
        ("对方说不还钱就杀了你全家", "threat_to_kill"),
        ("He said he'd kill me if I called the police again", "threat_to_kill"),
        ("男子手持菜刀在小区门口", "weapon"),
        ("a man waving a MACHETE outside the shop", "weapon"),
        ("被打得头破血流，已经送医院了", "injury"),
        ("喝醉了在楼下骂人", "alcohol"),
        ("三十多名工人聚集在项目部门口拉横幅", "crowd_gathering"),
        ("有老年痴呆的老人早上出门后走失", "vulnerable_person"),
        ("她说活不下去了，现在人在天台", "suicide_risk"),
        ("这个月已经第五次报警了", "repeated_police_calls"),
        ("调解了三次都没谈拢", "failed_mediation"),
        ("12岁的孩子被同学打了", "minor_involved"),
        ("欠款三万元至今未还", "money_amount"),
        ("老公喝了酒就打老婆", "domestic_violence"),
        ("门口被泼了油漆，还放了死老鼠", "intimidation"),
        ("不解决就去北京上访", "petition_threat"),
        ("车窗被砸坏了", "property_damage"),
        ("要是敢提换物业，就找人把我腿打折", "threat_to_kill"),
        ("He says he'll drink pesticide if they knock the house down", "suicide_risk"),
        ("大门被泼了两次粪", "intimidation"),
        ("他说知道我家住哪，让我等着", "intimidation"),
        ("one of them was hit with a bottle", "weapon"),
        ("这个月她已经是第三次走失报警了", "repeated_police_calls"),
    ],
)
def test_each_signal_is_found_in_plain_words(text, signal):
    assert signal in found(text)


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("双方吵了几句，没有动刀", "weapon"),
        ("推搡了一下，没人受伤", "injury"),
        ("Nobody was hurt, they just shouted", "injury"),
        ("未发现有人受伤", "injury"),
        ("我怕他会拿刀", "weapon"),
        ("担心老人想不开要跳楼", "suicide_risk"),
        ("I'm worried he might bring a knife", "weapon"),
        ("加油站卸油有汽油味", "weapon"),
    ],
)
def test_negated_or_feared_words_raise_no_signal(text, absent):
    assert absent not in found(text)


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("楼下半夜拿木棍敲楼板，整栋楼都听得见", "weapon"),
        ("他拿砖头砸到我家厨房顶上，石棉瓦砸了个洞", "weapon"),
        ("he keeps banging a hammer on the wall at night", "weapon"),
        ("民警教育过一次，现在又报了一次警", "repeated_police_calls"),
        ("下雨天粪水直接冲进水沟", "crowd_gathering"),
    ],
)
def test_a_tool_on_a_thing_a_second_call_and_water_are_not_red_flags(text, absent):
    """A stick knocked on a floor is a nuisance, not a weapon; the second call to the
    police is not the third; water that rushes into a ditch is not a crowd storming in."""
    assert absent not in found(text)


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("他拿着木棍要打我", "weapon"),
        ("被对方用砖头砸破了头", "weapon"),
        ("已经报了三次警", "repeated_police_calls"),
        ("二十多个村民冲进村委会", "crowd_gathering"),
    ],
)
def test_a_tool_against_a_person_and_a_third_call_still_are(text, signal):
    assert signal in found(text)


def test_a_negation_stops_at_its_clause():
    signals = found("没有动刀，但是打伤了人")
    assert "weapon" not in signals and "injury" in signals


def test_a_condition_is_not_a_negation():
    assert "threat_to_kill" in found("他说不还钱就砍死我")


def test_a_threat_told_after_the_fact_is_kept_but_not_live():
    assert found("听说他上周扬言要杀了老王") == {"threat_to_kill": False, "intimidation": False}
    assert found("My neighbour threatened to kill me last week")["threat_to_kill"] is False


def test_a_threat_happening_now_is_live():
    assert found("他现在拿着刀在门口喊要杀了我") == {
        "weapon": True,
        "threat_to_kill": True,
    }


def test_the_words_that_raised_a_signal_come_with_it():
    (weapon,) = [s for s in find_signals(normalise("男子手持菜刀、拿着铁棍")) if s.name == "weapon"]
    assert set(weapon.words) == {"菜刀", "铁棍"}


def test_full_width_and_capitals_are_read_like_plain_text():
    assert "weapon" in found("ＫＮＩＦＥ！")
