"""Navigation that apps contribute from their ``AppConfig.ready()``.

The main menu and the tabs of a project page are built from these registries, so a new
area adds itself without editing shared templates.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    key: str
    label: object  # a lazy translation
    url_name: str
    order: int = 100
    admin_only: bool = False


@dataclass(frozen=True)
class ProjectTab:
    key: str
    label: object
    url_name: str  # reversed with the project's pk as the only argument
    order: int = 100


MAIN_NAV: list[NavItem] = []
# Menu entries shown inside a drop-down group rather than on the bar itself.
NAV_GROUPS: dict[str, str] = {
    "surveys": "insights",
    "health": "insights",
    "lessons": "insights",
    "templates": "setup",
    "members": "setup",
    "organization": "setup",
    "start": "setup",
}
PROJECT_TABS: list[ProjectTab] = []
# Tabs of a project in the client portal (url_name reversed with the project's pk).
PORTAL_TABS: list[ProjectTab] = []


def register_nav(key: str, label, url_name: str, order: int = 100, admin_only: bool = False) -> None:
    if any(item.key == key for item in MAIN_NAV):
        return
    MAIN_NAV.append(NavItem(key, label, url_name, order, admin_only))
    MAIN_NAV.sort(key=lambda item: item.order)


def register_project_tab(key: str, label, url_name: str, order: int = 100) -> None:
    if any(tab.key == key for tab in PROJECT_TABS):
        return
    PROJECT_TABS.append(ProjectTab(key, label, url_name, order))
    PROJECT_TABS.sort(key=lambda tab: tab.order)


def register_portal_tab(key: str, label, url_name: str, order: int = 100) -> None:
    if any(tab.key == key for tab in PORTAL_TABS):
        return
    PORTAL_TABS.append(ProjectTab(key, label, url_name, order))
    PORTAL_TABS.sort(key=lambda tab: tab.order)
