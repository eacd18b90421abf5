from django.urls import path

from . import views

app_name = "dataio"

urlpatterns = [
    path("data/", views.hub, name="hub"),
    path("data/<slug:kind>/import/", views.import_upload, name="import_upload"),
    path("data/<slug:kind>/export/", views.export, name="export"),
    path("data/imports/<int:pk>/map/", views.import_map, name="import_map"),
    path("data/imports/<int:pk>/preview/", views.import_preview, name="import_preview"),
    path("data/imports/<int:pk>/run/", views.import_execute, name="import_execute"),
    path("data/imports/<int:pk>/", views.import_result, name="import_result"),
    path("data/imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("data/imports/<int:pk>/rejected.csv", views.import_report, name="import_report"),
    path("projects/<int:pk>/contacts.vcf", views.project_contacts_vcf, name="project_contacts_vcf"),
    path("projects/<int:pk>/feeds/", views.project_feeds, name="project_feeds"),
    path("projects/<int:pk>/feeds/rotate/", views.project_feed_rotate, name="project_feed_rotate"),
    path("feeds/<str:token>.ics", views.project_ics, name="project_ics"),
]
