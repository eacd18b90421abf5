from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "accord.feedback"
    label = "feedback"
    verbose_name = _("Surveys")

    def ready(self):
        from accord.core.nav import register_nav, register_project_tab
        from accord.core.scheduler import register_periodic

        register_nav("surveys", _("Surveys"), "feedback:overview", order=70)
        register_project_tab("surveys", _("Surveys"), "feedback:project_surveys", order=80)
        register_periodic(
            "feedback.reminders", "accord.feedback.services.surveys.survey_reminders_run", every=3600 * 6
        )
        register_periodic(
            "feedback.milestone_surveys",
            "accord.feedback.services.automatic.milestone_surveys_run",
            every=900,
        )
