from accord.lib.importgraph import cycles


def test_cycles_are_the_strongly_connected_apps():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_an_acyclic_graph_has_no_cycles():
    assert cycles({"lib": set(), "core": {"lib"}, "crm": {"core", "lib"}}) == []
