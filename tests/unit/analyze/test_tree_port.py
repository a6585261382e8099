"""The tree port: rules get in-memory TreeViews, filled before the first rule runs.

The trees are TreeIndexes over a model store that counts every load, like bot.index's store
over git and the SQLite cache. A probe rule asks every TreeView question, also about files
the series does not touch; after the first rule call the store must never be used again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from test_analyze_reach import BOARD, device, review

from bot.analyze import analyze
from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, Rule, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import FileModel
from bot.model.extract import extract_file
from bot.model.tree import TreeIndex
from bot.model.view import TreeView


class CountingStore:
    """A ModelStore that loads models one by one and records every access."""

    def __init__(self, models: dict[str, FileModel]) -> None:
        self._models = models
        self.loads: list[str] = []
        self.sealed = False

    def _touch(self, what: str) -> None:
        assert not self.sealed, f"store used while rules run: {what}"
        self.loads.append(what)

    def __getitem__(self, path: str) -> FileModel:
        self._touch(path)
        return self._models[path]

    def get(self, path: str) -> FileModel | None:
        self._touch(path)
        return self._models.get(path)

    def __iter__(self) -> Iterator[str]:
        self._touch("<list>")
        return iter(sorted(self._models))

    def __len__(self) -> int:
        return len(self._models)

    def __contains__(self, path: object) -> bool:
        return path in self._models

    def prefetch(self, paths: Iterable[str]) -> None:
        self._touch(f"<prefetch {len(list(paths))}>")


STORES: list[CountingStore] = []
SEEN: list[tuple[type, type]] = []


def probe(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Seal the stores, then ask the trees everything a rule may ask."""
    for s in STORES:
        s.sealed = True
    assert ctx.old_tree is not None and ctx.new_tree is not None
    SEEN.append((type(ctx.old_tree), type(ctx.new_tree)))
    for t in (ctx.old_tree, ctx.new_tree):
        t.resolve_define("TYPE_FOO")
        t.type_by_name("foo")
        t.type_ancestors("foo")
        t.type_descendants("sys-bus-device")
        t.types_for_vmsd("vmstate_dev")
        t.types_for_vmsd("vmstate_dev", "hw/misc/foo.c")
        t.vmsd_of_type("foo")
        t.vmsd_containers("vmstate_dev")
        t.vmsd("vmstate_dev")
        t.vmsd_path("vmstate_dev")
        t.properties_of_type("foo")
        t.compat_arrays()
        t.on_versioned_machine("foo")
        assert t.file_model("hw/misc/foo.c") is not None  # a file of the series: loaded
        assert t.file_model("hw/arm/myboard.c") is None  # any other file: not in the port
    yield Hit("probe", change.line, "new", change.key)


PROBE = Rule(
    RuleSpec("MIG990", "probe", Severity.ERROR, Category.OTHER, "high", "patch", "p", "p"),
    probe,
    "doc",
)


def test_rules_see_filled_views_and_never_reach_the_store() -> None:
    path = "hw/misc/foo.c"
    old = device("TYPE_FOO", "foo", "TYPE_SYS_BUS_DEVICE", False)
    new = device("TYPE_FOO", "foo", "TYPE_SYS_BUS_DEVICE", True)
    ctx = {"hw/arm/myboard.c": BOARD, "include/hw/misc/foo.h": b'#define TYPE_FOO "foo"\n'}
    base = {p: extract_file(p, d) for p, d in ctx.items()}
    stores = [
        CountingStore({**base, path: extract_file(path, old)}),
        CountingStore({**base, path: extract_file(path, new)}),
    ]
    STORES[:] = stores
    SEEN.clear()
    old_tree, new_tree = (TreeIndex(s) for s in stores)
    report = analyze(
        review(path, old, new, ctx), rules=(PROBE,), old_tree=old_tree, new_tree=new_tree
    )
    assert report.stats.rule_errors == ()
    assert [f.rule for f in report.findings] == ["MIG990"]
    assert SEEN and all(pair == (TreeView, TreeView) for pair in SEEN)
    for s in stores:
        assert s.loads, "the index was consulted before the rules ran"


def test_view_of_an_index_is_a_plain_view() -> None:
    models = {"hw/misc/foo.c": extract_file("hw/misc/foo.c", device("T", "foo", '"x"', False))}
    index = TreeIndex.from_models(models)
    v = index.view(["hw/misc/foo.c", "hw/misc/absent.c"])
    assert type(v) is TreeView
    assert v.file_model("hw/misc/foo.c") == models["hw/misc/foo.c"]
    assert v.file_model("hw/misc/absent.c") is None
    assert v.types_for_vmsd("vmstate_dev") == index.types_for_vmsd("vmstate_dev") == ("foo",)
    assert v.view(["other"]) is v
