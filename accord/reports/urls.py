from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("projects/<int:pk>/reports/", views.report_list, name="list"),
    path("projects/<int:pk>/reports/new/", views.report_create, name="create"),
    path("reports/<int:pk>/", views.report_detail, name="detail"),
    path("reports/<int:pk>/edit/", views.report_edit, name="edit"),
    path("reports/<int:pk>/preview/", views.report_preview, name="preview"),
    path("reports/<int:pk>/publish/", views.report_publish, name="publish"),
    path("reports/<int:pk>/revise/", views.report_revise, name="revise"),
    path("reports/<int:pk>/pdf/", views.report_pdf_view, name="pdf"),
    path("portal/projects/<int:pk>/reports/", views.portal_list, name="portal_list"),
    path("portal/reports/<int:pk>/", views.portal_detail, name="portal_detail"),
    path("portal/reports/<int:pk>/pdf/", views.portal_pdf, name="portal_pdf"),
]
