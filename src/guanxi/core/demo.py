"""The demo workspace: `guanxi demo` builds it once; later modules add their sample data through
registry.register_demo_step."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from .models import Membership, Team, User, Workspace
from .registry import demo_steps
from .services.workspaces import roles_install_defaults, workspace_create

DEMO_SLUG = "demo"
DEMO_OWNER_EMAIL = "admin@demo.guanxi.local"
DEMO_PASSWORD = "guanxi-demo-2026"

# (parent, name): the 部门 tree.
DEMO_TEAMS = [
    (None, "总部 Head office"),
    ("总部 Head office", "销售部 Sales"),
    ("销售部 Sales", "华东区 East China"),
    ("销售部 Sales", "华北区 North China"),
    ("总部 Head office", "市场部 Marketing"),
    ("总部 Head office", "客服部 Customer service"),
]

# email, name, role key, team, title, locale
DEMO_MEMBERS = [
    ("wang.fang@demo.guanxi.local", "王芳", "sales_manager", "销售部 Sales", "销售总监", "zh-hans"),
    ("li.wei@demo.guanxi.local", "李伟", "sales_rep", "华东区 East China", "客户经理", "zh-hans"),
    (
        "zhang.min@demo.guanxi.local",
        "张敏",
        "sales_rep",
        "华北区 North China",
        "客户经理",
        "zh-hans",
    ),
    (
        "emily.chen@demo.guanxi.local",
        "Emily Chen",
        "marketer",
        "市场部 Marketing",
        "Marketing lead",
        "en",
    ),
    (
        "liu.yang@demo.guanxi.local",
        "刘洋",
        "service_agent",
        "客服部 Customer service",
        "客服专员",
        "zh-hans",
    ),
    (
        "david.smith@demo.guanxi.local",
        "David Smith",
        "read_only",
        "总部 Head office",
        "Finance",
        "en",
    ),
]


@dataclass
class DemoResult:
    workspace: Workspace
    created: bool


@transaction.atomic
def build_demo() -> DemoResult:
    """Create the demo workspace with its people and teams, then run every module's demo step.
    Idempotent: an existing demo workspace is left as it is."""
    existing = Workspace.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return DemoResult(existing, False)
    owner = User.objects.filter(email=DEMO_OWNER_EMAIL).first() or User.objects.create_user(
        email=DEMO_OWNER_EMAIL,
        password=DEMO_PASSWORD,
        name="管理员 Admin",
        locale="",
    )
    workspace = workspace_create(name="示例公司 Demo Co.", slug=DEMO_SLUG, owner=owner)
    roles = roles_install_defaults(workspace=workspace)
    teams: dict[str, Team] = {}
    for parent, name in DEMO_TEAMS:
        teams[name] = Team.objects.create(
            workspace=workspace, name=name, parent=teams.get(parent) if parent else None
        )
    Membership.objects.filter(workspace=workspace, user=owner).update(
        team=teams["总部 Head office"], title="系统管理员"
    )
    for email, name, role_key, team, title, locale in DEMO_MEMBERS:
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password=DEMO_PASSWORD, name=name, locale=locale
        )
        Membership.objects.create(
            workspace=workspace, user=user, role=roles[role_key], team=teams[team], title=title
        )
    for _name, step in demo_steps():
        step(workspace)
    return DemoResult(workspace, True)
