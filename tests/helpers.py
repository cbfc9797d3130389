"""Assertions shared by the suite."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


@contextmanager
def assert_max_queries(limit: int):
    """Fail when the block runs more than `limit` SQL queries, listing them."""
    with CaptureQueriesContext(connection) as captured:
        yield captured
    count = len(captured.captured_queries)
    if count > limit:
        listing = "\n".join(f"{i + 1}. {q['sql']}" for i, q in enumerate(captured.captured_queries))
        raise AssertionError(f"{count} queries, expected at most {limit}:\n{listing}")


def assert_list_queries(
    fetch: Callable[[], Any], add_rows: Callable[[int], None], *, limit: int
) -> None:
    """A list endpoint must cost the same number of queries for 2 rows and for 20 (no N+1), and
    at most `limit`. `fetch` performs the request and checks it succeeded.

    Once-a-minute work (a token's `last_used_at`, the rate-limit counter of a new window) is
    kept out of the counts: each size is fetched once unmeasured, then measured twice and the
    smaller count kept — a minute boundary can fall in one of two back-to-back requests only."""

    def measured() -> list[dict[str, Any]]:
        fetch()
        runs = []
        for _attempt in range(2):
            with CaptureQueriesContext(connection) as captured:
                fetch()
            runs.append(captured.captured_queries)
        return min(runs, key=len)

    add_rows(2)
    small = measured()
    add_rows(18)
    large = measured()
    if len(large) > limit:
        listing = "\n".join(f"{i + 1}. {q['sql']}" for i, q in enumerate(large))
        raise AssertionError(f"{len(large)} queries, expected at most {limit}:\n{listing}")
    assert len(large) == len(small), (
        f"queries grew with rows: {len(small)} for few rows, {len(large)} for more"
    )
