"""Custom field values: validation by type, the stored form, and the form shown to people.

Values are kept in each record's `custom` JSON under the field's key, in a form that sorts and
filters in SQL on SQLite and PostgreSQL alike:

    text, long_text, url, email, phone  → string (phone as E.164)
    number                              → integer
    decimal                             → string ("12.50"), cast to a number in SQL
    money                               → {"amount": "12.50", "currency": "CNY"}
    date                                → "2026-11-23";  datetime → ISO 8601 in UTC
    boolean                             → true / false
    single_select                       → the option's value; multi_select → list of values
    user                                → the member's user id

Forms, the API and the import all call `clean_values`, so a value is checked the same way
wherever it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import UnknownCurrencyError, format_currency, format_decimal
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed

from .models import CustomField, CustomFieldType
from .normalize import normalize_email, normalize_phone

MAX_TEXT = 255
MAX_LONG_TEXT = 10_000
MAX_DIGITS = 18  # decimal and money: digits in total
DECIMAL_PLACES = 4
CURRENCY = re.compile(r"^[A-Z]{3}$")
_url_validator = URLValidator(schemes=["http", "https"])


class InvalidValue(ValueError):
    pass


def active_fields(workspace_id: int, object_type: str) -> list[CustomField]:
    return list(
        CustomField.objects.filter(workspace_id=workspace_id, object_type=object_type)
        .active()
        .order_by("position", "id")
    )


def _text(value: Any, limit: int) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise InvalidValue(_("Enter text."))
    text = str(value).strip()
    if len(text) > limit:
        raise InvalidValue(_("Use at most %(limit)d characters.") % {"limit": limit})
    return text


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise InvalidValue(_("Enter a number."))
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidValue(_("Enter a number."))
    if not number.is_finite():
        raise InvalidValue(_("Enter a number."))
    number = number.quantize(Decimal(1).scaleb(-DECIMAL_PLACES)).normalize()
    if len(number.as_tuple().digits) > MAX_DIGITS or abs(number) >= Decimal(10) ** 14:
        raise InvalidValue(_("This number is too large."))
    return number


def _plain_decimal(number: Decimal) -> str:
    text = format(number, "f")
    return text


def _choice_values(field: CustomField) -> set[str]:
    return set(field.choice_labels())


def clean_value(
    field: CustomField, value: Any, *, member_ids: frozenset[int] | set[int] | None = None
) -> Any:
    """The stored form of `value` for `field`, or InvalidValue with a message for people.
    None and "" clear the value."""
    if value is None or (isinstance(value, str) and not value.strip()) or value == []:
        return None
    kind = field.field_type
    if kind == CustomFieldType.TEXT:
        return _text(value, MAX_TEXT)
    if kind == CustomFieldType.LONG_TEXT:
        return _text(value, MAX_LONG_TEXT)
    if kind == CustomFieldType.NUMBER:
        if isinstance(value, bool):
            raise InvalidValue(_("Enter a whole number."))
        try:
            number = int(str(value).strip().replace(",", ""))
        except ValueError:
            raise InvalidValue(_("Enter a whole number."))
        if abs(number) >= 2**53:  # beyond what JSON numbers carry exactly
            raise InvalidValue(_("This number is too large."))
        return number
    if kind == CustomFieldType.DECIMAL:
        return _plain_decimal(_decimal(value))
    if kind == CustomFieldType.MONEY:
        default_currency = (
            field.options.get("currency", "CNY") if isinstance(field.options, dict) else "CNY"
        )
        if isinstance(value, dict):
            amount = _decimal(value.get("amount"))
            currency = str(value.get("currency") or default_currency).upper()
        else:
            amount, currency = _decimal(value), default_currency
        if not CURRENCY.match(currency):
            raise InvalidValue(_("Use a three-letter currency code such as CNY."))
        return {"amount": _plain_decimal(amount.quantize(Decimal("0.01"))), "currency": currency}
    if kind == CustomFieldType.DATE:
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return value.isoformat()
        try:
            parsed = parse_date(str(value).strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise InvalidValue(_("Enter a date as YYYY-MM-DD."))
        return parsed.isoformat()
    if kind == CustomFieldType.DATETIME:
        moment = value if isinstance(value, datetime) else None
        if moment is None:
            try:
                moment = parse_datetime(str(value).strip())
            except ValueError:
                moment = None
        if moment is None:
            raise InvalidValue(_("Enter a date and time as YYYY-MM-DD HH:MM."))
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.astimezone(UTC).isoformat()
    if kind == CustomFieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"true", "1", "yes", "y", "是", "对", "on"}:
            return True
        if text in {"false", "0", "no", "n", "否", "不是", "off"}:
            return False
        raise InvalidValue(_("Enter yes or no."))
    if kind == CustomFieldType.SINGLE_SELECT:
        choice = str(value).strip()
        if choice not in _choice_values(field):
            # Importers write labels ("金牌"); accept a label and store its value.
            by_label = {label: v for v, label in field.choice_labels().items()}
            if choice in by_label:
                return by_label[choice]
            raise InvalidValue(_("Choose one of the listed options."))
        return choice
    if kind == CustomFieldType.MULTI_SELECT:
        items: Iterable[Any]
        if isinstance(value, str):
            items = [part for part in re.split(r"[,;，；、|]", value)]
        elif isinstance(value, list | tuple):
            items = value
        else:
            raise InvalidValue(_("Choose from the listed options."))
        allowed = field.choice_labels()
        by_label = {label: v for v, label in allowed.items()}
        chosen: list[str] = []
        for item in items:
            text = str(item).strip()
            if not text:
                continue
            text = text if text in allowed else by_label.get(text, "")
            if not text:
                raise InvalidValue(_("Choose from the listed options."))
            if text not in chosen:
                chosen.append(text)
        return chosen or None
    if kind == CustomFieldType.URL:
        url = _text(value, 500)
        if "://" not in url:
            url = "https://" + url
        try:
            _url_validator(url)
        except ValidationError:
            raise InvalidValue(_("Enter a valid web address."))
        return url
    if kind == CustomFieldType.EMAIL:
        try:
            return normalize_email(_text(value, 254))
        except ValueError:
            raise InvalidValue(_("Enter a valid email address."))
    if kind == CustomFieldType.PHONE:
        try:
            return normalize_phone(_text(value, 40))
        except ValueError:
            raise InvalidValue(_("Enter a valid phone number."))
    if kind == CustomFieldType.USER:
        try:
            user_id = int(value)
        except (TypeError, ValueError):
            raise InvalidValue(_("Choose a member of this workspace."))
        if member_ids is not None and user_id not in member_ids:
            raise InvalidValue(_("Choose a member of this workspace."))
        return user_id
    raise InvalidValue(_("Unknown field type."))


def clean_values(
    *,
    workspace_id: int,
    object_type: str,
    values: dict[str, Any],
    existing: dict[str, Any] | None = None,
    fields: list[CustomField] | None = None,
    member_ids: frozenset[int] | set[int] | None = None,
) -> dict[str, Any]:
    """Validate `values` (a partial update of the custom fields) and return the record's whole
    new `custom` dict. Keys of archived fields already in `existing` are kept untouched (so an
    archived field's data survives every edit); unknown keys are refused.

    Raises ValidationFailed naming each bad field as `custom.<key>`."""
    fields = fields if fields is not None else active_fields(workspace_id, object_type)
    by_key = {field.key: field for field in fields}
    errors: dict[str, list[str]] = {}
    if not isinstance(values, dict):
        raise ValidationFailed(fields={"custom": [_("Send an object of field keys and values.")]})
    if member_ids is None and any(
        f.field_type == CustomFieldType.USER for f in fields if f.key in values
    ):
        from guanxi.core.models import Membership

        member_ids = set(
            Membership.objects.filter(workspace_id=workspace_id, is_active=True).values_list(
                "user_id", flat=True
            )
        )
    result = dict(existing or {})
    for key, raw in values.items():
        field = by_key.get(key)
        if field is None:
            errors[f"custom.{key}"] = [_("There is no such custom field.")]
            continue
        try:
            cleaned = clean_value(field, raw, member_ids=member_ids)
        except InvalidValue as exc:
            errors[f"custom.{key}"] = [str(exc)]
            continue
        if cleaned is None:
            result.pop(key, None)
        else:
            result[key] = cleaned
    for field in fields:
        if field.required and result.get(field.key) in (None, "", []):
            errors.setdefault(f"custom.{field.key}", []).append(_("This field is required."))
    if errors:
        raise ValidationFailed(fields=errors)
    return result


def visible_values(custom: dict[str, Any], fields: list[CustomField]) -> dict[str, Any]:
    """The values of active fields only (archived fields' data is kept but not shown)."""
    return {field.key: custom[field.key] for field in fields if field.key in custom}


def _locale() -> str:
    return to_locale(get_language() or "en")


def _money(value: dict[str, Any]) -> str:
    """'¥46,000,000.00' in Chinese, 'CN¥46,000,000.00' in English: Babel, in the page's language."""
    try:
        return format_currency(
            Decimal(str(value.get("amount"))), str(value.get("currency") or ""), locale=_locale()
        )
    except (InvalidOperation, ValueError, UnknownCurrencyError):
        return f"{value.get('currency', '')} {value.get('amount', '')}".strip()


def display_value(
    field: CustomField, value: Any, *, user_names: dict[int, str] | None = None
) -> str:
    """A value as people read it (labels for options, member names, money with its currency)."""
    if value is None or value == "" or value == []:
        return ""
    kind = field.field_type
    if kind == CustomFieldType.BOOLEAN:
        return _("Yes") if value else _("No")
    if kind == CustomFieldType.SINGLE_SELECT:
        return field.choice_labels().get(str(value), str(value))
    if kind == CustomFieldType.MULTI_SELECT:
        labels = field.choice_labels()
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if kind == CustomFieldType.MONEY and isinstance(value, dict):
        return _money(value)
    if kind in (CustomFieldType.NUMBER, CustomFieldType.DECIMAL):
        try:
            return format_decimal(Decimal(str(value)), locale=_locale())
        except (InvalidOperation, ValueError):
            return str(value)
    if kind == CustomFieldType.USER:
        return (user_names or {}).get(int(value), str(value))
    if kind == CustomFieldType.DATETIME:
        parsed = parse_datetime(str(value))
        if parsed is not None:
            return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M")
    return str(value)


# Custom field types whose values global search finds ("search where textual"); select fields
# by their labels, as people see them.
SEARCHED_TYPES = frozenset(
    {
        CustomFieldType.TEXT,
        CustomFieldType.LONG_TEXT,
        CustomFieldType.URL,
        CustomFieldType.EMAIL,
        CustomFieldType.PHONE,
        CustomFieldType.SINGLE_SELECT,
        CustomFieldType.MULTI_SELECT,
    }
)
SEARCHED_LONG_TEXT = 200  # characters of a long text that search looks at


def searchable_text(custom: dict[str, Any], fields: list[CustomField]) -> str:
    """The textual custom values of a record, for its search text (active fields only)."""
    parts = []
    for field in fields:
        if field.field_type not in SEARCHED_TYPES:
            continue
        value = custom.get(field.key)
        if value is None or value == "" or value == []:
            continue
        if field.field_type == CustomFieldType.SINGLE_SELECT:
            text = field.choice_labels().get(str(value), str(value))
        elif field.field_type == CustomFieldType.MULTI_SELECT:
            labels = field.choice_labels()
            text = " ".join(labels.get(str(v), str(v)) for v in value)
        else:
            text = str(value)[:SEARCHED_LONG_TEXT]
        parts.append(" ".join(text.split()))
    return " ".join(parts)
