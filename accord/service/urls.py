from django.urls import path

from . import views

app_name = "service"

urlpatterns = [
    # Team side.
    path("support/", views.queue, name="queue"),
    path("support/<int:pk>/", views.request_detail, name="request_detail"),
    path("support/<int:pk>/reply/", views.request_reply, name="request_reply"),
    path("support/<int:pk>/update/", views.request_update, name="request_update"),
    path("support/<int:pk>/move/", views.request_move, name="request_move"),
    path("support/mail/", views.mail_queue, name="mail_queue"),
    path("support/mail/<int:pk>/", views.mail_detail, name="mail_detail"),
    path("support/mail/<int:pk>/open/", views.mail_open, name="mail_open"),
    path("support/mail/<int:pk>/add/", views.mail_add, name="mail_add"),
    path("support/mail/<int:pk>/discard/", views.mail_discard, name="mail_discard"),
    path("support/addresses/", views.mailboxes, name="mailboxes"),
    path("support/addresses/<int:pk>/delete/", views.mailbox_delete, name="mailbox_delete"),
    path("support/addresses/<int:pk>/resend/", views.mailbox_resend, name="mailbox_resend"),
    path("support/addresses/confirm/<str:token>/", views.mailbox_confirm, name="mailbox_confirm"),
    path("support/attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("projects/<int:pk>/support/", views.project_support, name="project_support"),
    path("projects/<int:pk>/support/new/", views.request_create, name="request_create"),
    path("projects/<int:pk>/training/new/", views.training_create, name="training_create"),
    path("training/<int:pk>/", views.training_detail, name="training_detail"),
    path("training/<int:pk>/edit/", views.training_edit, name="training_edit"),
    path("training/<int:pk>/materials/", views.training_material_add, name="training_material_add"),
    path("training/materials/<int:pk>/", views.material_download, name="material_download"),
    # Client portal.
    path("portal/projects/<int:pk>/support/", views.portal_requests, name="portal_requests"),
    path("portal/projects/<int:pk>/support/new/", views.portal_request_create, name="portal_request_create"),
    path("portal/support/<int:pk>/", views.portal_request_detail, name="portal_request_detail"),
    path(
        "portal/support/attachments/<int:pk>/",
        views.portal_attachment_download,
        name="portal_attachment_download",
    ),
    path("portal/projects/<int:pk>/training/", views.portal_training, name="portal_training"),
    path("portal/training/<int:pk>/", views.portal_training_detail, name="portal_training_detail"),
    path(
        "portal/training/materials/<int:pk>/", views.portal_material_download, name="portal_material_download"
    ),
]
