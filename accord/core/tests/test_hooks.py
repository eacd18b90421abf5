import pytest

from accord.core import hooks


def test_every_known_hook_has_its_implementation_once_the_apps_are_ready():
    assert set(hooks._HOOKS) == set(hooks.KNOWN)


def test_an_unknown_hook_is_refused():
    with pytest.raises(ValueError, match="Unknown hook"):
        hooks.register("invoice_send", print)


def test_a_hook_without_implementation_fails_loudly(monkeypatch):
    monkeypatch.delitem(hooks._HOOKS, "notify")
    with pytest.raises(RuntimeError, match="comms"):
        hooks.notify(organization=None, users=[], title="x")


def test_the_registered_implementation_is_the_areas_own_function():
    from accord.comms import services
    from accord.evaluation.selectors import project_start_url

    assert hooks._HOOKS["outbox_email"] is services.outbox_email
    assert hooks._HOOKS["project_start_url"] is project_start_url
