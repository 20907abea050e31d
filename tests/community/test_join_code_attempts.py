"""A join code allows five guesses in all, however many arrive at the same moment."""

from __future__ import annotations

import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from fengqiao import sealing
from fengqiao.community import services, sms
from fengqiao.community.models import JoinConfirmation, Member

WRONG = "wrong code"
LOCKED = "locked"


def _guess(confirmation_pk: int, code: str) -> str:
    confirmation = JoinConfirmation.objects.get(pk=confirmation_pk)
    try:
        services.confirm_join(confirmation=confirmation, code=code)
    except ValidationError as error:
        message = error.message_dict["code"][0]
        return LOCKED if "输错次数太多" in message else WRONG
    return "joined"


def _start(groups, django_capture_on_commit_callbacks) -> tuple[JoinConfirmation, str]:
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        confirmation = services.start_join(
            group=groups.village_a, display_name="赵大爷", phone="13900002222"
        )
    code = re.search(r"\d{6}", sms.outbox[-1][1]).group(0)
    return confirmation, code


def test_the_sixth_guess_is_refused_even_when_it_is_right(
    world, groups, django_capture_on_commit_callbacks
):
    confirmation, code = _start(groups, django_capture_on_commit_callbacks)
    wrong = "999999" if code != "999999" else "000000"
    answers = [_guess(confirmation.pk, wrong) for _ in range(5)]
    assert answers == [WRONG] * 5
    assert _guess(confirmation.pk, code) == LOCKED
    assert JoinConfirmation.objects.get(pk=confirmation.pk).attempts == 5
    assert not Member.objects.filter(phone_hash=sealing.digest("+8613900002222")).exists()


def test_the_right_code_on_the_fifth_guess_still_joins(
    world, groups, django_capture_on_commit_callbacks
):
    confirmation, code = _start(groups, django_capture_on_commit_callbacks)
    wrong = "999999" if code != "999999" else "000000"
    assert [_guess(confirmation.pk, wrong) for _ in range(4)] == [WRONG] * 4
    assert _guess(confirmation.pk, code) == "joined"
    assert Member.objects.filter(phone_hash=sealing.digest("+8613900002222")).exists()


@pytest.mark.django_db(transaction=True)
def test_thirty_guesses_at_once_check_the_code_at_most_five_times(
    transactional_db, world, groups, django_capture_on_commit_callbacks
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL's concurrent rows")
    confirmation, code = _start(groups, django_capture_on_commit_callbacks)
    wrong = "999999" if code != "999999" else "000000"
    guesses = 30
    start = threading.Barrier(guesses)
    answers: list[str] = []
    lock = threading.Lock()

    def guess() -> None:
        try:
            start.wait()
            answer = _guess(confirmation.pk, wrong)
            with lock:
                answers.append(answer)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == guesses
    assert answers.count(WRONG) == 5
    assert answers.count(LOCKED) == guesses - 5
    assert JoinConfirmation.objects.get(pk=confirmation.pk).attempts == 5
    assert _guess(confirmation.pk, code) == LOCKED
