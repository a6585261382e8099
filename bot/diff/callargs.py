"""Call arguments in a comparable form: the same PCI device written two ways is one argument.

QOM conversions rename a device state's PCIDevice member (`dev` -> `parent_obj`) and switch
between `&s->dev`, `PCI_DEVICE(s)` and the realize function's `PCIDevice *` parameter; config
space writes go through `d->config + OFF`, `&pci_conf[OFF]` or `s->dev.config + OFF`. None of
that changes which bytes the call shapes, so calls are keyed, paired and compared on the
normalised arguments: the device argument of a PCI capability/BAR call becomes `<pci-dev>`
(and a member of it in another argument `<pci-dev>.member`),
and the config pointer of a `pci_set_*`/`pci_config_set_*` write becomes
`<config>+OFFSET` (or `<wmask>+OFFSET`, ...: which mask array is written still matters).
"""

from __future__ import annotations

import re

from bot.model.cscan import norm
from bot.model.entities import CallSite

# Calls whose first argument is the PCIDevice whose config space they shape.
PCI_DEVICE_FIRST = frozenset(
    {
        "pci_add_capability",
        "msix_init",
        "msix_init_exclusive_bar",
        "msi_init",
        "pcie_cap_init",
        "pcie_cap_v1_init",
        "pcie_endpoint_cap_init",
        "pcie_endpoint_cap_v1_init",
        "pcie_aer_init",
        "pcie_ari_init",
        "pcie_ats_init",
        "pcie_acs_init",
        "pcie_dev_ser_num_init",
        "pcie_pasid_init",
        "pcie_pri_init",
        "pcie_sriov_pf_init",
        "pci_pm_init",
        "pci_register_bar",
    }
)

# Calls whose first argument points into one of the device's config-space arrays.
PCI_CONFIG_POINTER_FIRST = frozenset(
    {
        "pci_set_byte",
        "pci_set_word",
        "pci_set_long",
        "pci_set_quad",
        "pci_config_set_vendor_id",
        "pci_config_set_device_id",
        "pci_config_set_revision",
        "pci_config_set_class",
        "pci_config_set_prog_interface",
        "pci_config_set_interrupt_pin",
    }
)

DEVICE = "<pci-dev>"

# The per-device arrays of PCIDevice a config pointer can point into.
_MASK_ARRAYS = ("wmask", "cmask", "w1cmask", "used")
_IDENT = re.compile(r"[A-Za-z_]\w*")
_INDEXED = re.compile(r"^&\s*(?P<base>.+?)\s*\[(?P<off>.+)\]$")


def _strip_parens(text: str) -> str:
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _split_plus(text: str) -> tuple[str, str]:
    """`base + offset` at the top level (the first `+` outside parentheses), else (text, '0')."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "+" and depth == 0:
            return text[:i].strip(), text[i + 1 :].strip()
    return text, "0"


def config_pointer(expr: str) -> str:
    """`<config>+OFFSET` for a pointer into a PCI device's config array, whatever the device
    expression (`d->config + X`, `&pci_conf[X]`, `s->dev.config + X`, `pci_conf`); a
    pointer into `wmask`/`cmask`/`w1cmask` keeps that array's name, any other base its text."""
    text = _strip_parens(norm(expr))
    m = _INDEXED.match(text)
    if m is not None:
        base, off = m.group("base"), m.group("off")
    else:
        base, off = _split_plus(text)
    idents = _IDENT.findall(base)
    last = idents[-1] if idents else ""
    if last in _MASK_ARRAYS:
        array = f"<{last}>"
    elif "conf" in last:
        array = "<config>"  # d->config, s->dev.config, a local `pci_conf = d->config`
    else:
        array = base  # some other buffer: compared as written
    off = norm(_strip_parens(off)).replace(" ", "")
    return f"{array}+{off}"


def _device_members(device: str, arg: str) -> str:
    """`arg` with members of the device spelled `<pci-dev>.member`: with the device
    `&dev->dev`, `&dev->dev.rom` is `&<pci-dev>.rom`, and so is `&dev->rom` with `dev`."""
    dev = device.replace(" ", "")
    if dev.startswith("&"):
        prefix = _strip_parens(dev[1:]) + "."
    elif _IDENT.fullmatch(dev):
        prefix = dev + "->"
    else:
        return arg
    flat = arg.replace(" ", "")
    out = re.sub(r"(?<![\w.>])" + re.escape(prefix), DEVICE + ".", flat)
    return arg if out == flat else out


def call_args(c: CallSite) -> tuple[str, ...]:
    """The call's arguments, whitespace-normalised, with the PCI device/config pointer
    argument in the one form every spelling of it shares."""
    args = tuple(norm(a) for a in c.args)
    if not args:
        return args
    if c.call in PCI_DEVICE_FIRST:
        return (DEVICE, *(_device_members(args[0], a) for a in args[1:]))
    if c.call in PCI_CONFIG_POINTER_FIRST:
        return (config_pointer(args[0]), *args[1:])
    return args
