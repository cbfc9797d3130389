from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path

from .api import api


def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Unknown paths under /api/ answer with the error envelope, not an HTML page."""
    return JsonResponse(
        {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}, status=404
    )


urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("", include("guanxi.core.urls")),
    path("", include("guanxi.customers.urls")),
    path("", include("guanxi.customers.pool_views")),
    path("", include("guanxi.customers.merge_views")),
    path("", include("guanxi.activities.urls")),
    path("", include("guanxi.dataio.urls")),
    path("", include("guanxi.web.urls")),
]
