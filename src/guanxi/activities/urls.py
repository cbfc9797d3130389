from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("my-day/", views.my_day, name="my-day"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/<id:pk>/", views.activity_detail, name="activity"),
    path("activities/<id:pk>/delete/", views.activity_delete, name="activity-delete"),
    path(
        "activities/log/<slug:subject_type>/<id:pk>/",
        views.quick_log,
        name="quick-log",
    ),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<id:pk>/", views.task_detail, name="task"),
    path("tasks/<id:pk>/complete/", views.task_complete, name="task-complete"),
    path("tasks/<id:pk>/reopen/", views.task_reopen, name="task-reopen"),
    path("tasks/<id:pk>/delete/", views.task_delete, name="task-delete"),
    path("tasks/for/<slug:subject_type>/<id:pk>/", views.record_tasks, name="record-tasks"),
]
