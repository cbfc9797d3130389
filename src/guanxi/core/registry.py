"""The registry of object types.

Each module registers the object types it owns (in its AppConfig.ready); permissions, the role
editor, hidden/read-only fields, data scope, the route sweeps and later search and custom fields
all read from here, so a new module plugs in without touching core.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _

ACTIONS: tuple[str, ...] = ("view", "create", "edit", "delete", "export", "import", "assign")
ACTION_LABELS = {
    "view": _("View"),
    "create": _("Create"),
    "edit": _("Edit"),
    "delete": _("Delete"),
    "export": _("Export"),
    "import": _("Import"),
    "assign": _("Assign"),
}

# Modules, in the order the sidebar and the permission matrix show them.
MODULES: dict[str, Any] = {
    "core": _("Settings"),
    "customers": _("Customers"),
    "sales": _("Sales"),
    "marketing": _("Marketing"),
    "service": _("Service"),
    "analytics": _("Analytics"),
    "automation": _("Automation"),
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Any
    # Fields that identify a record (its name) cannot be hidden.
    can_hide: bool = True


@dataclass(frozen=True)
class ObjectType:
    key: str
    label: Any
    model: str  # "app_label.ModelName"
    module: str = "core"
    fields: tuple[FieldSpec, ...] = ()
    # The FK to the user who owns a record; data scope applies only to owned types.
    owner_field: str | None = None
    actions: tuple[str, ...] = ACTIONS
    # Default role key -> actions granted when a workspace is created.
    default_grants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The collection path under /api/v1 (for the route sweeps and docs).
    api_path: str | None = None

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def field_names(self) -> list[str]:
        return [spec.name for spec in self.fields]


_object_types: dict[str, ObjectType] = {}
_by_model: dict[str, ObjectType] = {}


def register_object_type(object_type: ObjectType) -> ObjectType:
    existing = _object_types.get(object_type.key)
    if existing is not None and existing != object_type:
        raise ValueError(f"object type {object_type.key!r} is already registered")
    unknown = set(object_type.actions) - set(ACTIONS)
    if unknown:
        raise ValueError(f"unknown actions {sorted(unknown)} for {object_type.key}")
    _object_types[object_type.key] = object_type
    _by_model[object_type.model.lower()] = object_type
    return object_type


def object_type(key: str) -> ObjectType:
    try:
        return _object_types[key]
    except KeyError:
        raise LookupError(f"unknown object type {key!r}") from None


def object_type_for_model(model: type[models.Model]) -> ObjectType | None:
    return _by_model.get(model._meta.label_lower)


def object_types() -> list[ObjectType]:
    order = list(MODULES)
    return sorted(
        _object_types.values(),
        key=lambda t: (order.index(t.module) if t.module in order else 99, t.key),
    )


# --- Other seams later modules fill in --------------------------------------------------------

DemoStep = Callable[[Any], None]
_demo_steps: list[tuple[int, str, DemoStep]] = []


def register_demo_step(name: str, step: DemoStep, *, order: int = 100) -> None:
    """`guanxi demo` calls each step with the demo workspace, in order, once per new workspace."""
    if any(existing == name for _, existing, _ in _demo_steps):
        return
    _demo_steps.append((order, name, step))


def demo_steps() -> list[tuple[str, DemoStep]]:
    return [
        (name, step) for _, name, step in sorted(_demo_steps, key=lambda item: (item[0], item[1]))
    ]


@dataclass(frozen=True)
class NavItem:
    """A sidebar entry. `permission` is "object_type.action" or None for everyone."""

    section: str
    label: Any
    url_name: str
    icon: str = "circle"
    permission: str | None = None
    order: int = 100


_nav_items: list[NavItem] = []


def register_nav_item(item: NavItem) -> None:
    if item not in _nav_items:
        _nav_items.append(item)


def nav_items() -> list[NavItem]:
    return sorted(_nav_items, key=lambda item: (item.order, str(item.label)))


SearchProvider = Callable[[Any, str, int], Iterable[dict[str, Any]]]
_search_providers: dict[str, SearchProvider] = {}


def register_search_provider(key: str, provider: SearchProvider) -> None:
    """A provider takes (membership, query, limit) and yields {"type", "label", "url", "hint"}.
    It must only return what the membership may see."""
    _search_providers[key] = provider


def search_providers() -> dict[str, SearchProvider]:
    return dict(_search_providers)
