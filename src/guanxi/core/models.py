"""Tenancy, people, permissions and the audit trail.

Every tenant-owned table carries `workspace` and leads its indexes with it, so a workspace's rows
can be found (and later sharded) by that column alone.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .querysets import TenantQuerySet

LANGUAGE_CHOICES = [("", _("Browser default")), ("en", "English"), ("zh-hans", "简体中文")]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. What they may do is decided per workspace by their Membership."""

    email = models.EmailField(_("email"), unique=True)
    name = models.CharField(_("name"), max_length=150)
    locale = models.CharField(_("language"), max_length=10, blank=True, choices=LANGUAGE_CHOICES)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # TOTP two-factor authentication; the secret is set during set-up and only counts once
    # confirmed with a valid code.
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    # Sign-in lockout, kept on the row so every app server sees the same count.
    failed_sign_ins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def has_two_factor(self) -> bool:
        return bool(self.totp_secret and self.totp_confirmed_at)


class Workspace(models.Model):
    """A tenant: one company's CRM. No row of one workspace is ever visible from another."""

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    base_currency = models.CharField(_("base currency"), max_length=3, default="CNY")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    locale = models.CharField(
        _("language"), max_length=10, default="zh-hans", choices=LANGUAGE_CHOICES[1:]
    )
    require_two_factor = models.BooleanField(_("require two-factor authentication"), default=False)
    # Phone numbers typed without a country code are read as numbers of this region (ISO 3166).
    phone_region = models.CharField(_("default phone region"), max_length=2, default="CN")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")

    def __str__(self) -> str:
        return self.name


class TenantModel(models.Model):
    """Base for every tenant-owned row. `Model.objects.visible_to(membership)` is the one way to
    read rows on behalf of a member."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class Team(TenantModel):
    """A department (部门). Teams form a tree through `parent`."""

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent team"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "parent", "name"], name="team_unique_name_per_parent"
            ),
            models.UniqueConstraint(
                fields=["workspace", "name"],
                condition=models.Q(parent__isnull=True),
                name="team_unique_root_name",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "parent"], name="team_ws_parent")]

    def __str__(self) -> str:
        return self.name


class DataScope(models.TextChoices):
    OWN = "own", _("Own records (本人)")
    TEAM = "team", _("Own team (本部门)")
    TEAM_TREE = "team_tree", _("Own team and sub-teams (本部门及下级)")
    ALL = "all", _("Whole workspace (全公司)")


class Role(TenantModel):
    """What members with this role may do.

    `permissions` maps an object type key to the list of granted actions, for example
    {"members": ["view"], "roles": ["view", "edit"]}. `hidden_fields` and `readonly_fields` map
    an object type key to field names. The owner role (`is_owner`) may do everything.
    """

    key = models.SlugField(max_length=40, blank=True, help_text="Stable key of a default role.")
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=255, blank=True)
    is_owner = models.BooleanField(default=False)
    data_scope = models.CharField(
        _("data scope"), max_length=12, choices=DataScope.choices, default=DataScope.OWN
    )
    permissions = models.JSONField(default=dict, blank=True)
    hidden_fields = models.JSONField(default=dict, blank=True)
    readonly_fields = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="role_unique_name")
        ]

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        """The name in the reader's language while it is still the default role's name."""
        from .object_types import DEFAULT_ROLES
        from .shown_defaults import shown

        for key, name, _description, _scope in DEFAULT_ROLES:
            if key == self.key:
                return shown(self.name, name)
        return self.name


class MembershipQuerySet(TenantQuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(is_active=True, user__is_active=True)


class Membership(TenantModel):
    """A user's place in a workspace: their role and team there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("role")
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
        verbose_name=_("team"),
    )
    title = models.CharField(_("job title"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = MembershipQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user")
        ]
        indexes = [models.Index(fields=["workspace", "team"], name="membership_ws_team")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workspace_id}"


class AuditEvent(models.Model):
    """Append-only record of a write, a sign-in, or a sign-in failure.

    `workspace` is empty only for events that belong to no workspace (a failed sign-in for an
    unknown email). Rows are never updated or deleted by the application.
    """

    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["workspace", "-created_at", "-id"], name="audit_ws_time"),
            models.Index(fields=["workspace", "object_type", "object_id"], name="audit_ws_object"),
            models.Index(fields=["workspace", "actor", "-created_at"], name="audit_ws_actor"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValidationError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValidationError("Audit events are append-only.")


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


def hash_secret(raw: str) -> str:
    """Tokens and invitation links are stored as SHA-256 digests, never in clear."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(TenantModel):
    """A Bearer token bound to one user in one workspace; that member's role applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(
        _("scope"), max_length=8, choices=TokenScope.choices, default=TokenScope.READ
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["workspace", "user"], name="token_ws_user")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class Invitation(TenantModel):
    """An emailed, single-use, expiring link to join a workspace. Only the link's hash is kept."""

    email = models.EmailField(_("email"))
    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, related_name="+", verbose_name=_("role")
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["workspace", "email"], name="invitation_ws_email")]

    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class UserSession(models.Model):
    """A signed-in browser session, so a user can see where they are signed in and end others."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="browser_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="usersession_user_seen")]


class IdempotencyRecord(models.Model):
    """The stored outcome of a POST sent with an Idempotency-Key, per API token."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.BinaryField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotency_unique_key")
        ]


class ScheduledRun(models.Model):
    """One tick of a periodic job. The unique constraint makes each tick run exactly once, however
    many workers are running."""

    job = models.CharField(max_length=120)
    tick = models.DateTimeField()
    worker = models.CharField(max_length=120, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "tick"], name="scheduledrun_unique_tick")
        ]


class RateCounter(models.Model):
    """One throttling counter in one time window (see core/counters.py)."""

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)


class CacheEntry(models.Model):
    """The table behind Django's database cache (used when REDIS_URL is unset), created by
    migrations so that a fresh database is ready without `createcachetable`."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "guanxi_cache"
        managed = True


class TimelineEntry(TenantModel):
    """One line on a record's timeline (an account's, a contact's, later a lead's or a ticket's).

    Services write entries in the same transaction as the change they describe, one per subject
    (an activity logged against an account and a contact appears on both). Paging a timeline is
    then one indexed range scan, however many modules contribute to it. `ref_type`/`ref_id` name
    the record an entry is about (an activity, a task, a deal) so its owner can refresh or remove
    the entries when that record changes.
    """

    # Several entries per imported record: only the two composite indexes below are kept up on
    # insert (each leads with the workspace; a user's hard delete setting actor to NULL scans).
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    subject_type = models.CharField(max_length=40)
    subject_id = models.BigIntegerField()
    occurred_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    title = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    ref_type = models.CharField(max_length=40, blank=True)
    ref_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        indexes = [
            models.Index(
                fields=["workspace", "subject_type", "subject_id", "-occurred_at", "-id"],
                name="timeline_ws_subject_time",
            ),
            models.Index(fields=["workspace", "ref_type", "ref_id"], name="timeline_ws_ref"),
        ]


class Notification(TenantModel):
    """An in-app notification for one member (task reminders, pool recycling, mentions…)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    # What the notification is about, so the same reminder is never sent twice.
    ref_type = models.CharField(max_length=40, blank=True)
    ref_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["workspace", "user", "-created_at"], name="notification_ws_user"),
        ]
