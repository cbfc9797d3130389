"""Browser tests of the workspace settings pages, each one person's task from start to finish:
what they see on the page, and what ends up in the database.

The invitation email is read from django.core.mail.outbox (pytest-django's `mailoutbox`). The
live server runs in a thread of the test process, and the test settings use the locmem email
backend, so a message sent while serving a browser request lands in the same list the test
reads — on SQLite and PostgreSQL alike (email never touches the database).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import expect

from guanxi.core.models import AuditEvent, Invitation, Membership, Role, Team
from guanxi.core.services.roles import role_create
from tests.e2e.conftest import RESULTS, sign_in
from tests.factories import TEST_PASSWORD, TeamFactory, UserFactory, WorkspaceFactory, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN_EMAIL = "ada@example.com"


@pytest.fixture
def admin(db) -> Membership:
    workspace = WorkspaceFactory(name="Acme 示例")
    return make_member(workspace, "admin", user=UserFactory(email=ADMIN_EMAIL, name="Ada Li"))


@pytest.fixture
def new_page(browser, request, live_server) -> Iterator[Callable]:
    """Pages in fresh browser contexts (another person, no shared cookies). On failure each
    one's last screen is kept next to the main page's, as test-results/<test>-<n>.png."""
    contexts = []

    def make():
        context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = getattr(request.node, "rep_call", None)
    for number, context in enumerate(contexts, start=1):
        if failed is not None and failed.failed and context.pages:
            RESULTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
            context.pages[0].screenshot(path=str(RESULTS / f"{name}-{number}.png"), full_page=True)
        context.close()


def sidebar_links(page) -> list[str]:
    return [text.strip() for text in page.locator("#sidebar-menu a.nav-link").all_inner_texts()]


def success_message(page):
    return page.locator(".gx-messages .alert-success")


def test_admin_creates_a_role_and_a_member_with_it_sees_only_what_it_grants(
    page, live_server, admin, new_page
):
    sign_in(page, live_server, ADMIN_EMAIL, TEST_PASSWORD)
    page.locator("#sidebar-menu a.nav-link", has_text="Roles").click()
    page.wait_for_url(f"{live_server.url}/settings/roles/")

    page.get_by_label("Name").fill("Team lead 组长")
    page.get_by_label("Description").fill("Runs a team")
    page.get_by_role("button", name="Create role").click()
    page.wait_for_url(re.compile(r"/settings/roles/\d+/$"))
    expect(success_message(page)).to_have_text(
        "Role Team lead 组长 was created. Choose what it may do."
    )
    expect(page.locator("h1.page-title")).to_have_text("Team lead 组长")
    role = Role.objects.get(workspace=admin.workspace, name="Team lead 组长")
    assert (role.permissions, role.data_scope, role.description) == ({}, "own", "Runs a team")

    matrix = page.get_by_test_id("permission-matrix")
    teams_row = matrix.locator("tr[data-object-type=teams]")
    teams_row.locator("input[name='perm:teams:view']").check()
    teams_row.locator("input[name='perm:teams:create']").check()
    page.get_by_label("Data scope").select_option("team_tree")
    page.get_by_role("button", name="Save role").click()

    expect(success_message(page)).to_have_text("Role Team lead 组长 was saved.")
    # The reloaded page shows the stored state, not what the browser remembered.
    for action, checked in [("view", True), ("create", True), ("edit", False), ("delete", False)]:
        box = teams_row.locator(f"input[name='perm:teams:{action}']")
        expect(box).to_be_checked(checked=checked)
    expect(matrix.locator("input[name^='perm:']:checked")).to_have_count(2)
    expect(page.locator("#id_data_scope option:checked")).to_have_text(
        "Own team and sub-teams (本部门及下级)"
    )
    role.refresh_from_db()
    assert role.permissions == {"teams": ["view", "create"]}
    assert role.data_scope == "team_tree"

    page.get_by_role("link", name="Roles").first.click()
    page.wait_for_url(f"{live_server.url}/settings/roles/")
    row = page.get_by_test_id("role-row").filter(has_text="Team lead 组长")
    cells = row.locator("td")
    expect(cells.nth(1)).to_have_text("Own team and sub-teams (本部门及下级)")
    expect(cells.nth(2)).to_have_text("0")

    Membership.objects.create(
        workspace=admin.workspace,
        user=UserFactory(email="fang@example.com", name="Wang Fang"),
        role=role,
    )
    lead = new_page()
    sign_in(lead, live_server, "fang@example.com", TEST_PASSWORD)
    expect(lead.locator("h1.page-title")).to_have_text("Welcome, Wang Fang")
    assert sidebar_links(lead) == ["Overview", "Teams", "API tokens"]
    lead.locator("#sidebar-menu a.nav-link", has_text="Teams").click()
    lead.wait_for_url(f"{live_server.url}/settings/teams/")
    expect(lead.get_by_role("button", name="Create team")).to_be_visible()
    response = lead.goto(f"{live_server.url}/settings/roles/")
    assert response is not None and response.status == 403


def test_admin_invites_a_member_who_accepts_and_joins(
    page, live_server, admin, new_page, mailoutbox
):
    sign_in(page, live_server, ADMIN_EMAIL, TEST_PASSWORD)
    page.locator("#sidebar-menu a.nav-link", has_text="Members").click()
    page.wait_for_url(f"{live_server.url}/settings/members/")
    page.get_by_role("link", name="Invite people").click()
    page.wait_for_url(f"{live_server.url}/settings/members/invitations/")
    expect(page.locator(".empty-title")).to_have_text("No pending invitations")

    page.get_by_label("Email").fill("Li.Wei@Example.com")
    expect(page.locator("#id_role option:checked")).to_have_text("Sales rep")
    page.get_by_role("button", name="Send invitation").click()

    expect(success_message(page)).to_have_text("An invitation was sent to li.wei@example.com.")
    row = page.get_by_test_id("invitation-row")
    expect(row).to_have_count(1)
    cells = row.locator("td")
    expect(cells.nth(0)).to_have_text(
        re.compile(r"^\s*li\.wei@example\.com\s+Invited by Ada Li\s*$")
    )
    expect(cells.nth(1)).to_have_text("Sales rep")
    expect(cells.nth(2)).to_have_text("—")
    invitation = Invitation.objects.get(workspace=admin.workspace)
    assert (invitation.email, invitation.role.key, invitation.accepted_at) == (
        "li.wei@example.com",
        "sales_rep",
        None,
    )

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["li.wei@example.com"]
    assert mailoutbox[0].subject == "You are invited to join Acme 示例 on Guanxi"
    link = re.search(r"http://\S+/invitations/accept/\?t=\S+", mailoutbox[0].body)
    assert link is not None and link.group().startswith(live_server.url)

    invitee = new_page()
    invitee.goto(link.group())
    card = invitee.get_by_test_id("invitation")
    expect(card.locator("h2")).to_have_text("Join Acme 示例")
    expect(card.locator("p.text-secondary").first).to_have_text(
        re.compile(r"^\s*Ada Li invited you to join as Sales rep\.\s+li\.wei@example\.com\s*$")
    )
    invitee.get_by_label("Your name").fill("Li Wei 李伟")
    invitee.get_by_label("Choose a password").fill("plum-blossom-river-42")
    invitee.get_by_role("button", name="Create account and join").click()

    invitee.wait_for_url(f"{live_server.url}/")
    expect(success_message(invitee)).to_have_text("Welcome to Acme 示例.")
    expect(invitee.locator("h1.page-title")).to_have_text("Welcome, Li Wei 李伟")
    expect(invitee.locator(".page-pretitle")).to_have_text("Acme 示例")
    joined = Membership.objects.select_related("user", "role").get(
        workspace=admin.workspace, user__email="li.wei@example.com"
    )
    assert (joined.user.name, joined.role.key, joined.is_active) == (
        "Li Wei 李伟",
        "sales_rep",
        True,
    )
    assert joined.user.check_password("plum-blossom-river-42")
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None

    page.reload()
    expect(page.get_by_test_id("invitation-row")).to_have_count(0)
    expect(page.locator(".empty-title")).to_have_text("No pending invitations")
    page.goto(f"{live_server.url}/settings/members/")
    member_row = page.get_by_test_id("member-row").filter(has_text="Li Wei 李伟")
    expect(member_row).to_have_count(1)
    member_cells = member_row.locator("td")
    expect(member_cells.nth(1)).to_have_text("li.wei@example.com")
    expect(member_cells.nth(4)).to_have_text("Sales rep")
    expect(member_cells.nth(5)).to_have_text("Active")
    expect(page.get_by_test_id("member-row")).to_have_count(2)


def test_admin_creates_a_sub_team_and_sees_it_nested(page, live_server, admin):
    sales = TeamFactory(workspace=admin.workspace, name="Sales 销售")
    TeamFactory(workspace=admin.workspace, name="Service 客服")
    sign_in(page, live_server, ADMIN_EMAIL, TEST_PASSWORD)
    page.goto(f"{live_server.url}/settings/teams/")

    page.get_by_label("Name").fill("East China 华东")
    page.get_by_label("Parent team").select_option(label="Sales 销售")
    page.get_by_role("button", name="Create team").click()

    expect(success_message(page)).to_have_text("Team East China 华东 was created.")
    tree = page.get_by_test_id("team-tree")
    top = tree.locator(":scope > li[data-testid=team-node]")
    expect(top.locator(":scope > div a")).to_have_text(["Sales 销售", "Service 客服"])
    nested = top.nth(0).locator(":scope > ul > li[data-testid=team-node]")
    expect(nested.locator(":scope > div a")).to_have_text(["East China 华东"])
    expect(nested.locator(".badge")).to_have_text("0 members")
    expect(top.nth(1).locator("ul")).to_have_count(0)
    sub = Team.objects.get(workspace=admin.workspace, name="East China 华东")
    assert sub.parent_id == sales.pk


def test_audit_log_shows_who_created_a_role(page, live_server, admin):
    role_create(actor=admin, data={"name": "Auditor 审计", "data_scope": "all"})
    sign_in(page, live_server, ADMIN_EMAIL, TEST_PASSWORD)
    page.locator("#sidebar-menu a.nav-link", has_text="Audit log").click()
    page.wait_for_url(f"{live_server.url}/settings/audit/")

    page.get_by_label("Action").fill("role.create")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"/settings/audit/\?.*action=role\.create"))
    rows = page.get_by_test_id("audit-row")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    # The actor by name (their email underneath), the action by its code, the object by type and
    # name, and the new role's fields as changes.
    assert cells.nth(1).inner_text().splitlines()[0] == "Ada Li"
    assert "role.create" in cells.nth(2).inner_text().splitlines()
    assert cells.nth(3).inner_text().splitlines() == ["Roles", "Auditor 审计"]
    assert "name: — → Auditor 审计" in cells.nth(4).inner_text().splitlines()
    event = AuditEvent.objects.get(workspace=admin.workspace, action="role.create")
    assert (event.actor_id, event.object_label) == (admin.user_id, "Auditor 审计")


@pytest.mark.parametrize(
    ("email", "error", "status"),
    [
        # The form's own check refuses it (400); the service's check refuses a member (422).
        ("li.wei@", "Enter a valid email address.", 400),
        (ADMIN_EMAIL, "This person is already a member.", 422),
    ],
    ids=["invalid-address", "already-a-member"],
)
def test_inviting_a_bad_address_shows_the_error_and_creates_nothing(
    page, live_server, admin, mailoutbox, email, error, status
):
    sign_in(page, live_server, ADMIN_EMAIL, TEST_PASSWORD)
    page.goto(f"{live_server.url}/settings/members/invitations/")
    page.get_by_label("Email").fill(email)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Send invitation").click()
    assert posted.value.status == status

    field = page.locator("#id_email")
    expect(
        field.locator("xpath=ancestor::div[contains(@class, 'mb-3')][1]").locator(
            ".invalid-feedback"
        )
    ).to_have_text(error)
    expect(field).to_have_value(email)
    expect(page.locator(".gx-messages")).to_have_count(0)
    expect(page.get_by_test_id("invitation-row")).to_have_count(0)
    assert Invitation.objects.count() == 0
    assert mailoutbox == []
