"""TreeView.props_defaulting_to: properties whose default names a macro; bounded on hostile text."""

from __future__ import annotations

from bot.model.extract import extract_file
from bot.model.tree import TreeIndex

PROPS = """
#define FOO_VECTORS 2
static const Property foo_properties[] = {
    DEFINE_PROP_UINT32("vectors", FooState, vectors, FOO_VECTORS),
    DEFINE_PROP_UINT32("queues", FooState, queues, FOO_VECTORS * 2 + FOO_VECTORS),
    DEFINE_PROP_BOOL("flr", FooState, flr, false),
};
"""


def test_properties_naming_the_macro_in_their_default() -> None:
    fm = extract_file("hw/misc/foo.c", PROPS.encode())
    tree = TreeIndex.from_models({"hw/misc/foo.c": fm})
    got = [(p, prop.name) for p, prop in tree.props_defaulting_to("FOO_VECTORS")]
    assert got == [("hw/misc/foo.c", "vectors"), ("hw/misc/foo.c", "queues")]
    assert tree.props_defaulting_to("FOO") == ()  # whole identifiers only
    assert tree.props_defaulting_to("false") != ()


def test_a_hostile_default_gives_few_names_quickly() -> None:
    # one default of 20,000 identifiers and 300 properties of long defaults
    huge = " + ".join(f"M{i}" for i in range(20_000))
    many = "".join(
        f'    DEFINE_PROP_UINT32("p{i}", FooState, p{i}, {"X" * 5000} + M{i}),\n'
        for i in range(300)
    )
    text = (
        "static const Property foo_properties[] = {\n"
        f'    DEFINE_PROP_UINT32("big", FooState, big, {huge}),\n' + many + "};\n"
    )
    fm = extract_file("hw/misc/foo.c", text.encode())
    tree = TreeIndex.from_models({"hw/misc/foo.c": fm})
    first = tree.props_defaulting_to("M0")
    late = tree.props_defaulting_to("M19999")
    assert [p.name for _, p in first] == ["big"]
    assert late == ()  # beyond the first characters of a default: not read
