"""Per-request context (request id, client address, actor) for logs and audit events.

Set by RequestContextMiddleware and by the API authentication; read by the logging filter and
by audit.record so services need not pass the request around.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class RequestContext:
    request_id: str = ""
    ip: str | None = None
    user_agent: str = ""
    workspace: str = ""
    user: str = ""


_current: ContextVar[RequestContext | None] = ContextVar("guanxi_request_context", default=None)


def current() -> RequestContext:
    ctx = _current.get()
    return ctx if ctx is not None else RequestContext()


def begin(ctx: RequestContext) -> object:
    return _current.set(ctx)


def end(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
