from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "accord.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluation and lessons")

    def ready(self):
        from accord.core import hooks
        from accord.core.nav import register_nav, register_project_tab
        from accord.core.scheduler import register_periodic

        from .selectors import project_start_url

        hooks.register("project_start_url", project_start_url)

        register_nav("health", _("Clients at risk"), "evaluation:at_risk", order=75)
        register_nav("lessons", _("Lessons learned"), "evaluation:lesson_list", order=80)
        register_project_tab("health", _("Health"), "evaluation:project_health", order=85)
        register_project_tab("retrospectives", _("Retrospectives"), "evaluation:project_retros", order=90)
        register_project_tab("lessons", _("Lessons"), "evaluation:project_lessons", order=92)
        register_project_tab("closeout", _("Close-out"), "evaluation:closeout", order=95)
        register_periodic(
            "evaluation.health_snapshots", "accord.evaluation.services.health_snapshots_run", every=24 * 3600
        )
