import pytest

from content.errors import ContentError
from content.topics import AREAS, load_topic_graph, parse_topic_graph


def topic(slug: str, prerequisites: str = "[]", area: str = "calculus") -> str:
    return (
        f'[[topics]]\nslug = "{slug}"\ntitle = "{slug.title()}"\narea = "{area}"\n'
        f"prerequisites = {prerequisites}\n"
    )


def test_the_bank_graph_loads_in_topological_order():
    graph = load_topic_graph()
    assert len(graph) >= 25
    position = {slug: i for i, slug in enumerate(graph.slugs)}
    for t in graph:
        assert t.area in AREAS
        for prerequisite in t.prerequisites:
            assert position[prerequisite] < position[t.slug]


def test_every_area_is_covered():
    assert {t.area for t in load_topic_graph()} == set(AREAS)


def test_it_reports_a_cycle_with_its_path_and_line():
    text = topic("a", '["c"]') + topic("b", '["a"]') + topic("c", '["b"]')
    with pytest.raises(ContentError) as info:
        parse_topic_graph(text, path="t.toml")
    assert "cycle" in str(info.value)
    assert info.value.path == "t.toml"
    assert info.value.line is not None


def test_it_reports_an_unknown_prerequisite_at_its_line():
    text = topic("a") + topic("b", '["nope"]')
    with pytest.raises(ContentError) as info:
        parse_topic_graph(text, path="t.toml")
    assert "unknown prerequisite 'nope'" in str(info.value)
    assert info.value.line == 10


def test_it_rejects_bad_toml_with_the_line():
    with pytest.raises(ContentError) as info:
        parse_topic_graph('[[topics]]\nslug = "a\n', path="t.toml")
    assert info.value.line == 2


def test_ancestors_follow_prerequisites_transitively():
    graph = parse_topic_graph(topic("a") + topic("b", '["a"]') + topic("c", '["b"]'))
    assert graph.ancestors_of("c") == {"a", "b"}
    assert graph.dependents_of("a") == ("b",)
