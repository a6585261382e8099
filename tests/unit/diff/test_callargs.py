"""Normalised call arguments: one PCI device, one config offset, whatever the spelling."""

from __future__ import annotations

import pytest

from bot.diff.callargs import DEVICE, call_args, config_pointer
from bot.model.entities import CallSite


@pytest.mark.parametrize(
    "expr",
    [
        "d->config + PCI_INTERRUPT_PIN",
        "&pci_conf[PCI_INTERRUPT_PIN]",
        "s->dev.config +  PCI_INTERRUPT_PIN",
        "d->parent_obj.config + PCI_INTERRUPT_PIN",
        "(PCI_DEVICE(s)->config + PCI_INTERRUPT_PIN)",
    ],
)
def test_config_pointer_spellings_are_one(expr: str) -> None:
    assert config_pointer(expr) == "<config>+PCI_INTERRUPT_PIN"


def test_config_pointer_keeps_offset_and_mask_array() -> None:
    assert config_pointer("pci_conf") == "<config>+0"
    assert config_pointer("d->config + PCI_COMMAND") != config_pointer("d->config + PCI_STATUS")
    assert config_pointer("d->wmask + PCI_COMMAND") == "<wmask>+PCI_COMMAND"


def test_device_argument_of_capability_calls() -> None:
    rest = ("1", "PCI_BASE_ADDRESS_SPACE_IO", "&s->io")
    a = CallSite("pci_register_bar", ("&s->dev", *rest), "f", 1)
    b = CallSite("pci_register_bar", ("PCI_DEVICE(s)", *rest), "f", 2)
    assert call_args(a) == call_args(b) == (DEVICE, *rest)
    other = CallSite("virtio_add_feature", ("&s->dev", "F"), "f", 1)
    assert call_args(other) == ("&s->dev", "F")


def test_members_of_the_device_in_other_arguments() -> None:
    old = CallSite("pci_register_bar", ("&d->dev", "PCI_ROM_SLOT", "0", "&d->dev.rom"), "f", 1)
    new = CallSite("pci_register_bar", ("dev", "PCI_ROM_SLOT", "0", "&dev->rom"), "g", 1)
    assert call_args(old) == call_args(new) == (DEVICE, "PCI_ROM_SLOT", "0", f"&{DEVICE}.rom")
    bar = CallSite("pci_register_bar", ("dev", "2", "0", "&devx->rom"), "g", 1)
    assert call_args(bar)[3] == "&devx->rom"
