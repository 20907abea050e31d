"""Context signals (issue 21): live danger against a past or accidental injury, a long quarrel
against hostility, money on the move; and the grades they lead to, in both languages."""

from __future__ import annotations

import pytest

from fengqiao import triage
from fengqiao.triage import decide, signals
from fengqiao.triage.signals import find_signals, red_flags
from fengqiao.triage.text import normalise


def names(text: str) -> set[str]:
    return {s.name for s in find_signals(normalise(text))}


def flags(text: str) -> set[str]:
    return {s.name for s in red_flags(find_signals(normalise(text)))}


@pytest.mark.parametrize(
    "text",
    [
        "上个月在村口被邻居家没拴的狗咬了，打了五针疫苗，狗主人不肯出钱",
        "前天骑电动车被面包车刮倒，膝盖擦伤，交警已经处理过了",
        "昨天课间两个孩子在走廊打闹，一个摔倒磕破了下巴，已经缝针回家了",
        "My son was bitten by a neighbour's dog last week, the owner refuses to pay the clinic",
        "I was knocked off my bike by a van on Tuesday, bruised hip, the driver won't answer",
    ],
)
def test_an_injury_that_is_over_or_was_an_accident_is_not_a_red_flag(text):
    assert "injury" in names(text)
    assert "injury" not in flags(text)
    assert names(text) & {"accidental", "over"} or not any(
        s.live for s in find_signals(normalise(text)) if s.name == "injury"
    )


@pytest.mark.parametrize(
    "text",
    [
        "饭店门口两个人正在打，一个满脸是血，还在扭打",
        "他昨天把我打得鼻青脸肿，还放话下次见一次打一次",
        "Two men are fighting right now outside the shop, one is bleeding",
    ],
)
def test_an_injury_with_violence_going_on_or_more_promised_stays_red(text):
    assert "injury" in flags(text)
    assert triage.classify(text).risk == "red"


def test_a_push_is_an_assault_even_where_the_head_hit_a_stone():
    found = names("邻居把我爸推倒了，头撞到石头流血了")
    assert "accidental" not in found
    assert "injury" in flags("邻居把我爸推倒了，头撞到石头流血了")


@pytest.mark.parametrize(
    "text",
    [
        "两家为了院墙吵了十几年，村里调解了三次都没用，没有动手",
        "We have argued with next door about the boundary wall for years; mediation failed twice.",
    ],
)
def test_a_long_quarrel_without_threat_is_long_running_not_a_red_flag(text):
    assert "long_running" in names(text)
    assert not flags(text)


@pytest.mark.parametrize(
    "text",
    [
        "借款纠纷，对方欠我十二万，村里镇里调解了两次他都不来，我准备起诉",
        "Two mediation sessions about the unpaid rent have failed; the tenant will not answer.",
    ],
)
def test_repeated_failed_mediation_alone_is_not_a_red_flag(text):
    """GUIDE.md: failed mediation is history, not danger, however recent the quarrel."""
    assert "failed_mediation" in names(text)
    assert not flags(text)


def test_failed_mediation_with_repeated_police_calls_is_red():
    text = "为押金的事今年已经报警4次，社区调解两次都不成"
    assert flags(text) >= {"failed_mediation", "repeated_police_calls"}


def test_the_relabelled_record_matches_the_data():
    """Every example relabelled by the failed-mediation rule is yellow now, in its set."""
    import json

    from fengqiao.triage import corpus

    record = json.loads((corpus.CORPUS_DIR.parent / "relabelled.json").read_text("utf-8"))
    rows = {e.id: e for e in [*corpus.load(), *corpus.load(corpus.BLIND_DIR), *corpus.load_real()]}
    assert len(record) == 26
    for item in record:
        assert rows[item["id"]].risk == item["risk"][1] == "yellow", item["id"]


def test_a_long_quarrel_with_a_threat_is_red():
    text = "两家宅基地的事吵了好几年，调解了三次都不成，昨天他拿着铁锹说要打断我的腿"
    assert "long_running" in names(text)
    assert flags(text) >= {"weapon"}
    assert triage.classify(text).risk == "red"


@pytest.mark.parametrize(
    "text",
    [
        "银行网点有位老人正在准备转账十万给“办案民警”，怎么劝都劝不住",
        "My mother is at the bank right now about to transfer her savings to a fake officer",
    ],
)
def test_fraud_money_about_to_leave_is_dispatched_without_being_red(text):
    assert "fraud_in_progress" in names(text)
    assert triage.classify(text).dispatch is True


def test_a_matter_already_in_court_is_blue():
    result = triage.classify(
        "诉前调解登记：王某借给李某三万元，到期未还，王某已起诉到法院，法院委派调解"
    )
    assert "in_court" in {s.name for s in result.signals}
    assert result.risk == "blue"


def test_counts_of_times_in_english_need_the_police_named():
    assert "repeated_police_calls" not in names("They stomp around; I asked them several times")
    assert "repeated_police_calls" in names("I have called the police five times this month")


@pytest.mark.parametrize(
    "text",
    [
        "商场门口有个三岁左右的小女孩一个人在哭，说找妈妈，身边没大人",
        "There's a lost child at the bus stop, a little boy on his own crying",
    ],
)
def test_a_lost_child_described_without_the_word_missing_is_a_vulnerable_person(text):
    assert "vulnerable_person" in names(text)


def test_the_past_of_one_sentence_does_not_reach_the_next():
    text = "He moved here last year. Now he is missing, he has dementia."
    found = {s.name: s.live for s in find_signals(normalise(text))}
    assert found["vulnerable_person"] is True


def test_a_fraud_call_still_going_on_is_dispatched():
    text = "老伴一直在和自称警察的人通话，对方让她共享屏幕，说要查她的银行卡"
    assert "fraud_in_progress" in names(text)
    assert triage.classify(text).dispatch is True


def test_high_stakes_send_a_matter_that_is_not_red_to_a_professional():
    result = triage.classify("我借给老同学二十五万做生意，约定一年还，三年了一分没还，电话也不接")
    assert "high_stakes" in {s.name for s in result.signals}
    assert result.risk != "red" and result.level == 3
    assert "high_stakes" not in names("欠款三万元一直不还")


@pytest.mark.parametrize(
    "text",
    [
        "我妈有阿兹海默，早上出门买菜到现在还没回来，电话也不接",
        "Our grandfather with Alzheimer's went out for a walk at 3pm and hasn't come back",
    ],
)
def test_a_vulnerable_person_missing_now_is_red_whatever_the_category(text):
    found = find_signals(normalise(text))
    assert signals.vulnerable_missing(found)
    assert decide.is_red(found, 0.0, "other", 1.0)


@pytest.mark.parametrize(
    "text",
    [
        "我的钱包不见了，监控里看是一个骑车的人捡走的",
        "老公出差还没回来，孩子发烧了",
        "上个月走失的老人已经找到了",
    ],
)
def test_a_lost_thing_an_absent_adult_or_a_person_found_is_not_a_missing_person(text):
    assert not signals.vulnerable_missing(find_signals(normalise(text)))
