"""Names as people search for them: the surname is read as a surname."""

from __future__ import annotations

import pytest

from fengqiao.registry.names import initials_of, pinyin_of


@pytest.mark.parametrize(
    ("name", "pinyin", "initials"),
    [
        ("张三", "zhangsan", "zs"),
        ("单雄信", "shanxiongxin", "sxx"),
        ("曾小贤", "zengxiaoxian", "zxx"),
        ("殷红霞", "yinhongxia", "yhx"),
        ("欧阳娜娜", "ouyangnana", "oynn"),
        ("长孙无忌", "zhangsunwuji", "zswj"),
    ],
)
def test_pinyin_and_initials_read_the_surname_on_its_own(name, pinyin, initials):
    assert (pinyin_of(name), initials_of(name)) == (pinyin, initials)


def test_blank_names_have_no_pinyin():
    assert pinyin_of("  ") == "" and initials_of("") == ""
