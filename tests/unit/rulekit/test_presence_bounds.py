"""bot.rulekit.presence reads `.needed`/`_TEST` returns from series text: exact on the real
shapes, bounded on hostile ones."""

from __future__ import annotations

from bot.model.entities import FileModel, FunctionInfo
from bot.rulekit.presence import asks_old_needed, widened_needed


def _model(**returns: str) -> FileModel:
    infos = tuple(
        FunctionInfo(name=n, line=1, end_line=3, params=(("void *", "opaque"),), casts=(),
                     returns=(r,))
        for n, r in returns.items()
    )  # fmt: skip
    return FileModel(path="hw/intc/s390_flic.c", function_infos=infos)


def test_widened_needed_and_old_needed_test_are_recognised() -> None:
    m = _model(
        ais_or_all="ais_needed(opaque) || full_state_needed(opaque)",
        full_state_needed="s->migrate_all_state",
        ais_v="ais_needed(opaque)",
    )
    assert widened_needed(m, "ais_needed", "ais_or_all", {"migrate_all_state"}) == (
        "migrate_all_state"
    )
    assert widened_needed(m, "ais_needed", "ais_or_all", {"other"}) is None
    assert asks_old_needed(m, "ais_v", "ais_needed")


def test_hostile_nesting_is_not_read() -> None:
    deep = "(" * 5000 + "ais_needed(opaque) || s->migrate_all_state" + ")" * 5000
    m = _model(ais_or_all=deep, ais_v="(" * 5000 + "ais_needed(opaque)" + ")" * 5000)
    assert widened_needed(m, "ais_needed", "ais_or_all", {"migrate_all_state"}) is None
    assert not asks_old_needed(m, "ais_v", "ais_needed")
