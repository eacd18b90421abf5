from django.urls import include, path

from accord.api.api import api
from accord.tenancy.views import set_language

urlpatterns = [
    path("", include("accord.web.urls")),
    path("accounts/", include("accord.tenancy.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("accord.crm.urls")),
    path("", include("accord.projects.urls")),
    path("", include("accord.comms.urls")),
    path("", include("accord.reports.urls")),
    path("", include("accord.meetings.urls")),
    path("", include("accord.needs.urls")),
    path("", include("accord.playbooks.urls")),
    path("", include("accord.risks.urls")),
    path("", include("accord.changes.urls")),
    path("", include("accord.service.urls")),
    path("", include("accord.feedback.urls")),
    path("", include("accord.evaluation.urls")),
    path("", include("accord.dataio.urls")),
    path("portal/", include("accord.portal.urls")),
    path("api/v1/", api.urls),
    path("", include("accord.ops.urls")),
    path("", include("accord.privacy.urls")),
]

handler400 = "accord.web.views.error_400"
handler403 = "accord.web.views.error_403"
handler404 = "accord.web.views.error_404"
handler500 = "accord.web.views.error_500"
