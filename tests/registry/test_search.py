"""One search box: name, pinyin initials, last digits, full numbers by keyed hash, address
text; always inside the user's jurisdiction."""

from __future__ import annotations

import pytest

from fengqiao.registry.search import search
from tests.registry.conftest import ID_LI, ID_ZHANG, PHONE_ZHANG

pytestmark = pytest.mark.django_db


def names(results) -> list[str]:
    return [resident.name for resident in results.residents]


@pytest.mark.parametrize(
    "query",
    ["张三", "zs", "ZS", "zhangs", "0014", ID_ZHANG, ID_ZHANG.lower(), PHONE_ZHANG, "5678"],
)
def test_an_officer_finds_a_resident_of_the_beat_in_a_keystroke_or_two(world, registry, query):
    assert names(search(world.officer_a, query)) == ["张三"]


def test_longer_tails_are_checked_against_the_sealed_numbers(world, registry):
    assert names(search(world.officer_a, "010014")) == ["张三"]
    assert names(search(world.officer_a, "990014")) == []
    assert names(search(world.officer_a, "345678")) == ["张三"]


def test_a_full_id_number_is_found_without_being_stored_in_the_clear(world, registry):
    results = search(world.county_admin, ID_LI)
    assert results.kind == "id" and names(results) == ["李四"]


def test_nothing_outside_the_jurisdiction_is_found(world, registry):
    for query in ("李四", "ls", ID_LI, "0027", "幸福小区"):
        assert search(world.officer_a, query).empty, query


def test_address_text_finds_addresses_and_houses_in_scope(world, registry):
    results = search(world.officer_b, "幸福小区")
    assert [a.pk for a in results.addresses] == [registry.address_b.pk]
    assert search(world.officer_b, "幸福小区1幢").addresses


def test_a_one_character_query_or_blank_finds_nothing_rather_than_everything(world, registry):
    assert search(world.county_admin, "张").empty
    assert search(world.county_admin, "  ").empty


def test_a_user_without_a_posting_finds_nothing(world, registry):
    assert search(world.resident, "zs").empty
