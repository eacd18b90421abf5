from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<int:pk>/", views.project, name="project"),
    path("logo/", views.logo, name="logo"),
    path("signin/link/", views.link_request, name="link_request"),
    path("signin/link/<str:token>/", views.link_signin, name="link_signin"),
    path("invite/contact/<int:pk>/", views.invite_contact, name="invite_contact"),
]
