from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.organization_page, name="organization"),
    path("privacy/retention/", views.retention, name="retention"),
    path("privacy/export/", views.organization_export, name="organization_export"),
    path(
        "privacy/export/<int:pk>/download/",
        views.organization_export_download,
        name="organization_export_download",
    ),
    path("privacy/delete/", views.organization_delete, name="organization_delete"),
    path("privacy/delete/cancel/", views.organization_delete_cancel, name="organization_delete_cancel"),
    path("privacy/contacts/<int:pk>/export/", views.contact_export, name="contact_export"),
    path("privacy/contacts/<int:pk>/erase/", views.contact_erase, name="contact_erase"),
]
