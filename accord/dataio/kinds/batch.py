"""The per-run context: lookups fetched once per import so that checking a row never queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from accord.crm.models import Client
from accord.projects.models import Project
from accord.tenancy.members import team_members
from accord.tenancy.models import Membership, Role

if TYPE_CHECKING:  # base.py imports this module
    from .base import KindSpec

# --- the per-run context --------------------------------------------------------------------------


@dataclass(slots=True)
class RowResult:
    number: int
    values: dict
    problems: list[str] = field(default_factory=list)
    duplicate_of: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class Batch:
    """Lookups for one run, fetched once; and what the file has shown so far (in-file duplicates)."""

    def __init__(self, spec: KindSpec, member: Membership, default_client: Client | None = None):
        self.spec = spec
        self.member = member
        self.organization = member.organization
        self.org_id = member.organization_id
        self.tz = _org_zone(self.organization)
        # Zones that a file's headers name for their columns (keyed by field), set by the run.
        self.zones: dict = {}
        self.default_client = default_client
        self.seen: dict[str, int] = {}
        self.cache: dict = {}
        self.labels = spec.column_labels()
        # Set when the run commits batch by batch: what each batch writes besides plain inserts
        # (values replaced, links removed, obligations met) is recorded there to be undone.
        self.undo = None
        spec.prepare(self)

    # shared lookups
    def clients_by_name(self) -> dict[str, int]:
        if "clients" not in self.cache:
            mapping: dict[str, int] = {}
            for pk, name in (
                Client.objects.filter(organization_id=self.org_id).order_by("-id").values_list("id", "name")
            ):
                mapping[name.strip().lower()] = pk
            self.cache["clients"] = mapping
        return self.cache["clients"]

    def projects_by_code(self) -> dict[str, tuple[int, int, bool]]:
        """code → (project id, client id, may the importer write to it)."""
        if "projects" not in self.cache:
            member = self.member
            everything = member.role in (Role.OWNER, Role.ADMIN)
            on_team = set(
                Project.team.through.objects.filter(
                    user_id=member.user_id, project__organization_id=self.org_id
                ).values_list("project_id", flat=True)
            )
            mapping = {}
            for pk, code, client_id, manager_id in Project.objects.filter(
                organization_id=self.org_id
            ).values_list("id", "code", "client_id", "manager_id"):
                visible = (
                    member.role in (Role.OWNER, Role.ADMIN, Role.MANAGER)
                    or pk in on_team
                    or (manager_id == member.user_id)
                )
                writable = everything or pk in on_team or manager_id == member.user_id
                if visible:
                    mapping[code.strip().lower()] = (pk, client_id, writable)
            self.cache["projects"] = mapping
        return self.cache["projects"]

    def writable_project(self, result: RowResult, code: str, refusal: str) -> int | None:
        """The id of the project with this code if the importer may add to it; otherwise the row
        gets a problem (``refusal`` is the translated "you are not on its team" message, with
        ``%(code)s``) and None is returned. An empty code gives None without a problem."""
        if not code:
            return None
        project = self.projects_by_code().get(code.lower())
        if project is None:
            result.problems.append(_("No project has the code “%(code)s”.") % {"code": code})
            return None
        if not project[2]:
            result.problems.append(refusal % {"code": code})
            return None
        return project[0]

    def team_by_email(self) -> dict[str, int]:
        if "team" not in self.cache:
            self.cache["team"] = {
                email.lower(): user_id
                for user_id, email in team_members(self.org_id).values_list("pk", "email")
            }
        return self.cache["team"]

    def titles_by_project(self, model) -> dict[str, int]:
        """``"<project id>:<title, trimmed and lowered>"`` → id, for the organisation's rows of
        ``model`` (tasks, risks): what a file's rows are checked against as duplicates."""
        return {
            f"{project_id}:{title.strip().lower()}": pk
            for pk, project_id, title in model.objects.filter(organization_id=self.org_id).values_list(
                "id", "project_id", "title"
            )
        }

    def check_file_duplicate(self, result: RowResult, keys: list[tuple[str, str]]) -> None:
        for label, key in keys:
            if key in self.seen:
                result.problems.append(
                    _("Duplicate of row %(row)s in this file (same %(what)s).")
                    % {"row": self.seen[key], "what": label}
                )
                return

    def remember(self, result: RowResult, keys: list[tuple[str, str]]) -> None:
        for _label, key in keys:
            self.seen.setdefault(key, result.number)


def _org_zone(organization):
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(organization.default_timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC
