from django.urls import path

from . import areas, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<int:pk>/", views.project, name="project"),
    path("logo/", views.logo, name="logo"),
    path("signin/link/", views.link_request, name="link_request"),
    path("signin/link/<str:token>/", views.link_signin, name="link_signin"),
    path("contacts/", views.client_contacts, name="client_contacts"),
    path("invite/contact/<int:pk>/", views.invite_contact, name="invite_contact"),
    path("projects/<int:pk>/changes/", areas.changes, name="changes"),
    path("projects/<int:pk>/changes/new/", areas.change_create, name="change_create"),
    path("changes/<int:pk>/", areas.change_detail, name="change_detail"),
    path("changes/<int:pk>/decide/", areas.change_decide, name="change_decide"),
    path("projects/<int:pk>/risks/", areas.risks, name="risks"),
    path("projects/<int:pk>/decisions/", areas.decisions, name="decisions"),
]
