"""bot.rulekit: version arithmetic, compat values, initializer splitting, drafts (pure)."""

from __future__ import annotations

import pytest

from bot.engine.spec import RuleContext
from bot.fixedit import draft_problems
from bot.model.entities import CompatArray, FileModel, Property, Vmsd, VmstateField
from bot.rulekit import compat as C
from bot.rulekit import ctx as K
from bot.rulekit import initializer as I
from bot.rulekit.compat import next_release
from bot.rulekit.drafts import Instances, dummy_section_draft, flag_name
from bot.series import Series

Rows = tuple[tuple[str, FileModel | None, FileModel | None], ...]


def _ctx(version: str | None = None, models: Rows = ()) -> RuleContext:
    series = Series(base="a", head="b", patches=(), folded=(), head_version=version)
    return RuleContext(
        series=series, patch=None, old_model=None, new_model=None, changes=(), models=models
    )


# VERSION -> (newest hw_compat array in that tree, array an entry added now must go into).
# QEMU numbering: X.Y.50 is the development tree after release X.Y, X.Y.9n its release
# candidates, X.Y.0 the release, X.Y.z (0 < z < 50) stable releases of X.Y. Releases go
# 1.7 -> 2.0 ... 2.12 -> 3.0, 3.1 -> 4.0, then X.0, X.1, X.2 -> (X+1).0.
COMPAT_TABLE = [
    ("10.1.50", (10, 1), (10, 1)),  # development of 10.2: hw_compat_10_1 just created
    ("10.1.91", (10, 1), (10, 1)),  # 10.2-rc1
    ("10.1.94", (10, 1), (10, 1)),  # 10.2-rc4
    ("10.2.0", (10, 1), (10, 2)),  # the 10.2 release: the next cycle creates hw_compat_10_2
    ("10.2.50", (10, 2), (10, 2)),  # development of 11.0
    ("10.1.3", (10, 0), (10, 1)),  # stable 10.1.3
    ("11.0.0", (10, 2), (11, 0)),  # a .0 major release: the previous one is 10.2
    ("11.0.50\n", (11, 0), (11, 0)),  # VERSION file text with its newline
    ("9.2.3", (9, 1), (9, 2)),
    ("5.0.0", (4, 2), (5, 0)),
    ("4.0.0", (3, 1), (4, 0)),
    ("3.0.0", (2, 12), (3, 0)),
    ("2.12.50", (2, 12), (2, 12)),
    ("2.0.0", (1, 7), (2, 0)),
]


@pytest.mark.parametrize(("version", "newest", "target"), COMPAT_TABLE)
def test_compat_versions_table(
    version: str, newest: tuple[int, int], target: tuple[int, int]
) -> None:
    cv = C.compat_versions(version)
    assert cv is not None and (cv.newest, cv.target) == (newest, target)
    assert C.compat_target(_ctx(version)) == target
    assert C.compat_array(_ctx(version)) == f"hw_compat_{target[0]}_{target[1]}"


def test_release_arithmetic_is_one_sequence() -> None:
    ver = (1, 7)
    for _ in range(40):
        nxt = next_release(ver)
        assert nxt is not None and C.previous_release(nxt) == ver
        ver = nxt
    assert ver == (12, 0)


def test_compat_without_version() -> None:
    assert C.compat_versions(None) is None
    assert C.compat_versions("garbage") is None
    assert C.compat_array(_ctx(None)) == "hw_compat_X_Y"


def test_newest_compat_without_version_uses_highest_array() -> None:
    arrs = (
        CompatArray("hw_compat_9_2", (), 1, 2, (9, 2)),
        CompatArray("hw_compat_10_1", (), 3, 4, (10, 1)),
        CompatArray("pc_compat_11_0", (), 5, 6, (11, 0)),  # not hw_compat: ignored
    )
    fm = FileModel(path="hw/core/machine.c", compat_arrays=arrs)
    assert C.compat_target(_ctx(None, (("hw/core/machine.c", fm, fm),))) == (10, 1)
    assert C.compat_target(_ctx(None)) is None


@pytest.mark.parametrize(
    ("ver", "nxt"),
    [
        ((2, 9), (2, 10)),
        ((2, 12), (3, 0)),
        ((3, 1), (4, 0)),
        ((10, 1), (10, 2)),
        ((10, 2), (11, 0)),
    ],
)
def test_next_release(ver: tuple[int, int], nxt: tuple[int, int]) -> None:
    assert next_release(ver) == nxt


def _prop(macro: str, default: str | None) -> Property:
    return Property("p", macro, "x", '"x"', "S", "x", default, 1)


def test_compat_value_and_line() -> None:
    assert C.compat_value(_prop("DEFINE_PROP_BOOL", "true"), "true") == "true"
    assert C.compat_value(_prop("DEFINE_PROP_BIT64", "true"), "false") == "off"
    assert C.compat_value(_prop("DEFINE_PROP_UINT32", "4"), "2") == "2"
    assert C.compat_value(_prop("DEFINE_PROP_STRING", None), '"abc"') == "abc"
    assert C.compat_line("foo-nic", "vectors", "2") == '{ "foo-nic", "vectors", "2" },'
    assert C.compat_line("TYPE_VIRTIO_NET", "host_tunnel", "off") == (
        '{ TYPE_VIRTIO_NET, "host_tunnel", "off" },'
    )


@pytest.mark.parametrize(
    ("value", "trivial"),
    [
        (None, True),
        ("false", True),
        ("0", True),
        ("NULL", True),
        ("-1", True),
        ("CPU_UNSET_NUMA_NODE_ID", True),
        ("true", False),
        ("4", False),
        ("VIRTIO_BLK_AUTO_NUM_QUEUES", False),
    ],
)
def test_trivial_default(value: str | None, trivial: bool) -> None:
    assert C.trivial_default(value) is trivial


def test_stem_and_tokens() -> None:
    assert K.stem('"icp[*]"') == "icp"
    assert K.stem("uart1") == "uart"
    assert K.stem(None) is None
    assert K.ident_tokens("spapr->icp_type") == {"spapr", "icp", "type"}


def test_initializer_elements_members_versions() -> None:
    text = """builtin_x86_defs[] = {
    { .name = "a", .level = 5, /* c, { */ .features[FEAT_1_EDX] = X | Y,
      .model_id = "A, {weird}",
      .versions = (X86CPUVersionDefinition[]) { { .version = 1 },
         { .version = 2, .props = (PropValue[]) { { "x", "on" }, { } } }, { } } },
    { .name = "b" },
};"""
    els = I.elements(text)
    assert len(els) == 2
    m = I.members(els[0])
    assert m[".name"] == '"a"'
    assert I.flags(m[".features[FEAT_1_EDX]"]) == frozenset({"X", "Y"})
    assert m[".model_id"] == '"A, {weird}"'
    vers = I.versions(m[".versions"])
    assert [v.get(".version") for v in vers] == ["1", "2"]


def test_dummy_draft_uses_old_sizes_and_flag() -> None:
    fields = (
        VmstateField(
            "VMSTATE_UINT32", (), "xirr", "xirr", "S", 0, None, None, "uint32", 4, None, None, 1
        ),
        VmstateField(
            "VMSTATE_UINT8", (), "mfrr", "mfrr", "S", 0, None, None, "uint8", 1, None, None, 2
        ),
        VmstateField(
            "VMSTATE_END_OF_LIST", (), "", None, None, 0, None, None, "end", None, None, None, 3
        ),
    )
    v = Vmsd(
        "vmstate_icp_server",
        "icp/server",
        '"icp/server"',
        1,
        1,
        fields,
        (),
        0,
        (),
        False,
        None,
        1,
        10,
    )
    flag = flag_name((2, 9), "icp/server")
    assert flag == "pre_2_10_has_unused_icp_server"
    draft, _ = dummy_section_draft(_ctx("2.9.50"), "icp/server", v,
                                Instances(True, "nr_servers", "i"), ["pseries"])  # fmt: skip
    assert '.name = "icp/server"' in draft
    assert "VMSTATE_UNUSED(4), /* was xirr */" in draft
    assert "VMSTATE_UNUSED(1), /* was mfrr */" in draft
    assert "if (mc->pre_2_10_has_unused_icp_server)" in draft
    assert "vmstate_unregister(" in draft
    # the old loop bound and the machine family, no placeholder left
    assert "for (int i = 0; i < nr_servers; i++) {" in draft
    assert "pseries machine types 2.9 and older" in draft
    assert draft_problems(draft) == []
