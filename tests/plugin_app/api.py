"""CRUD for notes, written the way a real module writes its endpoints (via core's machinery)."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema, Status

from guanxi.core import audit
from guanxi.core.apikit import InputSchema, PageOut, clamp_limit, keyset_page, permission
from guanxi.core.errors import NotFound
from guanxi.core.permissions import redact, require, require_writable
from guanxi.core.services.versioning import save_versioned

from .models import Note

router = Router(tags=["notes"])


class NoteOut(Schema):
    id: int
    title: str
    budget: Decimal | None = None
    owner_id: int
    version: int
    created_at: datetime
    updated_at: datetime


class NoteIn(InputSchema):
    title: str
    budget: Decimal = Decimal("0")


class NotePatch(InputSchema):
    version: int
    title: str | None = None
    budget: Decimal | None = None


def out(request: HttpRequest, note: Note) -> dict[str, Any]:
    data = {
        "id": note.pk,
        "title": note.title,
        "budget": note.budget,
        "owner_id": note.owner_id,
        "version": note.version,
        "created_at": note.created_at,
        "updated_at": note.updated_at,
    }
    return redact(request.membership, "notes", data)


def get_note(request: HttpRequest, id: int) -> Note:
    require(request.membership, "notes", "view")
    note = Note.objects.visible_to(request.membership).filter(pk=id).first()
    if note is None:
        raise NotFound()
    return note


@router.get(
    "/notes",
    response=PageOut[NoteOut],
    exclude_unset=True,
    openapi_extra=permission("notes", "view"),
)
def list_notes(request: HttpRequest, limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    require(request.membership, "notes", "view")
    qs = Note.objects.visible_to(request.membership)
    return keyset_page(
        qs,
        order=["-id"],
        cursor=cursor,
        limit=clamp_limit(limit),
        serialize=lambda n: out(request, n),
    )


@router.post(
    "/notes",
    response={201: NoteOut},
    exclude_unset=True,
    openapi_extra=permission("notes", "create"),
)
@transaction.atomic
def create_note(request: HttpRequest, payload: NoteIn) -> Any:
    member = request.membership
    require(member, "notes", "create")
    note = Note.objects.create(
        workspace_id=member.workspace_id, owner_id=member.user_id, **payload.dict()
    )
    audit.record(
        action="note.create",
        workspace=member.workspace_id,
        actor=member,
        object_type="notes",
        object_id=note.pk,
        changes={"title": [None, note.title]},
    )
    return Status(201, out(request, note))


@router.get(
    "/notes/{id}", response=NoteOut, exclude_unset=True, openapi_extra=permission("notes", "view")
)
def read_note(request: HttpRequest, id: int) -> Any:
    return out(request, get_note(request, id))


@router.patch(
    "/notes/{id}", response=NoteOut, exclude_unset=True, openapi_extra=permission("notes", "edit")
)
@transaction.atomic
def patch_note(request: HttpRequest, id: int, payload: NotePatch) -> Any:
    note = get_note(request, id)
    require(request.membership, "notes", "edit")
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    require_writable(request.membership, "notes", set(data))
    before = audit.snapshot(note, ["title", "budget"])
    for key, value in data.items():
        setattr(note, key, value)
    save_versioned(note, version=version, fields=list(data))
    audit.record(
        action="note.update",
        workspace=note.workspace_id,
        actor=request.membership,
        object_type="notes",
        object_id=note.pk,
        changes=audit.diff(before, audit.snapshot(note, ["title", "budget"])),
    )
    return out(request, note)


@router.delete("/notes/{id}", response={204: None}, openapi_extra=permission("notes", "delete"))
def delete_note(request: HttpRequest, id: int) -> Any:
    note = get_note(request, id)
    require(request.membership, "notes", "delete")
    audit.record(
        action="note.delete",
        workspace=note.workspace_id,
        actor=request.membership,
        object_type="notes",
        object_id=note.pk,
    )
    note.delete()
    return Status(204, None)
