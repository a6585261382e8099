"""Rename allow-lists kept as data, taken over from QEMU's scripts/vmstate-static-checker.py.

Field renames are keyed by Description name (or section name for a Description rename); each
tuple lists wire-identical name pairs. Upstream accepts any two names of one key's list; we keep
the lists as consecutive pairs, which is how every upstream entry is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

FIELD_RENAMES: Mapping[str, tuple[tuple[str, str], ...]] = MappingProxyType({
    "acpi-ghes": (("ghes_addr_le", "hw_error_le"),),
    "apic": (("timer", "timer_expiry"),),
    "e1000": (("dev", "parent_obj"),),
    "ehci": (("dev", "pcidev"),),
    "I440FX": (("dev", "parent_obj"),),
    "ich9_ahci": (("card", "parent_obj"),),
    "ich9-ahci": (("ahci", "ich9_ahci"),),
    "ioh3420": (("PCIDevice", "PCIEDevice"),),
    "ioh-3240-express-root-port": (
        ("port.br.dev", "parent_obj.parent_obj.parent_obj"),
        ("port.br.dev.exp.aer_log", "parent_obj.parent_obj.parent_obj.exp.aer_log"),
    ),
    "cirrus_vga": (("hw_cursor_x", "vga.hw_cursor_x"), ("hw_cursor_y", "vga.hw_cursor_y")),
    "lsiscsi": (("dev", "parent_obj"),),
    "mch": (("d", "parent_obj"),),
    "pci_bridge": (("bridge.dev", "parent_obj"), ("bridge.dev.shpc", "shpc")),
    "pcnet": (("pci_dev", "parent_obj"),),
    "PIIX3": (("pci_irq_levels", "pci_irq_levels_vmstate"),),
    "piix4_pm": (
        ("dev", "parent_obj"),
        ("pci0_status", "acpi_pci_hotplug.acpi_pcihp_pci_status[0x0]"),
        ("pm1a.sts", "ar.pm1.evt.sts"),
        ("pm1a.en", "ar.pm1.evt.en"),
        ("pm1_cnt.cnt", "ar.pm1.cnt.cnt"),
        ("tmr.timer", "ar.tmr.timer"),
        ("tmr.overflow_time", "ar.tmr.overflow_time"),
        ("gpe", "ar.gpe"),
    ),
    "rtl8139": (("dev", "parent_obj"),),
    "qxl": (("num_surfaces", "ssd.num_surfaces"),),
    "usb-ccid": (("abProtocolDataStructure", "abProtocolDataStructure.data"),),
    "usb-host": (("dev", "parent_obj"),),
    "usb-mouse": (("usb-ptr-queue", "HIDPointerEventQueue"),),
    "usb-tablet": (("usb-ptr-queue", "HIDPointerEventQueue"),),
    "vmware_vga": (("card", "parent_obj"),),
    "vmware_vga_internal": (("depth", "new_depth"),),
    "xhci": (("pci_dev", "parent_obj"),),
    "x3130-upstream": (("PCIDevice", "PCIEDevice"),),
    "xio3130-express-downstream-port": (
        ("port.br.dev", "parent_obj.parent_obj.parent_obj"),
        ("port.br.dev.exp.aer_log", "parent_obj.parent_obj.parent_obj.exp.aer_log"),
    ),
    "xio3130-downstream": (("PCIDevice", "PCIEDevice"),),
    "xio3130-express-upstream-port": (
        ("br.dev", "parent_obj.parent_obj"),
        ("br.dev.exp.aer_log", "parent_obj.parent_obj.exp.aer_log"),
    ),
    "spapr_pci": (
        ("dma_liobn[0]", "mig_liobn"),
        ("mem_win_addr", "mig_mem_win_addr"),
        ("mem_win_size", "mig_mem_win_size"),
        ("io_win_addr", "mig_io_win_addr"),
        ("io_win_size", "mig_io_win_size"),
    ),
    "hpet": (("num_timers", "num_timers_save"),),
})

# QOM type names (dump section keys) that were renamed without changing the wire.
SECTION_RENAMES: tuple[tuple[str, str], ...] = (
    ("ICH9 LPC", "ICH9-LPC"),
    ("e1000-82540em", "e1000"),
)


@dataclass(frozen=True, slots=True)
class AllowLists:
    """The allow-lists one comparison uses (defaults: upstream's)."""

    fields: Mapping[str, tuple[tuple[str, str], ...]] = field(
        default_factory=lambda: FIELD_RENAMES
    )
    sections: tuple[tuple[str, str], ...] = SECTION_RENAMES

    def field_alias(self, key: str, name: str) -> str:
        """Canonical spelling of field `name` under Description/section `key`."""
        for a, b in self.fields.get(key, ()):
            if name in (a, b):
                return a
        return name

    def fields_match(self, key: str, a: str, b: str) -> bool:
        """True when `a` and `b` are the same name or an allow-listed rename under `key`."""
        return a == b or self.field_alias(key, a) == self.field_alias(key, b)

    def section_alias(self, name: str) -> str | None:
        """The other spelling of an allow-listed renamed section, if any."""
        for a, b in self.sections:
            if name == a:
                return b
            if name == b:
                return a
        return None
