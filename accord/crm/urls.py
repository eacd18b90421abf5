from django.urls import path

from . import views

app_name = "crm"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("interactions/<int:pk>/", views.interaction_detail, name="interaction_detail"),
]
