from accord.lib.importgraph import app_graph, cycles


def test_cycles_are_the_strongly_connected_apps():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_an_acyclic_graph_has_no_cycles():
    assert cycles({"lib": set(), "core": {"lib"}, "crm": {"core", "lib"}}) == []


def test_accord_apps_import_each_other_in_no_cycle():
    """Every import counts here, those inside functions too (import-linter's layers contract
    leaves out apps it does not list, such as ``testing`` and ``formats``)."""
    assert cycles(app_graph()) == []
