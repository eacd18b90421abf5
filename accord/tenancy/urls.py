from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "tenancy"

urlpatterns = [
    path("signin/", views.SignInView.as_view(), name="login"),
    path("signout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_create, name="token_create"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("organization/switch/", views.switch_organization, name="switch_organization"),
    path("organization/", views.organization_settings, name="organization"),
    path("organization/logo/", views.organization_logo, name="organization_logo"),
    path("members/", views.members, name="members"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
