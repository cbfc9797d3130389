"""Cleaning the fields activities and tasks share. Each function raises ValidationFailed naming
the field it was given."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.models import Membership

from ..clock import aware
from ..richtext import MAX_BODY_BYTES, to_html, to_text


def clean_text(value: Any, *, field: str, limit: int, required: bool = False) -> str:
    """Text without surrounding space; a one-line field (limit ≤ 255) has its runs of
    whitespace made single spaces."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(fields={field: [_("Enter text.")]})
    text = " ".join(value.split()) if limit <= 255 else value.strip()
    if required and not text:
        raise ValidationFailed(fields={field: [_("This field is required.")]})
    if len(text) > limit:
        raise ValidationFailed(
            fields={field: [_("Use at most %(limit)d characters.") % {"limit": limit}]}
        )
    return text


def clean_choice(value: Any, *, field: str, choices: Any, optional: bool = False) -> str:
    allowed = {str(v) for v, _label in choices} | ({""} if optional else set())
    text = "" if value is None else str(value).strip()
    if text not in allowed:
        raise ValidationFailed(fields={field: [_("Choose one of the listed options.")]})
    return text


def clean_member(actor: Membership, value: Any, *, field: str) -> int | None:
    """The user id of an active member of the actor's workspace (None for nothing given)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationFailed(fields={field: [_("Choose a member of this workspace.")]})
    try:
        user_id = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={field: [_("Choose a member of this workspace.")]})
    is_member = Membership.objects.filter(
        workspace_id=actor.workspace_id, user_id=user_id, is_active=True, user__is_active=True
    ).exists()
    if not is_member:
        raise ValidationFailed(fields={field: [_("Choose an active member of this workspace.")]})
    return user_id


def clean_datetime(
    value: Any, *, field: str, actor: Membership, required: bool = False
) -> datetime | None:
    """An aware date-time; a naive one (or an ISO string without offset) is read in the
    member's time zone. Returned in UTC."""
    if value is None or value == "":
        if required:
            raise ValidationFailed(fields={field: [_("This field is required.")]})
        return None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationFailed(fields={field: [_("Enter a valid date and time.")]})
        value = parsed
    if not isinstance(value, datetime):
        raise ValidationFailed(fields={field: [_("Enter a valid date and time.")]})
    try:
        # Kept in UTC, as the database gives it back, so an answer looks the same before and
        # after a reload.
        return aware(value, actor).astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValidationFailed(fields={field: [_("Enter a valid date and time.")]})


def clean_bool(value: Any, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(fields={field: [_("Enter true or false.")]})
    return value


def clean_int(value: Any, *, field: str, minimum: int, maximum: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationFailed(fields={field: [_("Enter a whole number.")]})
    try:
        number = int(value)
    except ValueError:
        raise ValidationFailed(fields={field: [_("Enter a whole number.")]})
    if not minimum <= number <= maximum:
        raise ValidationFailed(
            fields={
                field: [
                    _("Enter a number from %(minimum)d to %(maximum)d.")
                    % {"minimum": minimum, "maximum": maximum}
                ]
            }
        )
    return number


def clean_decimal(value: Any, *, field: str, limit: int) -> Decimal | None:
    """A coordinate: at most `limit` away from zero, kept to six decimal places (about 10 cm)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValidationFailed(fields={field: [_("Enter a number.")]})
    try:
        number = Decimal(str(value).strip())
        if not number.is_finite():
            raise InvalidOperation
        number = number.quantize(Decimal("0.000001"))
    except InvalidOperation:
        raise ValidationFailed(fields={field: [_("Enter a number.")]})
    if not -limit <= number <= limit:
        raise ValidationFailed(
            fields={
                field: [
                    _("Enter a number from %(minimum)d to %(maximum)d.")
                    % {"minimum": -limit, "maximum": limit}
                ]
            }
        )
    return number


def clean_body(source: Any, body_format: str) -> dict[str, str]:
    """Sanitized HTML, plain text and the source of an activity's body."""
    if source is None:
        source = ""
    if not isinstance(source, str):
        raise ValidationFailed(fields={"body": [_("Enter text.")]})
    if len(source.encode()) > MAX_BODY_BYTES:
        raise ValidationFailed(
            fields={
                "body": [
                    _("The text is too long: at most %(size)d KB.")
                    % {"size": MAX_BODY_BYTES // 1024}
                ]
            }
        )
    html = to_html(source, body_format)
    return {
        "body": html,
        "body_text": to_text(html),
        "body_source": source.strip(),
        "body_format": body_format,
    }
