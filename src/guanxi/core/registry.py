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
    # Ties go by URL name, not by the translated label: the sidebar keeps one order in every
    # language (people switching language find entries where they were).
    return sorted(_nav_items, key=lambda item: (item.order, item.url_name))


SearchProvider = Callable[[Any, str, int], Iterable[dict[str, Any]]]
_search_providers: dict[str, SearchProvider] = {}


def register_search_provider(key: str, provider: SearchProvider) -> None:
    """A provider takes (membership, query, limit) and yields {"type", "label", "url", "hint"}.
    It must only return what the membership may see."""
    _search_providers[key] = provider


def search_providers() -> dict[str, SearchProvider]:
    return dict(_search_providers)


# --- The record page (360° view) and the timeline -------------------------------------------------


@dataclass(frozen=True)
class RecordPanel:
    """A panel on a record page (the 360° view) that a module contributes, e.g. open deals or
    tickets on an account. `context(membership, record)` returns the template's context, or None
    when the panel has nothing to show to this member (it must check its own permissions)."""

    object_type: str
    key: str
    template: str
    context: Callable[[Any, Any], dict[str, Any] | None]
    # "main" panels sit beside the timeline; "side" panels in the right-hand column.
    column: str = "side"
    order: int = 100


_record_panels: list[RecordPanel] = []


def register_record_panel(panel: RecordPanel) -> None:
    if not any(p.object_type == panel.object_type and p.key == panel.key for p in _record_panels):
        _record_panels.append(panel)


def record_panels(object_type: str, column: str | None = None) -> list[RecordPanel]:
    return sorted(
        (
            p
            for p in _record_panels
            if p.object_type == object_type and (column is None or p.column == column)
        ),
        key=lambda p: (p.order, p.key),
    )


@dataclass(frozen=True)
class TimelineKind:
    """A kind of timeline entry. `group` is what the timeline filter offers (activities, tasks,
    changes, pool, and later deals, tickets, payments)."""

    key: str
    label: Any
    group: str
    icon: str = "point"


_timeline_kinds: dict[str, TimelineKind] = {}
TIMELINE_GROUPS: dict[str, Any] = {}


def register_timeline_kind(kind: TimelineKind, group_label: Any = None) -> None:
    _timeline_kinds[kind.key] = kind
    if group_label is not None:
        TIMELINE_GROUPS.setdefault(kind.group, group_label)


def timeline_kind(key: str) -> TimelineKind | None:
    return _timeline_kinds.get(key)


def timeline_kinds() -> dict[str, TimelineKind]:
    return dict(_timeline_kinds)


# --- Recycle bin ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recyclable:
    """An object type whose deletes are soft and land in the workspace's recycle bin.

    The model has `deleted_at` and `deleted_by`; `restore(membership, obj)` and `purge(obj)` are
    the module's services (they know what else to bring back or clean up)."""

    object_type: str
    label_of: Callable[[Any], str]
    restore: Callable[[Any, Any], Any]
    purge: Callable[[Any], None]
    url_of: Callable[[Any], str] | None = None


_recyclables: dict[str, Recyclable] = {}


def register_recyclable(recyclable: Recyclable) -> None:
    _recyclables[recyclable.object_type] = recyclable


def recyclables() -> dict[str, Recyclable]:
    return dict(_recyclables)


# --- Workspace set-up ------------------------------------------------------------------------------

WorkspaceSetup = Callable[[Any], None]
_workspace_setups: list[WorkspaceSetup] = []


def register_workspace_setup(setup: WorkspaceSetup) -> None:
    """`setup(workspace)` runs whenever a workspace gets its defaults (on creation, in
    `guanxi demo`, in tests' factories). It must be idempotent."""
    if setup not in _workspace_setups:
        _workspace_setups.append(setup)


def workspace_setups() -> list[WorkspaceSetup]:
    return list(_workspace_setups)


# --- Merging duplicates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RelatedMover:
    """Moves the rows of one kind that belong to a record onto another record of the same type
    when duplicates are merged, and back when the merge is undone. Modules register one per
    relation (an account's contacts, activities, tasks, later deals and tickets), so a merge moves
    everything without knowing the modules.

    `move(workspace_id, from_id, to_id)` returns the ids it moved; `move_back(workspace_id, ids,
    to_id)` puts exactly those rows back."""

    key: str
    object_type: str
    move: Callable[[int, int, int], list[int]]
    move_back: Callable[[int, list[int], int], None]


_movers: dict[tuple[str, str], RelatedMover] = {}


def register_related_mover(mover: RelatedMover) -> None:
    _movers[(mover.object_type, mover.key)] = mover


def related_movers(object_type: str) -> list[RelatedMover]:
    return [m for (t, _k), m in sorted(_movers.items()) if t == object_type]


PurgeHook = Callable[[int, int], None]
_purge_hooks: dict[str, list[PurgeHook]] = {}


def register_purge_hook(object_type: str, hook: PurgeHook) -> None:
    """`hook(workspace_id, record_id)` runs before a record of `object_type` is deleted for good,
    so a higher module cleans up what its rows left elsewhere (their timeline entries)."""
    hooks = _purge_hooks.setdefault(object_type, [])
    if hook not in hooks:
        hooks.append(hook)


def purge_hooks(object_type: str) -> list[PurgeHook]:
    return list(_purge_hooks.get(object_type, ()))


_object_urls: dict[str, Callable[[int], str]] = {}


def register_object_url(object_type: str, url_of: Callable[[int], str]) -> None:
    """How to link to one record of a type (timeline entries, notifications, search results)."""
    _object_urls[object_type] = url_of


def object_url(object_type: str, pk: int | None) -> str | None:
    url_of = _object_urls.get(object_type)
    return url_of(pk) if url_of is not None and pk is not None else None
