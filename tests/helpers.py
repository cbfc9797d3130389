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

    One unmeasured fetch first, so once-per-minute work (a token's `last_used_at`, the rate-limit
    counter of a new window) does not count against the measured ones."""
    add_rows(2)
    fetch()
    with CaptureQueriesContext(connection) as small:
        fetch()
    add_rows(18)
    with assert_max_queries(limit) as large:
        fetch()
    assert len(large.captured_queries) == len(small.captured_queries), (
        f"queries grew with rows: {len(small.captured_queries)} for few rows, {len(large.captured_queries)} for more"
    )
