from django.urls import path

from . import views

app_name = "comms"

urlpatterns = [
    path("projects/<int:pk>/plan/", views.plan, name="plan"),
    path("projects/<int:pk>/plan/items/new/", views.plan_item_create, name="plan_item_create"),
    path("projects/<int:pk>/plan/matrix/new/", views.responsibility_create, name="responsibility_create"),
    path("projects/<int:pk>/plan/copy/", views.plan_copy, name="plan_copy"),
    path("plan-items/<int:pk>/edit/", views.plan_item_edit, name="plan_item_edit"),
    path("plan-items/<int:pk>/delete/", views.plan_item_delete, name="plan_item_delete"),
    path("responsibilities/<int:pk>/delete/", views.responsibility_delete, name="responsibility_delete"),
    path("obligations/<int:pk>/tick/", views.obligation_tick, name="obligation_tick"),
    path("obligations/<int:pk>/send/", views.obligation_send, name="obligation_send"),
    path("communication/", views.obligations, name="obligations"),
    path("communication/clients/<int:pk>/", views.client_obligations, name="client_obligations"),
    path("communication/preferences/", views.preferences, name="preferences"),
    path("communication/channels/", views.channels, name="channels"),
    path("communication/channels/new/", views.channel_create, name="channel_create"),
    path("communication/channels/<int:pk>/edit/", views.channel_edit, name="channel_edit"),
    path("communication/channels/<int:pk>/delete/", views.channel_delete, name="channel_delete"),
    path("communication/channels/<int:pk>/test/", views.channel_test, name="channel_test"),
    path("communication/outbox/", views.outbox, name="outbox"),
    path("communication/outbox/<int:pk>/", views.outbox_detail, name="outbox_detail"),
    path("communication/outbox/<int:pk>/retry/", views.outbox_retry, name="outbox_retry"),
    path(
        "communication/outbox/channels/<int:pk>/retry/",
        views.outbox_channel_retry,
        name="outbox_channel_retry",
    ),
    path("communication/webhooks/", views.webhooks_list, name="webhooks"),
    path("communication/webhooks/new/", views.webhook_create, name="webhook_create"),
    path("communication/webhooks/<int:pk>/edit/", views.webhook_edit, name="webhook_edit"),
    path("communication/webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook_delete"),
    path("communication/inbox/", views.inbox, name="inbox"),
    path("communication/inbox/<int:pk>/", views.inbox_detail, name="inbox_detail"),
    path("communication/inbox/<int:pk>/discard/", views.inbox_discard, name="inbox_discard"),
    path("communication/attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("hooks/in/<str:token>/", views.inbound_hook, name="inbound_hook"),
]
