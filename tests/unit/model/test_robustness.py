"""extract_file never raises: non-UTF-8, empty, binary, truncated and random input."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.model.entities import FileModel
from bot.model.extract import extract_file

DATA = Path(__file__).parent / "data"


def model_of(
    name: str, data: bytes | None = None, defines: dict[str, str] | None = None
) -> FileModel:
    """Extract data/<name> (or the given bytes) as the file `hw/test/<name>`."""
    raw = data if data is not None else (DATA / name).read_bytes()
    return extract_file(f"hw/test/{name}", raw, defines)


def test_non_utf8_is_decoded_and_noted() -> None:
    m = model_of("latin1.c")
    assert m.parsed
    (v,) = m.vmsds
    assert v.c_name == "vmstate_latin" and v.name == "caf\xe9"
    v.name.encode("utf-8")  # a valid str: reporters can print/serialise it
    assert any("non-UTF-8" in n for n in m.notes)


def test_empty_and_whitespace_files() -> None:
    assert extract_file("a.c", b"").parsed
    assert extract_file("a.c", b"").notes == ("empty file",)
    m = extract_file("a.c", b"\n\n  \n")
    assert m.parsed and not m.vmsds and m.parse_errors == 0


def test_binary_junk_is_not_parsed() -> None:
    blob = bytes(range(256)) * 40
    m = extract_file("blob.c", blob)
    assert not m.parsed and m.notes


def test_truncated_definition_still_yields_what_is_there() -> None:
    m = model_of("truncated.c")
    assert m.parse_errors > 0
    (v,) = m.vmsds
    assert v.name == "x"
    assert [f.name for f in v.fields] == ["a"]


def test_unbalanced_and_garbage_text() -> None:
    src = b'static const VMStateDescription v = { .name = "v", .fields = ((((( };\n}}}}{{\n'
    m = extract_file("g.c", src)
    assert m.parsed


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data: bytes) -> None:
    m = extract_file("r.c", data)
    # extract_file turns any exception into a note, so "it returned" proves nothing: the
    # extractor itself must not have failed on the input
    assert not [n for n in m.notes if "internal" in n], m.notes


_PIECES = st.sampled_from(
    [
        "static const VMStateDescription v = {",
        '.name = "x",',
        ".fields = (const VMStateField[]) {",
        "VMSTATE_UINT32(a, S),",
        "VMSTATE_END_OF_LIST()",
        "}",
        "};",
        "#ifdef X",
        "#endif",
        "TypeInfo t = { .name = TYPE_X, .parent = TYPE_Y };",
        '#define TYPE_X "x"',
        "/* comment",
        "*/",
        '"str',
        "vmstate_register(NULL, 0, &v, s);",
        "void f(void) {",
        "(",
        ")",
        "\\",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=25))
def test_random_c_like_soup_never_raises(pieces: list[str]) -> None:
    m = extract_file("soup.c", "\n".join(pieces).encode())
    assert m.parsed
    assert not [n for n in m.notes if "internal" in n], m.notes
