import logging

from . import context


class RequestContextFilter(logging.Filter):
    """Adds request_id, workspace and user to every log record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = context.current()
        record.request_id = ctx.request_id
        record.workspace = ctx.workspace
        record.user = ctx.user
        return True
