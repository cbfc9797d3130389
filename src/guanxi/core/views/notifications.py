"""The notification bell's page: a member's notifications in this workspace, newest first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ..models import Notification
from .helpers import membership_required

PAGE_SIZE = 50


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    member = membership_required(request)
    items = list(
        Notification.objects.filter(
            workspace_id=member.workspace_id, user_id=member.user_id
        ).order_by("-created_at", "-id")[:PAGE_SIZE]
    )
    return render(request, "core/notifications.html", {"items": items})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and follow its link (only ever to a page of this site)."""
    member = membership_required(request)
    notice = Notification.objects.filter(
        workspace_id=member.workspace_id, user_id=member.user_id, pk=pk
    ).first()
    if notice is None:
        return redirect("core:notifications")
    if notice.read_at is None:
        Notification.objects.filter(pk=notice.pk).update(read_at=timezone.now())
    safe = url_has_allowed_host_and_scheme(
        notice.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(notice.url if notice.url.startswith("/") and safe else "core:notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    member = membership_required(request)
    Notification.objects.filter(
        workspace_id=member.workspace_id, user_id=member.user_id, read_at__isnull=True
    ).update(read_at=timezone.now())
    return redirect("core:notifications")


urlpatterns = [
    path("notifications/", notification_list, name="notifications"),
    path("notifications/<id:pk>/open/", notification_open, name="notification-open"),
    path("notifications/read-all/", notification_read_all, name="notifications-read-all"),
]
