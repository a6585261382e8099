"""MIG076 looks back from a changed `aml_name_decl` for its `aml_device`: exact on real code,
bounded on hostile series text."""

from __future__ import annotations

from rules.acpi_device_id_change import _MAX_LOOKBACK, _device_at

_HEAD = 'static void build_dsdt(Aml *dsdt)\n{\n    dev = aml_device("PCI0");\n'


def test_device_is_the_last_one_declared_before_the_line() -> None:
    text = _HEAD + '    dev = aml_device("PCI1");\n    aml_append(dev, x);\n'
    assert _device_at(text, 6) == "PCI1"
    assert _device_at(text, 4) == "PCI0"


def test_the_previous_function_ends_the_search() -> None:
    text = 'void f(void)\n{\n    aml_device("OLD");\n}\nvoid g(void)\n{\n    x;\n'
    assert _device_at(text, 7) is None


def test_hostile_distance_is_not_searched() -> None:
    filler = "    aml_append(dev, x);\n" * (_MAX_LOOKBACK + 10)
    text = _HEAD + filler
    line = 3 + _MAX_LOOKBACK + 10 + 1
    assert _device_at(text, line) is None  # the device is further back than the bound
    assert _device_at(text, line - 20) == "PCI0"  # within the bound it is found
    assert _device_at(text, 10**9) is None  # a line past the end reads the tail only
