"""MIG033's bus-only conditions: what counts as a test of the bus alone; bounded on hostile text."""

from __future__ import annotations

from rules.pci_config_change import bus_only


def test_bus_facts_alone_gate_nothing() -> None:
    assert bus_only("pci_bus_is_express(dev->bus)")
    assert bus_only("pci_is_express(d) && pci_bus_is_express(pci_get_bus(d))")
    assert bus_only("!pci_bus_is_root(pci_get_bus(dev))")


def test_a_property_or_anything_else_is_a_gate() -> None:
    assert not bus_only(None)
    assert not bus_only("s->x_aer && pci_bus_is_express(pci_get_bus(d))")
    assert not bus_only("pci_bus_is_express(d->bus) && s->flags & FOO_PCIE")
    assert not bus_only("n->msix_vectors")


def test_hostile_conditions_are_answered_quickly() -> None:
    assert not bus_only("pci_bus_is_express(" + "(" * 50_000)  # over the size cap
    nested = "pci_bus_is_express(" + "(" * 190 + "x" + ")" * 190 + ")"
    assert not bus_only(nested)
    unclosed = "pci_is_express(" + "a(b)" * 90
    assert not bus_only(unclosed)
