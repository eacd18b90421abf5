"""The main lists of a team that has nothing yet say what to do next, and link to it."""

import re
from html import escape

import pytest
from django.test import Client as HttpClient
from django.utils import translation

from accord.tenancy.models import Role
from accord.testing import factories as f

LANGUAGES = ["en", "zh-hans"]


@pytest.fixture
def empty_team(db):
    """A new organisation's owner, with one client and one project that has nothing in it yet."""
    org = f.OrganizationFactory(name="Empty Start Ltd")
    owner = f.UserFactory(email="owner@empty.example")
    f.MembershipFactory(organization=org, user=owner, role=Role.OWNER)
    return org, owner


def _get(user, language: str, path: str) -> str:
    http = HttpClient()
    http.force_login(user)
    http.cookies["django_language"] = language
    response = http.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def _empty_states(html: str) -> list[str]:
    """Each empty state of the page: from its element up to the end of its cell, card or section."""
    states = []
    for found in re.finditer(r'class="[^"]*\bempty\b', html):
        ends = [html.find(tag, found.start()) for tag in ("</td>", "</div>", "</section>")]
        states.append(html[found.start() : min(end for end in ends if end != -1)])
    return states


def _empty_state(html: str, text: str) -> str:
    # {% translate %} writes the text as it is; a variable would be escaped.
    matching = [state for state in _empty_states(html) if text in state or escape(text) in state]
    assert len(matching) == 1, f"no single empty state says {text!r}"
    return matching[0]


# Organisation-wide lists: (path, what the empty list says, links it offers).
ORGANISATION_LISTS = [
    ("/clients/", "No clients yet. Add your first client to start its timeline.", ["/clients/new/"]),
    ("/projects/", "No projects yet.", ["/projects/new/", "/templates/"]),
    (
        "/communication/?view=all",
        "Client updates fall due from the communication plans of your projects.",
        ["/projects/"],
    ),
    ("/meetings/", "Meetings are scheduled on a project's Meetings tab.", ["/projects/"]),
    ("/risks/", "Risks are raised on each project's risk register.", ["/projects/"]),
    (
        "/support/",
        "Clients raise requests in the portal; you log the others on a project's Support tab.",
        ["/projects/"],
    ),
    ("/surveys/", "Surveys are sent from a project's Surveys tab.", ["/projects/"]),
    ("/lessons/", "No lesson found.", ["/lessons/new/"]),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("path", "text", "links"), ORGANISATION_LISTS)
def test_an_empty_organisation_list_says_what_to_do_next(empty_team, language, path, text, links):
    _, owner = empty_team
    html = _get(owner, language, path)
    with translation.override(language):
        state = _empty_state(html, translation.gettext(text))
    assert re.findall(r'href="([^"]+)"', state) == links


# A project's own lists: (path pattern, the link to the next step).
PROJECT_LISTS = [
    ("/projects/{pk}/meetings/", "/projects/{pk}/meetings/new/"),
    ("/projects/{pk}/risks/", "/projects/{pk}/risks/new/"),
    ("/projects/{pk}/support/", "/projects/{pk}/support/new/"),
    ("/projects/{pk}/surveys/", "/projects/{pk}/surveys/new/"),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("path", "link"), PROJECT_LISTS)
def test_an_empty_project_list_links_to_adding_the_first_row(empty_team, language, path, link):
    org, owner = empty_team
    project = f.ProjectFactory(client=f.ClientFactory(organization=org), manager=owner)
    html = _get(owner, language, path.format(pk=project.pk))
    links = [href for state in _empty_states(html) for href in re.findall(r'href="([^"]+)"', state)]
    assert link.format(pk=project.pk) in links


def test_a_member_with_no_project_is_told_who_adds_them(world):
    http = HttpClient()
    http.force_login(world.member)
    world.project.team.remove(world.member)
    html = http.get("/projects/").content.decode()
    state = _empty_state(
        html, "You see the projects you are on: a manager or an administrator adds you to a project's team."
    )
    assert "href=" not in state
