"""Which section a failed real migration names: the finding is keyed and located by it."""

from __future__ import annotations

import pytest

from bot.artifacts.migrate import MigrationResult, migration_finding
from bot.artifacts.pipeline import locate_findings


def failed(error: str) -> MigrationResult:
    return MigrationResult(False, "pc-q35-8.2", "base", "head", error, "completed", "failed",
                           1000, 0.5)


@pytest.mark.parametrize(("error", "section"), [
    # seen on a real QEMU build (virtio-gpu nested vmsd v2, dfcf74fa68c8)
    ("Missing section footer for 0000:00:01.0/virtio-gpu | load of migration failed: "
     "Invalid argument", "0000:00:01.0/virtio-gpu"),
    ("Unknown savevm section or instance 'i6300esb_wdt' 0. Make sure that your current VM "
     "setup matches your saved VM setup, including any hotplugged devices", "i6300esb_wdt"),
    ("error while loading state for instance 0x0 of device '0000:00:02.0/e1000'",
     "0000:00:02.0/e1000"),
])  # fmt: skip
def test_the_named_section_keys_and_locates_the_finding(error: str, section: str) -> None:
    f = migration_finding(failed(error), "old->new")
    assert f is not None and f.entity.endswith(f":{section}")
    vmsd = section.rsplit("/", 1)[-1]
    where = {vmsd: ("hw/somewhere.c", 42)}
    (located,) = locate_findings([f], lambda name: where.get(name))
    assert (located.path, located.line) == ("hw/somewhere.c", 42)
