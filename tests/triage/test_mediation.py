"""Our 20 categories on the 14 people's-mediation statistics categories and 其他."""

from __future__ import annotations

import json

import pytest

from fengqiao.triage import mediation
from fengqiao.triage.taxonomy import CATEGORIES


def test_every_code_maps_to_one_of_the_official_labels():
    assert len(mediation.LABELS) == 15 and mediation.OTHER in mediation.LABELS
    for code in CATEGORIES:
        assert mediation.mediation_category(code) in mediation.LABELS


def test_each_official_label_has_a_code_of_ours():
    used = {mediation.mediation_category(code) for code in CATEGORIES}
    assert used == set(mediation.LABELS)


def test_codes_with_no_mediation_line_say_where_they_are_finer():
    for code in ("campus", "missing_person", "mental_health_incident", "telecom_fraud"):
        assert mediation.finer(code)
    assert mediation.mediation_category("telecom_fraud") == "其他"
    assert mediation.mediation_category("campus") == "损害赔偿"
    assert mediation.mediation_category("neighbourhood") == "邻里"


def test_the_mapping_agrees_with_the_taxonomys_own_flag():
    taxonomy = json.loads(
        (mediation.Path(__file__).parents[2] / "fengqiao" / "taxonomy.json").read_text("utf-8")
    )
    for entry in taxonomy["category"]:
        if entry.get("mediation_category"):
            assert mediation.mediation_category(entry["code"]) == entry["zh"]


@pytest.mark.parametrize(
    ("written", "label"),
    [
        ("邻里纠纷", "邻里"),
        ("其它纠纷", "其他"),
        ("劳资纠纷", "劳动争议"),
        ("宅基地纠纷", "房屋宅基地"),
        ("医疗纠纷", "医疗"),
        ("道路交通事故纠纷", "道路交通事故"),
        ("婚姻家庭继承", "婚姻家庭"),
        ("火星纠纷", None),
    ],
)
def test_a_mediators_wording_is_read(written, label):
    assert mediation.label_of(written) == label


def test_an_unknown_code_is_refused_by_name():
    with pytest.raises(KeyError, match="unknown category code"):
        mediation.mediation_category("aliens")
