from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "accord.projects"
    label = "projects"
    verbose_name = _("Projects")

    def ready(self):
        from accord.core import hooks
        from accord.core.nav import register_nav, register_project_tab
        from accord.tenancy.access import register_model

        from .models import Project
        from .selectors import client_projects

        register_model(Project)
        hooks.register("client_projects", client_projects)

        register_nav("projects", _("Projects"), "projects:list", order=30)
        register_project_tab("overview", _("Overview"), "projects:detail", order=10)
        register_project_tab("milestones", _("Milestones"), "projects:milestones", order=20)
        register_project_tab("tasks", _("Tasks"), "projects:tasks", order=30)
        register_project_tab("board", _("Board"), "projects:board", order=35)
