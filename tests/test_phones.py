"""Phone numbers as people type them become one stored form, or a message saying why not."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fengqiao.phones import normalize_phone


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("138 1234 5678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("0086 13812345678", "+8613812345678"),
        ("17012345678", "+8617012345678"),  # virtual operators are real numbers
        ("0575-85123456", "+8657585123456"),
        ("(010) 6512 3456", "+861065123456"),
        ("", ""),
    ],
)
def test_mobiles_and_landlines_are_stored_as_e164(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed, says",
    [("110", "服务号码"), ("12345", "服务号码"), ("1381234567", "11 位"), ("电话", "11 位")],
)
def test_bad_numbers_say_what_is_wrong(typed, says):
    with pytest.raises(ValidationError) as error:
        normalize_phone(typed)
    assert says in error.value.messages[0]


@pytest.mark.parametrize("typed", ["13812345678", "+8613812345678", "0086 138 1234 5678"])
def test_a_mobile_takes_the_quick_path_to_the_same_answer(typed):
    assert normalize_phone(typed) == "+8613812345678"


def test_full_width_digits_are_stored_as_ascii_digits():
    assert normalize_phone("１３８１２３４５６７８") == "+8613812345678"


def test_an_eleven_digit_number_that_is_no_mobile_is_still_refused():
    with pytest.raises(ValidationError):
        normalize_phone("10012345678")


def test_the_admin_stores_a_typed_phone_in_one_form_and_refuses_a_bad_one(client, world):
    person = world.grid_worker_a1.person
    client.force_login(world.county_admin)
    url = reverse("admin:org_person_change", args=[person.pk])
    form = {
        "name": person.name,
        "region": person.region_id,
        "roles": ["grid_worker"],
        "active": "on",
    }
    bad = client.post(url, {**form, "phone": "12345"})
    assert bad.status_code == 200 and "服务号码" in bad.content.decode()
    person.refresh_from_db()
    assert person.phone != "12345"
    assert client.post(url, {**form, "phone": "139 0000 1111"}).status_code == 302
    person.refresh_from_db()
    assert person.phone == "+8613900001111"
