from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import override

from .. import audit
from ..errors import ValidationFailed
from ..models import Membership, Role, User, Workspace
from ..object_types import DEFAULT_ROLES
from ..registry import object_types


def default_role_permissions(role_key: str) -> dict[str, list[str]]:
    grants: dict[str, list[str]] = {}
    for object_type in object_types():
        actions = object_type.default_grants.get(role_key, ())
        if actions:
            grants[object_type.key] = list(actions)
    return grants


def roles_install_defaults(*, workspace: Workspace) -> dict[str, Role]:
    """Create the default roles a workspace is missing, named in the workspace's language."""
    roles = {role.key: role for role in Role.objects.filter(workspace=workspace).exclude(key="")}
    with override(workspace.locale):
        for key, name, description, scope in DEFAULT_ROLES:
            if key in roles:
                continue
            roles[key] = Role.objects.create(
                workspace=workspace,
                key=key,
                name=str(name),
                description=str(description),
                is_owner=key == "owner",
                data_scope=scope,
                permissions=default_role_permissions(key),
            )
    return roles


@transaction.atomic
def workspace_create(
    *,
    name: str,
    slug: str = "",
    owner: User,
    locale: str = "zh-hans",
    time_zone: str = "Asia/Shanghai",
    base_currency: str = "CNY",
) -> Workspace:
    """Create a workspace with the default roles and `owner` as its Owner. Audited."""
    slug = slugify(slug or name)[:60]
    if not slug:
        raise ValidationFailed(
            fields={"slug": [_("Enter a slug made of letters, digits and hyphens.")]}
        )
    if Workspace.objects.filter(slug=slug).exists():
        raise ValidationFailed(fields={"slug": [_("This slug is already taken.")]})
    workspace = Workspace.objects.create(
        name=name, slug=slug, locale=locale, time_zone=time_zone, base_currency=base_currency
    )
    roles = roles_install_defaults(workspace=workspace)
    membership = Membership.objects.create(workspace=workspace, user=owner, role=roles["owner"])
    audit.record(
        action="workspace.create",
        workspace=workspace,
        actor=membership,
        object_type="workspace",
        object_id=workspace.pk,
        object_label=workspace.name,
        changes={"name": [None, name], "slug": [None, slug]},
    )
    return workspace
