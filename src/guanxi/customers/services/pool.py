"""The public pool (公海) and holding limits (保有量): claim (领取), return (退回), assign (分配)
and the daily recycling of neglected records.

Every move locks the record row, writes a PoolEvent (claim limits and the re-claim bar are
counted from them), an audit event and a timeline entry. Claims by one member are serialized on
their membership row, so parallel claims cannot slip past the daily limit or the holding limit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import DateTimeField, Exists, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from guanxi.core import audit, timeline
from guanxi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from guanxi.core.models import Membership, Workspace
from guanxi.core.notifications import notify
from guanxi.core.permissions import can, require, team_tree_ids

from ..models import (
    Account,
    Contact,
    CustomerPool,
    HoldingLimit,
    LifecycleStage,
    PoolAction,
    PoolEvent,
    PoolMember,
)

MODELS: dict[str, Any] = {"accounts": Account, "contacts": Contact}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RECYCLE_BATCH = 500

# Later modules (sales) tell the pool about deals: each returns an expression over OuterRef("pk")
# of an account queryset. Until then "no won deal" counts from when the owner got the record.
DealExpression = Callable[[], Any]
_last_won_deal_at: list[DealExpression] = []
_has_open_deal: list[DealExpression] = []


def register_deal_facts(*, last_won_at: DealExpression, has_open_deal: DealExpression) -> None:
    _last_won_deal_at[:] = [last_won_at]
    _has_open_deal[:] = [has_open_deal]


def _refuse(message: str, code: str) -> Conflict:
    """A 409 whose `code` says which pool rule refused (claim_limit, holding_limit…)."""
    error = Conflict(message)
    error.code = code
    return error


def _model(object_type: str) -> Any:
    try:
        return MODELS[object_type]
    except KeyError:
        raise NotFound()


# --- Reading pools --------------------------------------------------------------------------------


def default_pool(workspace_id: int, object_type: str) -> CustomerPool | None:
    return CustomerPool.objects.filter(
        workspace_id=workspace_id, object_type=object_type, is_default=True
    ).first()


def member_pool_ids(actor: Membership, object_type: str) -> set[int]:
    """Pools the member may claim from: pools without members are open to everyone; others list
    teams (with their sub-teams) and people."""
    pools = list(
        CustomerPool.objects.filter(workspace_id=actor.workspace_id, object_type=object_type)
    )
    if not pools:
        return set()
    members = list(PoolMember.objects.filter(workspace_id=actor.workspace_id, pool__in=pools))
    my_teams: set[int] = set()
    if actor.team_id:
        # A pool shared with a team is open to its sub-teams too: find whether the member's team
        # lies below any listed team.
        listed = {m.team_id for m in members if m.team_id}
        for team_id in listed:
            if actor.team_id in team_tree_ids(actor.workspace_id, team_id):
                my_teams.add(team_id)
    allowed = set()
    for pool in pools:
        mine = [m for m in members if m.pool_id == pool.pk]
        if not mine or any(m.user_id == actor.user_id or m.team_id in my_teams for m in mine):
            allowed.add(pool.pk)
    return allowed


def pool_records(actor: Membership, object_type: str, pool: CustomerPool) -> QuerySet[Any]:
    """Unowned live records of `pool` (records without a pool belong to the default pool)."""
    model = _model(object_type)
    in_pool = Q(pool=pool)
    if pool.is_default:
        in_pool |= Q(pool__isnull=True)
    return model.objects.filter(workspace_id=actor.workspace_id).in_pool().filter(in_pool)


def may_see_pool(actor: Membership, object_type: str, pool: CustomerPool) -> bool:
    return can(actor, object_type, "assign") or pool.pk in member_pool_ids(actor, object_type)


def holding_limit(actor: Membership, object_type: str, user_id: int | None = None) -> int | None:
    """The limit for `user_id` (default: the actor): their own, else their team's, else their
    role's; None when no limit applies."""
    user_id = user_id or actor.user_id
    membership = (
        Membership.objects.filter(workspace_id=actor.workspace_id, user_id=user_id)
        .only("team_id", "role_id")
        .first()
    )
    if membership is None:
        return None
    limits = HoldingLimit.objects.filter(workspace_id=actor.workspace_id, object_type=object_type)
    for condition in (
        Q(user_id=user_id),
        Q(team_id=membership.team_id) if membership.team_id else None,
        Q(role_id=membership.role_id),
    ):
        if condition is None:
            continue
        found = limits.filter(condition).order_by("limit").first()
        if found is not None:
            return found.limit
    return None


def holding_count(workspace_id: int, object_type: str, user_id: int) -> int:
    """Records a person owns that count against the limit: won customers are not counted."""
    queryset = _model(object_type).objects.filter(
        workspace_id=workspace_id, owner_id=user_id, deleted_at__isnull=True
    )
    if object_type == "accounts":
        queryset = queryset.exclude(stage=LifecycleStage.CUSTOMER)
    return int(queryset.count())


def _check_holding_limit(actor: Membership, object_type: str, user_id: int, adding: int) -> None:
    limit = holding_limit(actor, object_type, user_id)
    if limit is None:
        return
    held = holding_count(actor.workspace_id, object_type, user_id)
    if held + adding > limit:
        raise _refuse(
            _("Holding limit reached: %(held)d of %(limit)d customers already owned.")
            % {"held": held, "limit": limit},
            "holding_limit",
        )


def _local_midnight(workspace_id: int, now: datetime) -> datetime:
    import zoneinfo

    tz_name = Workspace.objects.filter(pk=workspace_id).values_list("time_zone", flat=True).first()
    zone = zoneinfo.ZoneInfo(tz_name or "Asia/Shanghai")
    local = now.astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


# --- Moves ----------------------------------------------------------------------------------------


def _locked(object_type: str, actor: Membership, record_id: int, *, scoped: bool = True) -> Any:
    """The live record, row-locked, if the actor may act on it: with `scoped`, an owned record
    must be within their data scope (otherwise a 404, as if it did not exist). A claim is not
    scoped: it concerns pool records, and a rep who loses a race for one should hear "someone
    owns it now" (409), not "not found"."""
    model = _model(object_type)
    record = (
        model.objects.select_for_update()
        .filter(workspace_id=actor.workspace_id, pk=record_id, deleted_at__isnull=True)
        .first()
    )
    if record is None:
        raise NotFound()
    if (
        scoped
        and record.owner_id is not None
        and not model.objects.visible_to(actor).filter(pk=record.pk).exists()
    ):
        raise NotFound()
    return record


def _move(
    *,
    actor: Membership | None,
    workspace_id: int,
    object_type: str,
    record: Any,
    action: str,
    new_owner_id: int | None,
    pool: CustomerPool | None,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    """Change the owner, bump the version, and write the PoolEvent, audit event and timeline."""
    now = now or timezone.now()
    previous_owner_id = record.owner_id
    model = type(record)
    model.objects.filter(pk=record.pk).update(
        owner_id=new_owner_id,
        owned_since=now if new_owner_id else None,
        pool=pool,
        version=F("version") + 1,
        updated_at=now,
    )
    record.owner_id, record.pool = new_owner_id, pool
    record.owned_since = now if new_owner_id else None
    record.version += 1
    PoolEvent.objects.create(
        workspace_id=workspace_id,
        object_type=object_type,
        record_id=record.pk,
        pool=pool,
        action=action,
        actor_id=actor.user_id if actor else None,
        previous_owner_id=previous_owner_id,
        new_owner_id=new_owner_id,
        reason=reason,
        created_at=now,
    )
    singular = object_type.rstrip("s")
    changes = {"owner": [previous_owner_id, new_owner_id]}
    audit.record(
        action=f"{singular}.{action}",
        workspace=workspace_id,
        actor=actor,
        actor_label="" if actor else "system",
        object_type=object_type,
        object_id=record.pk,
        object_label=str(record),
        changes={**changes, **({"reason": reason} if reason else {})},
    )
    timeline.add(
        workspace_id=workspace_id,
        subjects=[(object_type, record.pk)],
        kind=f"pool.{action}",
        actor=actor,
        title=str(record),
        body=reason,
        data={"changes": changes, "pool": pool.name if pool else ""},
        ref=(object_type, record.pk),
        occurred_at=now,
    )


def reclaim_barred(
    actor: Membership,
    object_type: str,
    pool: CustomerPool,
    record_ids: list[int],
    *,
    now: datetime | None = None,
) -> set[int]:
    """Which of these records the member may not claim yet: they owned it until it went back to
    the pool less than the pool's `reclaim_block_days` ago (one query; none without the rule)."""
    if not pool.reclaim_block_days or not record_ids:
        return set()
    barred_since = (now or timezone.now()) - timedelta(days=pool.reclaim_block_days)
    return set(
        PoolEvent.objects.filter(
            workspace_id=actor.workspace_id,
            object_type=object_type,
            record_id__in=record_ids,
            previous_owner_id=actor.user_id,
            action__in=[PoolAction.RETURN, PoolAction.RECYCLE],
            created_at__gte=barred_since,
        ).values_list("record_id", flat=True)
    )


def reclaim_barred_message(pool: CustomerPool) -> str:
    return _("You owned this customer recently; you may claim it again after %(days)d days.") % {
        "days": pool.reclaim_block_days
    }


@transaction.atomic
def record_claim(*, actor: Membership, object_type: str, record_id: int) -> Any:
    """领取: take an unowned record from a pool the actor belongs to. Refused over the pool's daily
    claim limit, within the re-claim bar after the actor returned or lost it, and over the actor's
    holding limit. Two reps claiming at once: one gets it, the other a 409."""
    require(actor, object_type, "edit")
    # Serialize this member's claims (daily limit and holding limit are check-then-act).
    Membership.objects.select_for_update().filter(pk=actor.pk).first()
    record = _locked(object_type, actor, record_id, scoped=False)
    if record.owner_id is not None:
        raise _refuse(_("Someone already owns this customer."), "already_owned")
    pool = record.pool or default_pool(actor.workspace_id, object_type)
    if pool is not None and not may_see_pool(actor, object_type, pool):
        raise NotFound()
    now = timezone.now()
    if pool is not None and pool.daily_claim_limit is not None:
        claimed_today = PoolEvent.objects.filter(
            workspace_id=actor.workspace_id,
            actor_id=actor.user_id,
            action=PoolAction.CLAIM,
            object_type=object_type,
            created_at__gte=_local_midnight(actor.workspace_id, now),
        ).count()
        if claimed_today >= pool.daily_claim_limit:
            raise _refuse(
                _("You have claimed %(limit)d customers today, the daily limit.")
                % {"limit": pool.daily_claim_limit},
                "claim_limit",
            )
    if pool is not None and reclaim_barred(actor, object_type, pool, [record.pk], now=now):
        raise _refuse(reclaim_barred_message(pool), "reclaim_blocked")
    _check_holding_limit(actor, object_type, actor.user_id, 1)
    _move(
        actor=actor,
        workspace_id=actor.workspace_id,
        object_type=object_type,
        record=record,
        action=PoolAction.CLAIM,
        new_owner_id=actor.user_id,
        pool=pool,
        now=now,
    )
    return record


@transaction.atomic
def record_return(*, actor: Membership, object_type: str, record_id: int, reason: str) -> Any:
    """退回: the owner (or a manager with the assign permission) puts a record back in its pool,
    with a reason."""
    require(actor, object_type, "edit")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say why the customer goes back.")]})
    if len(reason) > 255:
        raise ValidationFailed(fields={"reason": [_("Use at most 255 characters.")]})
    record = _locked(object_type, actor, record_id)
    if record.owner_id is None:
        raise _refuse(_("This customer is already in the pool."), "in_pool")
    if record.owner_id != actor.user_id and not can(actor, object_type, "assign"):
        raise PermissionDenied(_("Only the owner or a manager can return this customer."))
    pool = record.pool or default_pool(actor.workspace_id, object_type)
    _move(
        actor=actor,
        workspace_id=actor.workspace_id,
        object_type=object_type,
        record=record,
        action=PoolAction.RETURN,
        new_owner_id=None,
        pool=pool,
        reason=reason,
    )
    return record


@transaction.atomic
def record_assign(
    *, actor: Membership, object_type: str, record_id: int, owner_id: int, reason: str = ""
) -> Any:
    """分配: a manager gives a record (from the pool or from another rep) to a member, within that
    member's holding limit."""
    require(actor, object_type, "assign")
    # The record first: another workspace's record is a 404 whatever the body says.
    record = _locked(object_type, actor, record_id)
    target = Membership.objects.filter(
        workspace_id=actor.workspace_id, user_id=owner_id, is_active=True
    ).first()
    if target is None:
        raise ValidationFailed(
            fields={"owner_id": [_("Choose an active member of this workspace.")]}
        )
    if record.owner_id == owner_id:
        return record
    _check_holding_limit(actor, object_type, owner_id, 1)
    pool = record.pool or default_pool(actor.workspace_id, object_type)
    _move(
        actor=actor,
        workspace_id=actor.workspace_id,
        object_type=object_type,
        record=record,
        action=PoolAction.ASSIGN,
        new_owner_id=owner_id,
        pool=pool,
        reason=" ".join((reason or "").split())[:255],
    )
    notify(
        workspace_id=actor.workspace_id,
        user_id=owner_id,
        kind="pool.assigned",
        title=_("%(name)s was assigned to you") % {"name": record},
        url=f"/{object_type}/{record.pk}/",
        ref=(object_type, record.pk),
    )
    return record


# --- Recycling (the daily job) -------------------------------------------------------------------


def _clock(queryset: QuerySet[Any], *, deals: bool) -> QuerySet[Any]:
    """Annotate `clock`: when the record's countdown started (the later of the last follow-up, or
    the last won deal, and the moment the owner got it)."""
    start = Coalesce("owned_since", "created_at")
    if deals:
        last = _last_won_deal_at[0]() if _last_won_deal_at else Value(EPOCH)
    else:
        last = F("last_followed_at")
    return queryset.annotate(
        clock=Greatest(
            Coalesce(last, Value(EPOCH), output_field=DateTimeField()),
            start,
            output_field=DateTimeField(),
        )
    )


def _owned_in_pool(pool: CustomerPool) -> QuerySet[Any]:
    model = _model(pool.object_type)
    in_pool = Q(pool=pool) | (Q(pool__isnull=True) if pool.is_default else Q(pk__in=[]))
    queryset = model.objects.filter(
        in_pool, workspace_id=pool.workspace_id, deleted_at__isnull=True, owner__isnull=False
    )
    if pool.object_type == "accounts":
        if pool.exempt_customers:
            queryset = queryset.exclude(stage=LifecycleStage.CUSTOMER)
        if pool.exempt_open_deals and _has_open_deal:
            queryset = queryset.exclude(Exists(_has_open_deal[0]()))
    return queryset


def _rules(pool: CustomerPool) -> list[tuple[bool, int | None, dict[str, Any]]]:
    return [
        (False, pool.no_follow_up_days, pool.no_follow_up_days_by_level or {}),
        (True, pool.no_deal_days, pool.no_deal_days_by_level or {}),
    ]


def _due(pool: CustomerPool, *, before: datetime) -> QuerySet[Any]:
    """Owned records of `pool` whose countdown (by any rule, per level) ended before `before`."""
    condition = Q(pk__in=[])
    for deals, days, by_level in _rules(pool):
        if days is None and not by_level:
            continue
        clocked = _clock(_owned_in_pool(pool), deals=deals)
        level_rule = Q(pk__in=[])
        if pool.object_type == "accounts":
            for level, level_days in by_level.items():
                if level_days is None:
                    continue
                level_rule |= Q(level=level, clock__lt=before - timedelta(days=int(level_days)))
            if days is not None:
                level_rule |= ~Q(level__in=list(by_level)) & Q(
                    clock__lt=before - timedelta(days=days)
                )
        elif days is not None:
            level_rule = Q(clock__lt=before - timedelta(days=days))
        condition |= Q(pk__in=clocked.filter(level_rule).values("pk"))
    return _owned_in_pool(pool).filter(condition)


def pool_recycle(*, workspace_id: int, now: datetime | None = None) -> int:
    """Return to their pools every owned record whose recycle rules say so; notify each previous
    owner. Runs in batches; safe to run twice (a recycled record has no owner any more)."""
    now = now or timezone.now()
    recycled = 0
    for pool in CustomerPool.objects.filter(workspace_id=workspace_id):
        while True:
            with transaction.atomic():
                ids = list(_due(pool, before=now).values_list("pk", flat=True)[:RECYCLE_BATCH])
                if not ids:
                    break
                model = _model(pool.object_type)
                records = list(
                    model.objects.select_for_update()
                    .filter(pk__in=ids, owner__isnull=False)
                    .select_related("owner")
                )
                for record in records:
                    owner = record.owner
                    _move(
                        actor=None,
                        workspace_id=workspace_id,
                        object_type=pool.object_type,
                        record=record,
                        action=PoolAction.RECYCLE,
                        new_owner_id=None,
                        pool=pool,
                        reason=_recycle_reason(pool),
                        now=now,
                    )
                    with override(owner.locale or None):
                        notify(
                            workspace_id=workspace_id,
                            user_id=owner.pk,
                            kind="pool.recycled",
                            title=_("%(name)s went back to the pool “%(pool)s”")
                            % {"name": record, "pool": pool.name},
                            url=f"/{pool.object_type}/{record.pk}/",
                            ref=(pool.object_type, record.pk),
                        )
                recycled += len(records)
                if len(ids) < RECYCLE_BATCH:
                    break
    return recycled


def _recycle_reason(pool: CustomerPool) -> str:
    return _("No follow-up within the pool's rules")


def pool_remind(*, workspace_id: int, now: datetime | None = None) -> int:
    """Warn owners whose records will be recycled within the pool's reminder window, once per
    record per ownership (not again until someone owns it anew)."""
    from guanxi.core.models import Notification

    now = now or timezone.now()
    sent = 0
    for pool in CustomerPool.objects.filter(
        workspace_id=workspace_id, remind_days_before__isnull=False
    ):
        window = now + timedelta(days=pool.remind_days_before or 0)
        due_soon = _due(pool, before=window).exclude(pk__in=_due(pool, before=now).values("pk"))
        for record in due_soon.select_related("owner")[:5000]:
            already = Notification.objects.filter(
                workspace_id=workspace_id,
                user_id=record.owner_id,
                kind="pool.recycle_warning",
                ref_type=pool.object_type,
                ref_id=record.pk,
                created_at__gte=record.owned_since or record.created_at,
            ).exists()
            if already:
                continue
            with override(record.owner.locale or None):
                notify(
                    workspace_id=workspace_id,
                    user_id=record.owner_id,
                    kind="pool.recycle_warning",
                    title=_("%(name)s goes back to the pool within %(days)d days without follow-up")
                    % {"name": record, "days": pool.remind_days_before},
                    url=f"/{pool.object_type}/{record.pk}/",
                    ref=(pool.object_type, record.pk),
                )
            sent += 1
    return sent
