from django.urls import path

from . import views

app_name = "dataio"

urlpatterns = [
    path("imports/", views.import_list, name="imports"),
    path("imports/new/<slug:object_type>/", views.import_new, name="import-new"),
    path("imports/<id:pk>/", views.import_detail, name="import"),
    path("imports/<id:pk>/status/", views.import_status, name="import-status"),
    path("imports/<id:pk>/rows/", views.import_rows, name="import-rows"),
    path("imports/<id:pk>/errors.csv", views.import_errors, name="import-errors"),
    path("imports/<id:pk>/cancel/", views.import_cancel, name="import-cancel"),
    path("imports/<id:pk>/resume/", views.import_resume, name="import-resume"),
    path("imports/<id:pk>/run/", views.import_run, name="import-run"),
    path("imports/templates/<id:pk>/delete/", views.template_delete, name="template-delete"),
    path("export/<slug:object_type>/", views.export, name="export"),
]
