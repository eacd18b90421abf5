from django.urls import path

from . import views

app_name = "crm"

urlpatterns = [
    path("clients/", views.client_list, name="client_list"),
    path("clients/new/", views.client_create, name="client_create"),
    path("clients/<int:pk>/", views.client_detail, name="client_detail"),
    path("clients/<int:pk>/edit/", views.client_edit, name="client_edit"),
    path("clients/<int:pk>/delete/", views.client_delete, name="client_delete"),
    path("clients/<int:client_pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("clients/<int:client_pk>/interactions/new/", views.interaction_create, name="interaction_create"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("contacts/<int:pk>/resubscribe/", views.contact_resubscribe, name="contact_resubscribe"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("interactions/preview/", views.markdown_preview, name="markdown_preview"),
    path("interactions/<int:pk>/", views.interaction_detail, name="interaction_detail"),
    path("interactions/<int:pk>/edit/", views.interaction_edit, name="interaction_edit"),
    path("interactions/<int:pk>/delete/", views.interaction_delete, name="interaction_delete"),
    path(
        "interactions/<int:pk>/follow-up-done/",
        views.interaction_follow_up_done,
        name="interaction_follow_up_done",
    ),
    path("search/", views.search, name="search"),
]
