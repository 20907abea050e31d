"""Typed addresses taken apart into standard-address elements (no database)."""

from __future__ import annotations

import pytest

from fengqiao.registry.address_text import canonical_tail, normalize, parse

PLACES = [("county", "青枫县"), ("township", "城关镇"), ("community", "幸福社区")]
PLACES += [("township", "枫桥镇"), ("community", "上塘村")]


@pytest.mark.parametrize(
    ("text", "tail"),
    [
        (
            "浙江省绍兴市青枫县城关镇人民路12号幸福小区3幢2单元502室",
            "人民路12号幸福小区3幢2单元502室",
        ),
        ("城关镇人民路１２号幸福小区三幢二单元502", "人民路12号幸福小区3幢2单元502室"),
        ("人民路12号 幸福小区 3号楼 2单元 502", "人民路12号幸福小区3幢2单元502室"),
        ("解放路8号锦绣花园12栋1单元1201室", "解放路8号锦绣花园12幢1单元1201室"),
        ("青枫县枫桥镇上塘村3组12号", "3组12号"),
        ("上塘村十二号", "12号"),
        ("胜利街18-2号", "胜利街18-2号"),
    ],
)
def test_spellings_of_one_address_share_one_canonical_tail(text, tail):
    assert canonical_tail(parse(text, PLACES)) == tail


def test_region_names_are_recognised_and_what_precedes_them_dropped():
    parts = parse("浙江省绍兴市青枫县枫桥镇上塘村3组12号", PLACES)
    assert (parts.township, parts.community, parts.village_group, parts.door_number) == (
        "枫桥镇",
        "上塘村",
        "3",
        "12",
    )


def test_floor_is_read_from_the_room_number_when_not_written():
    parts = parse("人民路12号幸福小区3幢2单元1502室", PLACES)
    assert (parts.floor, parts.room, parts.is_room) == ("15", "1502", True)


def test_chinese_numerals_become_digits_only_before_address_words():
    assert normalize("三幢二十一号一〇二室") == "3幢21号102室"
    assert normalize("三里屯路") == "三里屯路"


def test_unreadable_text_is_kept_as_the_rest_not_lost():
    parts = parse("城关镇菜市场旁边", PLACES)
    assert parts.rest == "菜市场旁边" and canonical_tail(parts) == "菜市场旁边"
