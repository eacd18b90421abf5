from django.urls import path

from . import views

app_name = "ops"

# The health endpoints are answered by HealthMiddleware before the rest of the stack; the
# routes give them names (and the access matrix its rows).
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("ops/delivery/resume/", views.delivery_resume, name="delivery_resume"),
]
