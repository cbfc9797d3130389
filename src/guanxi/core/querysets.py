from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.db import models

if TYPE_CHECKING:
    from .models import Membership

M = TypeVar("M", bound=models.Model)


class TenantQuerySet(models.QuerySet[M]):
    """QuerySet for tenant-owned models."""

    def visible_to(self, membership: Membership | None) -> Self:
        """Rows of the member's workspace within their data scope; none without view permission."""
        from .permissions import scope_queryset
        from .registry import object_type_for_model

        object_type = object_type_for_model(self.model)
        if object_type is None:
            raise LookupError(f"{self.model._meta.label} is not a registered object type")
        result: Any = scope_queryset(self, membership, object_type.key)
        return result
