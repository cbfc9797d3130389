"""Rules added after the security review: client addresses, token revocation, audit scope."""

import pytest
from django.test import RequestFactory, override_settings
from django.utils import timezone

from guanxi.core.middleware import client_ip
from guanxi.core.models import AuditEvent, Workspace
from guanxi.core.permissions import team_tree_ids
from guanxi.core.services.auth import password_reset_complete, user_event_record
from tests.conftest import api_for
from tests.factories import TeamFactory, WorkspaceFactory, make_member

pytestmark = pytest.mark.django_db


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_saw_is_used_not_the_clients_claim():
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.2"
    )
    assert client_ip(request) == "203.0.113.7"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_forged_forwarded_value_that_is_not_an_address_counts_as_unknown():
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="<script>", REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) is None


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_proxies_the_socket_address_is_used():
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="192.0.2.1")
    assert client_ip(request) == "192.0.2.1"


def test_password_reset_revokes_the_users_api_tokens(workspace):
    member = make_member(workspace, "admin")
    api = api_for(member)
    assert api.get("/me").status_code == 200
    password_reset_complete(user=member.user, new_password="a-brand-new-passphrase")
    assert api.get("/me").status_code == 401
    event = AuditEvent.objects.get(action="auth.password_reset", workspace=workspace)
    assert event.changes["tokens_revoked"] == 1


def test_tokens_stop_working_when_the_workspace_requires_two_factor(workspace):
    member = make_member(workspace, "admin")
    api = api_for(member)
    assert api.get("/me").status_code == 200
    Workspace.objects.filter(pk=workspace.pk).update(require_two_factor=True)
    assert api.get("/me").status_code == 401
    member.user.totp_secret = "JBSWY3DPEHPK3PXP"
    member.user.totp_confirmed_at = timezone.now()
    member.user.save()
    assert api.get("/me").status_code == 200


def test_user_events_go_only_to_workspaces_the_user_is_active_in(workspace):
    member = make_member(workspace, "sales_rep")
    former = WorkspaceFactory()
    old = make_member(former, "sales_rep", user=member.user)
    old.is_active = False
    old.save()
    user_event_record(action="auth.sign_in", user=member.user)
    assert list(
        AuditEvent.objects.filter(action="auth.sign_in").values_list("workspace_id", flat=True)
    ) == [workspace.pk]


def test_team_tree_walk_survives_a_damaged_loop(workspace):
    a = TeamFactory(workspace=workspace)
    b = TeamFactory(workspace=workspace, parent=a)
    # A loop cannot be made through the services; write it directly to prove the walk ends.
    type(a).objects.filter(pk=a.pk).update(parent=b)
    assert sorted(team_tree_ids(workspace.pk, a.pk)) == sorted([a.pk, b.pk])


def test_absurd_ids_and_dates_in_pages_are_not_server_errors(workspace):
    from django.test import Client

    client = Client()
    client.force_login(make_member(workspace, "admin").user)
    assert client.get("/settings/members/99999999999999999999999/").status_code == 404
    assert client.get("/settings/teams/99999999999999999999999/").status_code == 404
    response = client.get("/settings/audit/", {"until": "9999-12-31", "since": "0001-01-01"})
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to" in response.content.decode()
    assert client.get("/settings/audit/export/", {"until": "9999-12-31"}).status_code == 200


def test_with_two_factor_the_sign_in_is_audited_only_after_the_code(workspace):
    import pyotp

    from guanxi.core.services.auth import sign_in_check
    from guanxi.core.services.two_factor import two_factor_challenge
    from tests.factories import TEST_PASSWORD

    member = make_member(workspace, "sales_rep")
    user = member.user
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed_at = timezone.now()
    user.save()
    sign_in_check(email=user.email, password=TEST_PASSWORD, ip="127.0.0.1")
    actions = list(AuditEvent.objects.filter(actor=user).values_list("action", flat=True))
    assert actions == ["auth.sign_in_password_ok"]
    two_factor_challenge(user=user, code=pyotp.TOTP(user.totp_secret).now())
    actions = list(
        AuditEvent.objects.filter(actor=user).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["auth.sign_in_password_ok", "auth.sign_in"]


@override_settings(SIGN_IN_MAX_FAILURES=3)
def test_an_unknown_address_locks_like_a_real_one():
    from guanxi.core.errors import RateLimited
    from guanxi.core.services.auth import SignInFailed, sign_in_check

    for _ in range(3):
        with pytest.raises(SignInFailed):
            sign_in_check(email="nobody@example.com", password="whatever-123", ip="192.0.2.9")
    with pytest.raises(RateLimited):
        sign_in_check(email="nobody@example.com", password="whatever-123", ip="192.0.2.9")
    assert (
        AuditEvent.objects.filter(
            action="auth.sign_in_locked", actor_label="nobody@example.com"
        ).count()
        == 1
    )


def test_parallel_wrong_passwords_cannot_pass_the_lock(concurrent_db, settings):
    import threading

    from django.db import connections

    from guanxi.core.errors import RateLimited
    from guanxi.core.models import User
    from guanxi.core.services.auth import SignInFailed, sign_in_check

    settings.SIGN_IN_MAX_FAILURES = 3
    user = User.objects.create_user(
        email="target@example.com", password="the-right-passphrase", name="T"
    )
    outcomes: list[str] = []

    def guess() -> None:
        try:
            concurrent_db()
            sign_in_check(email=user.email, password="wrong-guess-123", ip="192.0.2.10")
        except SignInFailed:
            outcomes.append("failed")
        except RateLimited:
            outcomes.append("locked")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Exactly three guesses were checked; every later one met the lock.
    assert sorted(outcomes) == ["failed"] * 3 + ["locked"] * 3


def test_member_form_offers_only_roles_the_actor_may_hand_out(workspace):
    from django.test import Client

    admin = make_member(workspace, "admin")
    rep = make_member(workspace, "sales_rep")
    client = Client()
    client.force_login(admin.user)
    form = client.get(f"/settings/members/{rep.user_id}/").context["form"]
    offered = set(form.fields["role"].queryset.values_list("key", flat=True))
    assert offered == {
        "admin",
        "sales_manager",
        "sales_rep",
        "service_agent",
        "marketer",
        "read_only",
    }
    own = client.get(f"/settings/members/{admin.user_id}/").context["form"]
    assert own.fields["role"].disabled
