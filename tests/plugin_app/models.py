from django.conf import settings
from django.db import models

from guanxi.core.models import TenantModel


class Note(TenantModel):
    title = models.CharField(max_length=100)
    budget = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
