"""RULES-B rules on hand-built entities: behaviour that does not depend on the extractor."""

from __future__ import annotations

from bot.diff.changes import EntityChange
from bot.diff.filediff import diff_models
from bot.engine.spec import RuleContext
from bot.model.entities import CallSite, FileModel
from bot.series import Series
from rules import instance_id_change, pci_config_change

PATH = "hw/char/serial-isa.c"


def _ctx(old: FileModel, new: FileModel, changes: tuple[EntityChange, ...]) -> RuleContext:
    series = Series(base="a", head="b", patches=(), folded=())
    return RuleContext(
        series=series,
        patch=None,
        old_model=old,
        new_model=new,
        changes=changes,
        models=((PATH, old, new),),
    )


def _call(name: str, args: tuple[str, ...], line: int, cond: bool = False) -> CallSite:
    return CallSite(name, args, "serial_isa_realizefn", line, conditional=cond)


FUNCS = (("serial_isa_realizefn", 10, 40),)


def test_legacy_instance_id_changed_and_removed() -> None:
    o = _call("qdev_set_legacy_instance_id", ("dev", "isa->iobase", "3"), 20)
    n = _call("qdev_set_legacy_instance_id", ("dev", "isa->index", "3"), 20)
    old = FileModel(PATH, calls=(o,), functions=FUNCS)
    new = FileModel(PATH, calls=(n,), functions=FUNCS)
    (pair,) = diff_models(PATH, old, new)  # the diff pairs the call with its new arguments
    assert pair.op == "modified"
    hits = list(instance_id_change.check(pair, _ctx(old, new, (pair,))))
    assert len(hits) == 1 and hits[0].side == "new" and "isa->index" in hits[0].message
    gone_model = FileModel(PATH, functions=FUNCS)
    (rm,) = diff_models(PATH, old, gone_model)
    gone = list(instance_id_change.check(rm, _ctx(old, gone_model, (rm,))))
    assert len(gone) == 1 and gone[0].side == "old"


def test_pci_config_change_gated_is_quiet() -> None:
    base = FileModel(PATH, functions=FUNCS)
    gated = _call("pcie_aer_init", ("pdev", "PCI_ERR_VER"), 30, cond=True)
    plain = _call("pcie_aer_init", ("pdev", "PCI_ERR_VER"), 30)
    for call, expected in ((gated, 0), (plain, 1)):
        ch = EntityChange("call", "added", "k", PATH, None, call)
        new = FileModel(PATH, calls=(call,), functions=FUNCS)
        assert len(list(pci_config_change.check(ch, _ctx(base, new, (ch,))))) == expected
