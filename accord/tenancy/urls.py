from django.contrib.auth import views as auth_views
from django.urls import path

from . import account_views, views

app_name = "tenancy"

urlpatterns = [
    path("signin/", views.SignInView.as_view(), name="login"),
    path("signout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signin/code/", account_views.two_factor_signin, name="two_factor_signin"),
    path("password/", account_views.password_change, name="password_change"),
    path("password/reset/", account_views.password_reset, name="password_reset"),
    path("password/reset/sent/", account_views.password_reset_sent, name="password_reset_sent"),
    path("password/reset/done/", account_views.password_reset_complete, name="password_reset_complete"),
    path(
        "password/reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("two-factor/", account_views.two_factor, name="two_factor"),
    path("two-factor/setup/", account_views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/confirm/", account_views.two_factor_confirm, name="two_factor_confirm"),
    path("two-factor/disable/", account_views.two_factor_disable, name="two_factor_disable"),
    path("organization/two-factor/", account_views.organization_two_factor, name="organization_two_factor"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_create, name="token_create"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("organization/switch/", views.switch_organization, name="switch_organization"),
    path("organization/new/", views.organization_create, name="organization_create"),
    path("organization/", views.organization_settings, name="organization"),
    path("organization/logo/", views.organization_logo, name="organization_logo"),
    path("members/", views.members, name="members"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
