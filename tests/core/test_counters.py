import threading

import pytest
from django.db import connections

from guanxi.core import counters
from guanxi.core.models import RateCounter


@pytest.mark.django_db
def test_hits_count_up_within_a_window_and_reset_clears_them():
    assert counters.peek("k", 60) == 0
    assert [counters.hit("k", 60) for _ in range(3)] == [1, 2, 3]
    assert counters.peek("k", 60) == 3
    assert counters.peek("other", 60) == 0
    counters.reset("k", 60)
    assert counters.peek("k", 60) == 0


def test_parallel_hits_are_never_lost(concurrent_db):
    errors: list[BaseException] = []

    def hammer() -> None:
        try:
            concurrent_db()
            for _ in range(10):
                counters.hit("parallel", 3600)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hammer) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert counters.peek("parallel", 3600) == 50
    assert RateCounter.objects.count() == 1
