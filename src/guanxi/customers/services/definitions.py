"""Writes to what administrators define: custom fields, tags and the editable pick lists."""

from __future__ import annotations

import functools
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit
from guanxi.core.errors import Conflict, ValidationFailed
from guanxi.core.models import Membership, Workspace
from guanxi.core.permissions import require
from guanxi.core.services.versioning import check_version, save_versioned

from ..models import (
    CustomField,
    CustomFieldType,
    PicklistKey,
    PicklistOption,
    Tag,
)
from ..normalize import pinyin_keys
from .records import clean_text, forget_lookups
from .search_index import refresh_after_field_change

# Object types that take custom fields; later modules add theirs (leads, opportunities…).
CUSTOM_FIELD_TYPES: dict[str, Any] = {}
KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
TAG_COLORS = (
    "blue",
    "azure",
    "indigo",
    "purple",
    "pink",
    "red",
    "orange",
    "yellow",
    "lime",
    "green",
    "teal",
    "cyan",
    "gray",
)


def register_custom_field_target(object_type: str, label: Any) -> None:
    CUSTOM_FIELD_TYPES[object_type] = label


def _clean_options(field_type: str, options: Any) -> Any:
    if field_type in (CustomFieldType.SINGLE_SELECT, CustomFieldType.MULTI_SELECT):
        if not isinstance(options, list) or not options:
            raise ValidationFailed(fields={"options": [_("Add at least one option.")]})
        cleaned: list[dict[str, str]] = []
        for option in options:
            if isinstance(option, str):
                option = {"value": option, "label": option}
            if not isinstance(option, dict):
                raise ValidationFailed(fields={"options": [_("Each option needs a label.")]})
            label = str(option.get("label") or option.get("value") or "").strip()
            value = str(option.get("value") or label).strip()
            if not label or len(label) > 80 or len(value) > 80:
                raise ValidationFailed(
                    fields={"options": [_("Each option needs a label of at most 80 characters.")]}
                )
            if value in {o["value"] for o in cleaned}:
                raise ValidationFailed(fields={"options": [_("Options must be different.")]})
            cleaned.append({"value": value, "label": label})
        if len(cleaned) > 200:
            raise ValidationFailed(fields={"options": [_("Use at most 200 options.")]})
        return cleaned
    if field_type == CustomFieldType.MONEY:
        currency = "CNY"
        if isinstance(options, dict) and options.get("currency"):
            currency = str(options["currency"]).upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise ValidationFailed(
                fields={"options": [_("Use a three-letter currency code such as CNY.")]}
            )
        return {"currency": currency}
    return []


def _audit(actor: Membership, action: str, field: CustomField, changes: dict[str, Any]) -> None:
    forget_lookups(actor)  # the actor's cached field list is stale now
    audit.record(
        action=action,
        workspace=actor.workspace_id,
        actor=actor,
        object_type="custom_fields",
        object_id=field.pk,
        object_label=field.label,
        changes=changes,
    )


CF_AUDITED = ["object_type", "key", "label", "field_type", "options", "required", "help_text"]


@transaction.atomic
def custom_field_create(*, actor: Membership, data: dict[str, Any]) -> CustomField:
    """Define a field. The key is permanent (values are stored under it); a key already used by
    an archived field is refused, with a hint to restore that field and get its data back."""
    require(actor, "custom_fields", "create")
    errors: dict[str, list[str]] = {}
    object_type = str(data.get("object_type") or "")
    if object_type not in CUSTOM_FIELD_TYPES:
        errors["object_type"] = [_("Choose a record type that takes custom fields.")]
    field_type = str(data.get("field_type") or "")
    if field_type not in CustomFieldType.values:
        errors["field_type"] = [_("Choose a field type.")]
    try:
        label = clean_text(data.get("label"), field="label", limit=120, required=True)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        label = ""
    key = str(data.get("key") or "").strip().lower()
    if not key and label:
        # From the label; a Chinese one by its pinyin ("客户爱好" → "kehuaihao").
        spelled = label if label.isascii() else pinyin_keys(label)[0]
        key = re.sub(r"[^a-z0-9]+", "_", spelled.lower()).strip("_")[:50]
        if not key or not key[0].isalpha():
            key = f"field_{CustomField.objects.filter(workspace_id=actor.workspace_id).count() + 1}"
    if key and not KEY.match(key):
        errors["key"] = [
            _("Use lower-case letters, digits and _ , starting with a letter (at most 60).")
        ]
    options: Any = []
    if not errors:
        try:
            options = _clean_options(field_type, data.get("options"))
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    existing = CustomField.objects.filter(
        workspace_id=actor.workspace_id, object_type=object_type, key=key
    ).first()
    if existing is not None:
        message = (
            _("An archived field uses this key; restore it to get its data back.")
            if existing.archived_at
            else _("A field with this key already exists.")
        )
        raise ValidationFailed(fields={"key": [message]})
    position = (
        CustomField.objects.filter(
            workspace_id=actor.workspace_id, object_type=object_type
        ).aggregate(Max("position"))["position__max"]
        or 0
    ) + 1
    field = CustomField.objects.create(
        workspace_id=actor.workspace_id,
        object_type=object_type,
        key=key,
        label=label,
        field_type=field_type,
        options=options,
        required=bool(data.get("required", False)),
        help_text=clean_text(data.get("help_text"), field="help_text", limit=200),
        position=position,
    )
    _audit(actor, "custom_field.create", field, audit.diff({}, audit.snapshot(field, CF_AUDITED)))
    return field


@transaction.atomic
def custom_field_update(
    *, actor: Membership, field: CustomField, data: dict[str, Any], version: int | None
) -> CustomField:
    """Change the label, help text, required flag, position or options. The key and the type
    never change (the stored values depend on them)."""
    require(actor, "custom_fields", "edit")
    before = audit.snapshot(field, CF_AUDITED)
    changed: list[str] = []
    for name in ("key", "field_type", "object_type"):
        if name in data and data[name] != getattr(field, name):
            raise ValidationFailed(fields={name: [_("This cannot be changed once created.")]})
    if "label" in data:
        field.label = clean_text(data["label"], field="label", limit=120, required=True)
        changed.append("label")
    if "help_text" in data:
        field.help_text = clean_text(data["help_text"], field="help_text", limit=200)
        changed.append("help_text")
    if "required" in data:
        field.required = bool(data["required"])
        changed.append("required")
    if "position" in data:
        try:
            field.position = max(0, int(data["position"]))
        except (TypeError, ValueError):
            raise ValidationFailed(fields={"position": [_("Enter a whole number.")]})
        changed.append("position")
    if "options" in data:
        field.options = _clean_options(field.field_type, data["options"])
        changed.append("options")
    changes = audit.diff(before, audit.snapshot(field, CF_AUDITED))
    if not changed:
        check_version(field, version=version)
        return field
    save_versioned(field, version=version, fields=changed)
    if changes:
        _audit(actor, "custom_field.update", field, changes)
    if "options" in changes and field.archived_at is None:
        refresh_after_field_change(field)  # option labels are searched
    return field


@transaction.atomic
def custom_field_archive(*, actor: Membership, field: CustomField) -> CustomField:
    """Remove a field from forms, lists and the API. Every record keeps its value under the key,
    so restoring the field brings the data back."""
    require(actor, "custom_fields", "delete")
    if field.archived_at is None:
        field.archived_at = timezone.now()
        field.save(update_fields=["archived_at", "updated_at"])
        _audit(actor, "custom_field.archive", field, {})
        refresh_after_field_change(field)  # its values leave search text
    return field


@transaction.atomic
def custom_field_restore(*, actor: Membership, field: CustomField) -> CustomField:
    require(actor, "custom_fields", "delete")
    if field.archived_at is not None:
        field.archived_at = None
        field.save(update_fields=["archived_at", "updated_at"])
        _audit(actor, "custom_field.restore", field, {})
        refresh_after_field_change(field)  # its values are searched again
    return field


# --- Tags ------------------------------------------------------------------------------------


def _clean_color(value: Any) -> str:
    color = str(value or "blue")
    if color not in TAG_COLORS:
        raise ValidationFailed(fields={"color": [_("Choose one of the listed colours.")]})
    return color


@transaction.atomic
def tag_create(*, actor: Membership, name: Any, color: Any = "blue") -> Tag:
    require(actor, "tags", "create")
    clean_name = clean_text(name, field="name", limit=40, required=True)
    if Tag.objects.filter(workspace_id=actor.workspace_id, name__iexact=clean_name).exists():
        raise ValidationFailed(fields={"name": [_("A tag with this name already exists.")]})
    try:
        with transaction.atomic():
            tag = Tag.objects.create(
                workspace_id=actor.workspace_id, name=clean_name, color=_clean_color(color)
            )
    except IntegrityError:
        raise Conflict(_("A tag with this name already exists."))
    audit.record(
        action="tag.create",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="tags",
        object_id=tag.pk,
        object_label=tag.name,
        changes={"name": [None, tag.name], "color": [None, tag.color]},
    )
    return tag


@transaction.atomic
def tag_update(*, actor: Membership, tag: Tag, data: dict[str, Any], version: int | None) -> Tag:
    require(actor, "tags", "edit")
    before = audit.snapshot(tag, ["name", "color"])
    fields = []
    if "name" in data:
        name = clean_text(data["name"], field="name", limit=40, required=True)
        clash = Tag.objects.filter(workspace_id=actor.workspace_id, name__iexact=name).exclude(
            pk=tag.pk
        )
        if clash.exists():
            raise ValidationFailed(fields={"name": [_("A tag with this name already exists.")]})
        tag.name = name
        fields.append("name")
    if "color" in data:
        tag.color = _clean_color(data["color"])
        fields.append("color")
    changes = audit.diff(before, audit.snapshot(tag, ["name", "color"]))
    if not changes:
        check_version(tag, version=version)
        return tag
    save_versioned(tag, version=version, fields=fields)
    audit.record(
        action="tag.update",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="tags",
        object_id=tag.pk,
        object_label=tag.name,
        changes=changes,
    )
    return tag


@transaction.atomic
def tag_delete(*, actor: Membership, tag: Tag) -> None:
    """Remove a tag from every record and delete it (the audit event keeps its name)."""
    require(actor, "tags", "delete")
    audit.record(
        action="tag.delete",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="tags",
        object_id=tag.pk,
        object_label=tag.name,
    )
    tag.delete()


# --- Pick lists (customer level, source, industry) ---------------------------------------------


def default_picklists() -> dict[str, list[tuple[str, Any]]]:
    from django.utils.translation import gettext_lazy

    return {
        PicklistKey.ACCOUNT_LEVEL: [
            ("A", gettext_lazy("A (key account)")),
            ("B", gettext_lazy("B (regular)")),
            ("C", gettext_lazy("C (small)")),
        ],
        PicklistKey.SOURCE: [
            ("website", gettext_lazy("Website")),
            ("referral", gettext_lazy("Referral")),
            ("event", gettext_lazy("Trade show or event")),
            ("cold_call", gettext_lazy("Cold call")),
            ("advertising", gettext_lazy("Advertising")),
            ("partner", gettext_lazy("Partner")),
            ("social", gettext_lazy("Social media")),
            ("other", gettext_lazy("Other")),
        ],
        PicklistKey.INDUSTRY: [
            ("manufacturing", gettext_lazy("Manufacturing")),
            ("it", gettext_lazy("IT and software")),
            ("finance", gettext_lazy("Finance and insurance")),
            ("retail", gettext_lazy("Retail and e-commerce")),
            ("education", gettext_lazy("Education")),
            ("healthcare", gettext_lazy("Healthcare")),
            ("real_estate", gettext_lazy("Real estate and construction")),
            ("logistics", gettext_lazy("Logistics")),
            ("energy", gettext_lazy("Energy")),
            ("government", gettext_lazy("Government and public sector")),
            ("services", gettext_lazy("Professional services")),
            ("other", gettext_lazy("Other")),
        ],
    }


@functools.cache
def _default_picklist_labels() -> dict[tuple[str, str], Any]:
    return {
        (list_key, value): label
        for list_key, options in default_picklists().items()
        for value, label in options
    }


def default_picklist_label(list_key: str, value: str) -> Any | None:
    """The lazy label Guanxi gives option `value` of `list_key` by default (None if not one)."""
    return _default_picklist_labels().get((list_key, value))


def picklists_install_defaults(*, workspace: Workspace) -> None:
    """Give a new workspace its starting lists, labelled in the workspace's language."""
    from django.utils import translation

    if PicklistOption.objects.filter(workspace=workspace).exists():
        return
    with translation.override(workspace.locale or "en"):
        PicklistOption.objects.bulk_create(
            [
                PicklistOption(
                    workspace=workspace,
                    list_key=list_key,
                    value=value,
                    label=str(label),
                    position=position,
                )
                for list_key, options in default_picklists().items()
                for position, (value, label) in enumerate(options)
            ]
        )


@transaction.atomic
def picklist_save(*, actor: Membership, list_key: str, options: list[dict[str, Any]]) -> None:
    """Replace a list's options in the given order. An option left out is retired, not deleted
    (records keep showing it); values are permanent once used."""
    require(actor, "workspace", "edit")
    if list_key not in PicklistKey.values:
        raise ValidationFailed(fields={"list_key": [_("Unknown list.")]})
    current = {
        o.value: o
        for o in PicklistOption.objects.filter(workspace_id=actor.workspace_id, list_key=list_key)
    }
    seen: set[str] = set()
    before = {v: [o.label, o.is_active] for v, o in current.items()}
    for position, item in enumerate(options):
        label = clean_text(item.get("label"), field="options", limit=80, required=True)
        value = clean_text(item.get("value") or label, field="options", limit=40, required=True)
        if value in seen:
            raise ValidationFailed(fields={"options": [_("Options must be different.")]})
        seen.add(value)
        option = current.get(value) or PicklistOption(
            workspace_id=actor.workspace_id, list_key=list_key, value=value
        )
        option.label, option.position, option.is_active = label, position, True
        option.save()
        current[value] = option
    for value, option in current.items():
        if value not in seen and option.is_active:
            option.is_active = False
            option.save(update_fields=["is_active"])
    after = {v: [o.label, o.is_active] for v, o in current.items()}
    forget_lookups(actor)
    audit.record(
        action="picklist.update",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="workspace",
        object_id=actor.workspace_id,
        object_label=str(PicklistKey(list_key).label),
        changes={list_key: [before, after]} if before != after else {},
    )
