from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F
from django.utils import timezone

from ..errors import StaleVersion


def save_versioned(instance: models.Model, *, version: int | None, fields: list[str]) -> None:
    """Write `fields` only if the row still has `version`, and bump it.

    A compare-and-set in one UPDATE: two writers holding the same version cannot both win, and the
    loser gets StaleVersion (409) instead of silently overwriting.
    """
    model = type(instance)
    values: dict[str, Any] = {}
    for name in fields:
        field = model._meta.get_field(name)
        values[field.attname] = getattr(instance, field.attname)  # type: ignore[union-attr]
    if any(f.name == "updated_at" for f in model._meta.get_fields()):
        values["updated_at"] = timezone.now()
    expected = instance.version if version is None else version  # type: ignore[attr-defined]
    updated = model._default_manager.filter(pk=instance.pk, version=expected).update(
        version=F("version") + 1, **values
    )
    if updated == 0:
        raise StaleVersion()
    instance.version = expected + 1  # type: ignore[attr-defined]
    if "updated_at" in values:
        instance.updated_at = values["updated_at"]  # type: ignore[attr-defined]


def check_version(instance: models.Model, *, version: int | None) -> None:
    """Raise StaleVersion when the client's `version` is not the one the caller just loaded.

    For updates that turn out to change nothing: the client still learns its copy is stale
    instead of getting a 200 that looks as if its write went through."""
    if version is not None and version != instance.version:  # type: ignore[attr-defined]
        raise StaleVersion()
