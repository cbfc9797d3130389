from django.urls import path

from .views import admin, edit, lists, records, recycle

app_name = "customers"

ACCOUNTS = {"object_type": "accounts"}
CONTACTS = {"object_type": "contacts"}

urlpatterns = [
    # Accounts
    path("accounts/", lists.account_list, name="accounts"),
    path("accounts/new/", edit.account_new, name="account-new"),
    path("accounts/choices/", edit.account_choices, name="account-choices"),
    path("accounts/bulk/", lists.bulk_action, ACCOUNTS, name="account-bulk"),
    path("accounts/count/", lists.record_count, ACCOUNTS, name="account-count"),
    path("accounts/views/", lists.saved_view_save, ACCOUNTS, name="account-view-create"),
    path("accounts/views/<id:pk>/", lists.saved_view_save, ACCOUNTS, name="account-view-update"),
    path(
        "accounts/views/<id:pk>/delete/",
        lists.saved_view_delete,
        ACCOUNTS,
        name="account-view-delete",
    ),
    path("accounts/<id:pk>/", records.record_page, ACCOUNTS, name="account"),
    path("accounts/<id:pk>/edit/", edit.record_edit, ACCOUNTS, name="account-edit"),
    path("accounts/<id:pk>/delete/", records.record_delete, ACCOUNTS, name="account-delete"),
    path("accounts/<id:pk>/timeline/", records.record_timeline, ACCOUNTS, name="account-timeline"),
    path("accounts/<id:pk>/history/", records.record_history, ACCOUNTS, name="account-history"),
    path(
        "accounts/<id:pk>/cells/<str:column_key>/",
        lists.cell_edit,
        ACCOUNTS,
        name="account-cell",
    ),
    # Contacts
    path("contacts/", lists.contact_list, name="contacts"),
    path("contacts/new/", edit.contact_new, name="contact-new"),
    path("contacts/bulk/", lists.bulk_action, CONTACTS, name="contact-bulk"),
    path("contacts/count/", lists.record_count, CONTACTS, name="contact-count"),
    path("contacts/views/", lists.saved_view_save, CONTACTS, name="contact-view-create"),
    path("contacts/views/<id:pk>/", lists.saved_view_save, CONTACTS, name="contact-view-update"),
    path(
        "contacts/views/<id:pk>/delete/",
        lists.saved_view_delete,
        CONTACTS,
        name="contact-view-delete",
    ),
    path("contacts/<id:pk>/", records.record_page, CONTACTS, name="contact"),
    path("contacts/<id:pk>/edit/", edit.record_edit, CONTACTS, name="contact-edit"),
    path("contacts/<id:pk>/delete/", records.record_delete, CONTACTS, name="contact-delete"),
    path("contacts/<id:pk>/timeline/", records.record_timeline, CONTACTS, name="contact-timeline"),
    path("contacts/<id:pk>/history/", records.record_history, CONTACTS, name="contact-history"),
    path(
        "contacts/<id:pk>/cells/<str:column_key>/",
        lists.cell_edit,
        CONTACTS,
        name="contact-cell",
    ),
    # Recycle bin
    path("recycle-bin/", recycle.recycle_bin, name="recycle-bin"),
    path(
        "recycle-bin/<str:object_type>/<id:pk>/restore/",
        recycle.recycle_restore,
        name="recycle-restore",
    ),
    # Settings
    path("settings/custom-fields/", admin.custom_fields, name="custom-fields"),
    path("settings/custom-fields/<id:pk>/", admin.custom_field_edit, name="custom-field-edit"),
    path(
        "settings/custom-fields/<id:pk>/archive/",
        admin.custom_field_archive,
        name="custom-field-archive",
    ),
    path("settings/picklists/", admin.picklists, name="picklists"),
    path("settings/tags/", admin.tags, name="tags"),
    path("settings/tags/<id:pk>/", admin.tag_edit, name="tag-edit"),
    path("settings/tags/<id:pk>/delete/", admin.tag_delete, name="tag-delete"),
]
