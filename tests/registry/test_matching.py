"""Typed address → standard address: exact on the elements, fuzzy when close, never a guess
between two places the text does not tell apart."""

from __future__ import annotations

import pytest

from fengqiao.registry.matching import AddressMatcher, match_address
from tests.registry.conftest import address_in

pytestmark = pytest.mark.django_db


def test_another_spelling_of_a_standard_address_matches_it_exactly(registry):
    match = match_address("测试区乙镇人民路８号幸福小区一幢二单元302")
    assert match is not None and match.exact
    assert match.address_id == registry.address_b.pk


def test_a_small_typo_matches_by_similarity_not_exactly(registry):
    match = AddressMatcher().match("乙社区人民路8号幸福小区1幢2单元303室")
    assert match is not None and not match.exact
    assert match.address_id == registry.address_b.pk and 85 <= match.score < 100


def test_an_unknown_address_matches_nothing(registry):
    assert match_address("乙镇和平路99号") is None


def test_the_same_elements_in_two_communities_need_the_community_named(world, registry):
    other = address_in(world.grid_a1, "人民路8号幸福小区1幢2单元302室", actor=world.county_admin)
    matcher = AddressMatcher()
    assert matcher.match("人民路8号幸福小区1幢2单元302室") is None
    assert matcher.match("甲村人民路8号幸福小区1幢2单元302室").address_id == other.pk
    assert matcher.match("乙社区人民路8号幸福小区1幢2单元302室").address_id == registry.address_b.pk


def test_a_matcher_for_one_township_does_not_see_another(world, registry):
    matcher = AddressMatcher(world.township_a.path)
    assert matcher.match("人民路8号幸福小区1幢2单元302室") is None
    assert matcher.match("甲村3组12号").address_id == registry.address_a.pk
