"""Customers: accounts (companies, 客户), contacts (people, 联系人), tags, custom fields and the
editable pick lists (customer level, source, industry).

Deletes are soft (`deleted_at`): a deleted record is in the workspace's recycle bin for 30 days
and every selector leaves it out. A merged record is soft-deleted with `merged_into` set.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import TenantModel
from guanxi.core.querysets import TenantQuerySet


class LifecycleStage(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")  # 潜在客户
    INTERESTED = "interested", _("Interested")  # 意向客户
    CUSTOMER = "customer", pgettext_lazy("lifecycle stage", "Customer")  # 成交客户
    CHURNED = "churned", _("Churned")  # 流失客户


class CompanySize(models.TextChoices):
    MICRO = "1-19", _("1–19 employees")
    SMALL = "20-99", _("20–99 employees")
    MEDIUM = "100-499", _("100–499 employees")
    LARGE = "500-999", _("500–999 employees")
    ENTERPRISE = "1000+", _("1,000 or more employees")


class ConsentStatus(models.TextChoices):
    # PIPL: marketing needs explicit consent; "unknown" is not consent.
    UNKNOWN = "unknown", _("Not asked")
    GRANTED = "granted", _("Granted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class PicklistKey(models.TextChoices):
    ACCOUNT_LEVEL = "account_level", _("Customer level")
    SOURCE = "source", _("Source")
    INDUSTRY = "industry", _("Industry")


class PicklistOption(TenantModel):
    """One value of a workspace's editable list (customer levels A/B/C, sources, industries).

    Records store the `value`; renaming the label changes every record's display, and a retired
    option (`is_active=False`) stays readable on the records that have it."""

    list_key = models.CharField(max_length=30, choices=PicklistKey.choices)
    value = models.CharField(max_length=40)
    label = models.CharField(max_length=80)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("list option")
        verbose_name_plural = _("list options")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "list_key", "value"], name="picklist_unique_value"
            )
        ]
        ordering = ["list_key", "position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def shown_label(self) -> str:
        """The label in the reader's language while it is still the default option's label."""
        from guanxi.core.shown_defaults import shown

        from .services.definitions import default_picklist_label

        default = default_picklist_label(self.list_key, self.value)
        return shown(self.label, default) if default is not None else self.label


class Tag(TenantModel):
    name = models.CharField(_("name"), max_length=40)
    color = models.CharField(_("colour"), max_length=20, default="blue")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="tag_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Whole number")
    DECIMAL = "decimal", _("Decimal")
    MONEY = "money", _("Money")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    BOOLEAN = "boolean", _("Yes/no")
    SINGLE_SELECT = "single_select", _("Single select")
    MULTI_SELECT = "multi_select", _("Multi select")
    URL = "url", _("URL")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    USER = "user", _("Member")


class CustomFieldQuerySet(TenantQuerySet["CustomField"]):
    def active(self) -> CustomFieldQuerySet:
        return self.filter(archived_at__isnull=True)


class CustomField(TenantModel):
    """A field an administrator adds to an object type. Values live in the record's `custom`
    JSON under `key`. Removing a field archives the definition: the values stay in every record
    and come back when the field is restored."""

    object_type = models.CharField(max_length=40)
    key = models.SlugField(_("key"), max_length=60)
    label = models.CharField(_("label"), max_length=120)
    field_type = models.CharField(_("type"), max_length=20, choices=CustomFieldType.choices)
    # Select fields: [{"value": "gold", "label": "金牌"}, …]; money fields: {"currency": "CNY"}.
    options = models.JSONField(default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = CustomFieldQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "object_type", "key"], name="customfield_unique_key"
            )
        ]
        ordering = ["object_type", "position", "id"]

    def __str__(self) -> str:
        return self.label

    def choice_labels(self) -> dict[str, str]:
        if not isinstance(self.options, list):
            return {}
        return {str(o.get("value")): str(o.get("label") or o.get("value")) for o in self.options}


class CustomerQuerySet(TenantQuerySet[Any]):
    def alive(self) -> CustomerQuerySet:
        return self.filter(deleted_at__isnull=True)

    def deleted(self) -> CustomerQuerySet:
        return self.filter(deleted_at__isnull=False)

    def in_pool(self) -> CustomerQuerySet:
        """公海: live records without an owner."""
        return self.filter(deleted_at__isnull=True, owner__isnull=True)


class CustomerRecord(TenantModel):
    """What accounts and contacts share: owner, tags, custom fields, follow-up, soft delete.

    These are the big tables (a million contacts), and every index is paid on every insert of
    an import: the foreign keys below have no index of their own (db_index=False) because the
    composite indexes in Meta, all led by the workspace, serve every query the app makes; what
    is left unindexed (a user's or a pool's hard delete setting the column to NULL) is rare
    enough to scan."""

    workspace = models.ForeignKey(
        "core.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # None = in the public pool (公海).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
        db_index=False,
    )
    # The pool whose rules apply: where the record sits while unowned, and where it returns.
    pool = models.ForeignKey(
        "customers.CustomerPool",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("pool"),
        db_index=False,
    )
    # Numbers and addresses beyond the main ones (E.164 / case-folded, in the order entered):
    # a company's switchboard and hotline, a person's second mobile. Searched and checked for
    # duplicates like the main ones.
    other_phones = models.JSONField(_("other phones"), default=list, blank=True)
    other_emails = models.JSONField(_("other emails"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=40, blank=True)
    description = models.TextField(_("notes"), blank=True)
    custom = models.JSONField(default=dict, blank=True)
    last_followed_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    # When the current owner got the record (claim, assignment, creation): pool rules count from
    # the later of this and the last follow-up.
    owned_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # Search columns, kept by the services (customers/search.py): pinyin and initials of the
    # name for short queries, and one lower-case text of everything searchable for the rest.
    name_pinyin = models.CharField(max_length=200, blank=True)
    name_initials = models.CharField(max_length=60, blank=True)
    search_text = models.TextField(blank=True)

    objects = CustomerQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        abstract = True


class Account(CustomerRecord):
    """A company the workspace deals with (客户)."""

    name = models.CharField(_("name"), max_length=200)
    # company_key(name): what the duplicate check compares (suffixes, spaces, widths removed).
    name_key = models.CharField(max_length=200, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    industry = models.CharField(_("industry"), max_length=40, blank=True)
    size = models.CharField(_("size"), max_length=10, blank=True, choices=CompanySize.choices)
    website = models.URLField(_("website"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, default="CN")
    province = models.CharField(_("province"), max_length=60, blank=True)
    city = models.CharField(_("city"), max_length=60, blank=True)
    address = models.CharField(_("street address"), max_length=255, blank=True)
    level = models.CharField(_("customer level"), max_length=40, blank=True)
    stage = models.CharField(
        _("lifecycle stage"),
        max_length=20,
        choices=LifecycleStage.choices,
        default=LifecycleStage.PROSPECT,
    )
    tags = models.ManyToManyField(Tag, through="AccountTag", related_name="accounts", blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        indexes = [
            models.Index(
                fields=["workspace", "owner", "-id"],
                name="account_ws_owner_id",
                condition=Q(deleted_at__isnull=True),
            ),
            # "My customers, most recently changed first": the list's default working view.
            models.Index(
                fields=["workspace", "owner", "-updated_at", "-id"],
                name="account_ws_owner_updated",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["workspace", "-id"],
                name="account_ws_id",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["workspace", "pool", "-id"],
                name="account_ws_pool",
                condition=Q(deleted_at__isnull=True, owner__isnull=True),
            ),
            # Equality for the duplicate check; text_pattern_ops also serves the brand search
            # (name_key LIKE '云帆%' finds 上海云帆科技有限公司) under any database collation.
            models.Index(
                fields=["workspace", "name_key"],
                name="account_ws_name_key",
                opclasses=["", "text_pattern_ops"],
            ),
            models.Index(fields=["workspace", "credit_code"], name="account_ws_credit_code"),
            models.Index(fields=["workspace", "phone"], name="account_ws_phone"),
            models.Index(fields=["workspace", "email"], name="account_ws_email"),
            # The recycle bin and its purge read deleted rows only: live rows stay out of it.
            models.Index(
                fields=["workspace", "deleted_at"],
                name="account_ws_deleted",
                condition=Q(deleted_at__isnull=False),
            ),
            # Deleting a record sets `merged_into` to NULL on the records merged into it: without
            # this index each deleted row would scan the table. Merged rows only.
            models.Index(
                fields=["merged_into"],
                name="account_merged_into",
                condition=Q(merged_into__isnull=False),
            ),
            # Prefix search on names (opclasses only apply on PostgreSQL, where LIKE 'x%' needs
            # them under any collation; SQLite searches these with ranges).
            models.Index(
                fields=["workspace", "name"],
                name="account_ws_name",
                opclasses=["", "text_pattern_ops"],
            ),
            models.Index(
                fields=["workspace", "name_initials"],
                name="account_ws_initials",
                opclasses=["", "text_pattern_ops"],
            ),
            models.Index(
                fields=["workspace", "name_pinyin"],
                name="account_ws_pinyin",
                opclasses=["", "text_pattern_ops"],
            ),
            models.Index(
                fields=["workspace", "last_followed_at"],
                name="account_ws_followed",
                condition=Q(deleted_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(CustomerRecord):
    """A person (联系人). B2C customers are contacts without an account."""

    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        verbose_name=_("account"),
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=60, blank=True)
    given_name = models.CharField(_("given name"), max_length=60, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    wechat = models.CharField(_("WeChat ID"), max_length=60, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    email_consent = models.CharField(
        _("email marketing consent"),
        max_length=10,
        choices=ConsentStatus.choices,
        default=ConsentStatus.UNKNOWN,
    )
    email_consent_source = models.CharField(max_length=120, blank=True)
    email_consent_at = models.DateTimeField(null=True, blank=True)
    sms_consent = models.CharField(
        _("SMS marketing consent"),
        max_length=10,
        choices=ConsentStatus.choices,
        default=ConsentStatus.UNKNOWN,
    )
    sms_consent_source = models.CharField(max_length=120, blank=True)
    sms_consent_at = models.DateTimeField(null=True, blank=True)
    tags = models.ManyToManyField(Tag, through="ContactTag", related_name="contacts", blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(
                fields=["workspace", "owner", "-id"],
                name="contact_ws_owner_id",
                condition=Q(deleted_at__isnull=True),
            ),
            # "My customers, most recently changed first": the list's default working view.
            models.Index(
                fields=["workspace", "owner", "-updated_at", "-id"],
                name="contact_ws_owner_updated",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["workspace", "-id"],
                name="contact_ws_id",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["workspace", "pool", "-id"],
                name="contact_ws_pool",
                condition=Q(deleted_at__isnull=True, owner__isnull=True),
            ),
            # An account's contacts, in the order its page lists them (name, id): read from
            # the index alone, whatever the planner knows (SQLite keeps no statistics and would
            # otherwise walk the whole workspace by name).
            models.Index(fields=["workspace", "account", "name", "id"], name="contact_ws_account"),
            models.Index(fields=["workspace", "mobile"], name="contact_ws_mobile"),
            models.Index(fields=["workspace", "phone"], name="contact_ws_phone"),
            models.Index(fields=["workspace", "email"], name="contact_ws_email"),
            # The recycle bin and its purge read deleted rows only: live rows stay out of it.
            models.Index(
                fields=["workspace", "deleted_at"],
                name="contact_ws_deleted",
                condition=Q(deleted_at__isnull=False),
            ),
            # Deleting a record sets `merged_into` to NULL on the records merged into it: without
            # this index each deleted row would scan the table. Merged rows only.
            models.Index(
                fields=["merged_into"],
                name="contact_merged_into",
                condition=Q(merged_into__isnull=False),
            ),
            # Prefix search on names (opclasses only apply on PostgreSQL, where LIKE 'x%' needs
            # them under any collation; SQLite searches these with ranges).
            models.Index(
                fields=["workspace", "name"],
                name="contact_ws_name",
                opclasses=["", "text_pattern_ops"],
            ),
            models.Index(
                fields=["workspace", "name_initials"],
                name="contact_ws_initials",
                opclasses=["", "text_pattern_ops"],
            ),
            models.Index(
                fields=["workspace", "name_pinyin"],
                name="contact_ws_pinyin",
                opclasses=["", "text_pattern_ops"],
            ),
            models.Index(
                fields=["workspace", "last_followed_at"],
                name="contact_ws_followed",
                condition=Q(deleted_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AccountTag(TenantModel):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "tag"], name="accounttag_unique")]
        indexes = [models.Index(fields=["workspace", "tag", "account"], name="accounttag_ws_tag")]


class ContactTag(TenantModel):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contact", "tag"], name="contacttag_unique")]
        indexes = [models.Index(fields=["workspace", "tag", "contact"], name="contacttag_ws_tag")]


class SavedView(TenantModel):
    """A named list view (filters, search, sort, columns) for accounts or contacts, private to its
    creator or shared with the workspace."""

    object_type = models.CharField(max_length=40)
    name = models.CharField(_("name"), max_length=80)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    is_shared = models.BooleanField(_("shared with the workspace"), default=False)
    # {"q": "", "filters": {...}, "sort": "-id", "columns": ["name", "owner", ...]}
    query = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        indexes = [
            models.Index(fields=["workspace", "object_type", "owner"], name="savedview_ws_type"),
        ]

    def __str__(self) -> str:
        return self.name


class CustomerPool(TenantModel):
    """A public pool (公海) and its rules. Records without an owner are in a pool; members of the
    pool (its teams and people, or everyone when it has none) may claim from it.

    Recycling: an owned record goes back to its pool after `no_follow_up_days` without a follow-up
    and/or `no_deal_days` without a won deal — counted from the later of the last follow-up (or
    won deal) and the day the owner got it — with per-level overrides {"A": 90, "B": 30}."""

    object_type = models.CharField(max_length=40, default="accounts")
    name = models.CharField(_("name"), max_length=80)
    is_default = models.BooleanField(_("default pool"), default=False)
    no_follow_up_days = models.PositiveIntegerField(
        _("recycle after days without follow-up"), null=True, blank=True
    )
    no_follow_up_days_by_level = models.JSONField(default=dict, blank=True)
    no_deal_days = models.PositiveIntegerField(
        _("recycle after days without a won deal"), null=True, blank=True
    )
    no_deal_days_by_level = models.JSONField(default=dict, blank=True)
    exempt_customers = models.BooleanField(_("never recycle won customers"), default=True)
    exempt_open_deals = models.BooleanField(
        _("never recycle customers with an open deal"), default=True
    )
    remind_days_before = models.PositiveIntegerField(
        _("remind the owner days before recycling"), null=True, blank=True
    )
    daily_claim_limit = models.PositiveIntegerField(
        _("claims per rep per day"), null=True, blank=True
    )
    reclaim_block_days = models.PositiveIntegerField(
        _("days before a previous owner may claim again"), null=True, blank=True
    )
    mask_contact_details = models.BooleanField(
        _("hide phone numbers and emails until claimed"), default=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("customer pool")
        verbose_name_plural = _("customer pools")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "object_type", "name"], name="pool_unique_name"
            ),
            models.UniqueConstraint(
                fields=["workspace", "object_type"],
                condition=Q(is_default=True),
                name="pool_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def shown_name(self) -> str:
        """The name in the reader's language while it is still a default pool's name."""
        from guanxi.core.shown_defaults import shown

        from .services.pool_settings import DEFAULT_POOL_NAMES

        default = DEFAULT_POOL_NAMES.get(self.object_type)
        return shown(self.name, default) if self.is_default and default else self.name


class PoolMember(TenantModel):
    """Who may claim from a pool: a whole team (and its sub-teams) or one person."""

    pool = models.ForeignKey(CustomerPool, on_delete=models.CASCADE, related_name="members")
    team = models.ForeignKey(
        "core.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=False) | Q(user__isnull=False), name="poolmember_who"
            )
        ]
        indexes = [models.Index(fields=["workspace", "pool"], name="poolmember_ws_pool")]


class HoldingLimit(TenantModel):
    """保有量: how many (not yet won) records one person may own. The most specific limit applies:
    the person's own, then their team's, then their role's."""

    object_type = models.CharField(max_length=40, default="accounts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "core.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    role = models.ForeignKey(
        "core.Role", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    limit = models.PositiveIntegerField(_("limit"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, team__isnull=True, role__isnull=True)
                    | Q(user__isnull=True, team__isnull=False, role__isnull=True)
                    | Q(user__isnull=True, team__isnull=True, role__isnull=False)
                ),
                name="holdinglimit_one_target",
            )
        ]
        indexes = [models.Index(fields=["workspace", "object_type"], name="holdinglimit_ws_type")]


class PoolAction(models.TextChoices):
    CLAIM = "claim", _("Claimed")  # 领取
    RETURN = "return", _("Returned to the pool")  # 退回
    ASSIGN = "assign", _("Assigned")  # 分配
    RECYCLE = "recycle", _("Recycled to the pool")  # 自动回收


class PoolEvent(TenantModel):
    """Every move into or out of a pool. Daily claim limits and the re-claim bar are counted here."""

    object_type = models.CharField(max_length=40)
    record_id = models.BigIntegerField()
    pool = models.ForeignKey(
        CustomerPool, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=10, choices=PoolAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    new_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["workspace", "actor", "action", "created_at"], name="poolevent_ws_actor"
            ),
            models.Index(
                fields=["workspace", "object_type", "record_id", "-created_at"],
                name="poolevent_ws_record",
            ),
        ]


class MergeRecord(TenantModel):
    """One merge of duplicates into a master, with what is needed to undo it: the master's field
    values before, the losers, and the ids of every related row that moved (per mover)."""

    object_type = models.CharField(max_length=40)
    master_id = models.BigIntegerField()
    loser_ids = models.JSONField(default=list)
    master_before = models.JSONField(default=dict)
    # {"contacts": {"<loser id>": [ids…]}, "timeline": {…}, "activities": {…}}
    moved = models.JSONField(default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "object_type", "master_id"], name="merge_ws_master")
        ]
