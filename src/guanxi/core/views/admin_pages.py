"""Workspace settings pages for administrators: members and invitations, teams, roles, audit log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path


@login_required
def members(request: HttpRequest) -> HttpResponse:
    return render(request, "core/profile.html", {})


urlpatterns = [
    path("settings/members/", members, name="members"),
    path("settings/teams/", members, name="teams"),
    path("settings/roles/", members, name="roles"),
    path("settings/audit/", members, name="audit"),
]
