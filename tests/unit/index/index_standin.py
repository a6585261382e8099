"""A small regex extractor standing in for bot.model.extract in the index machinery tests.

It understands just the C the tests write: #define (object- and function-like), TypeInfo
structs, class_init functions assigning dc->vmsd / device_class_set_props, VMStateDescription
headers and GlobalProperty arrays. Counting calls lets tests see what the cache spared.
"""

from __future__ import annotations

import os
import re

from bot.model.entities import (
    ClassInit,
    CompatArray,
    CompatEntry,
    Define,
    FileModel,
    ObjectCreation,
    TypeInfo,
    Vmsd,
)

CALLS: list[str] = []  # paths extracted in this process (jobs=1 builds)
_DEF = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+(?:\([^)]*\))?)[ \t]*(.*)$", re.M)
_TI = re.compile(r"TypeInfo\s+(\w+)\s*=\s*\{(.*?)\};", re.S)
_CI = re.compile(r"void\s+(\w+_class_init)\s*\([^)]*\)\s*\{(.*?)\n\}", re.S)
_VMSD = re.compile(r"VMStateDescription\s+(\w+)\s*=\s*\{(.*?)\};", re.S)
_GP = re.compile(r"GlobalProperty\s+(\w+)\[\]\s*=\s*\{(.*?)\};", re.S)
_NEW = re.compile(r"\b(qdev_new|object_initialize_child)\(([^;]*)\);")


def _member(body: str, name: str) -> str | None:
    m = re.search(r"\." + name + r"\s*=\s*([^,\n]+)", body)
    return m.group(1).strip() if m else None


def _lit(expr: str | None) -> str | None:
    if expr and re.fullmatch(r'"[^"]*"', expr):
        return expr[1:-1]
    return None


def extract(path: str, data: bytes) -> FileModel:
    """Regex model of one test file."""
    CALLS.append(path)
    if os.environ.get("INDEX_STANDIN_LOG"):
        with open(os.environ["INDEX_STANDIN_LOG"], "a") as f:
            f.write(path + "\n")
    text = data.decode("utf-8", "replace")

    def line(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    defines = tuple(
        Define(m.group(1), m.group(2).strip(), _lit(m.group(2).strip()), line(m.start()))
        for m in _DEF.finditer(text)
    )
    types = []
    for m in _TI.finditer(text):
        b = m.group(2)
        ne, pe = _member(b, "name"), _member(b, "parent")
        types.append(
            TypeInfo(
                m.group(1),
                _lit(ne),
                ne,
                _lit(pe),
                pe,
                _member(b, "class_init"),
                None,
                None,
                "abstract = true" in b,
                (),
                line(m.start()),
            )
        )
    cis = []
    for m in _CI.finditer(text):
        b = m.group(2)
        v = re.search(r"(\w+->vmsd)\s*=\s*&(\w+)", b)
        props = tuple(re.findall(r"device_class_set_props\(\w+,\s*(\w+)\)", b))
        cis.append(
            ClassInit(
                m.group(1),
                v.group(2) if v else None,
                v.group(1) if v else None,
                props,
                line(m.start()),
            )
        )
    vmsds = []
    for m in _VMSD.finditer(text):
        b = m.group(2)
        ne = _member(b, "name")
        vmsds.append(
            Vmsd(
                m.group(1),
                _lit(ne),
                ne,
                1,
                1,
                (),
                (),
                0,
                (),
                False,
                None,
                line(m.start()),
                line(m.end()),
            )
        )
    compat = []
    for m in _GP.finditer(text):
        entries = []
        for e in re.finditer(r"\{\s*([^,{}]+),\s*([^,{}]+),\s*([^,{}]+)\s*\}", m.group(2)):
            d, p, v = (x.strip() for x in e.groups())
            entries.append(CompatEntry(_lit(d), d, _lit(p), p, _lit(v), v, line(m.start())))
        compat.append(CompatArray(m.group(1), tuple(entries), line(m.start()), line(m.end()), None))
    creations = []
    for m in _NEW.finditer(text):
        args = [a.strip() for a in m.group(2).split(",")]
        te = args[0] if m.group(1) == "qdev_new" else args[-1]
        creations.append(
            ObjectCreation(
                m.group(1), te, _lit(te), None, None, None, False, False, None, line(m.start())
            )
        )
    return FileModel(
        path=path,
        vmsds=tuple(vmsds),
        types=tuple(types),
        class_inits=tuple(cis),
        compat_arrays=tuple(compat),
        creations=tuple(creations),
        defines=defines,
    )


def crashing(path: str, data: bytes) -> FileModel:
    """Raises on files containing CRASH, else behaves like extract()."""
    if b"CRASH" in data:
        raise RuntimeError("boom")
    return extract(path, data)


def killing(path: str, data: bytes) -> FileModel:
    """Kills its (worker) process on files containing KILL, like a segfaulting parser."""
    if b"KILL" in data:
        os._exit(3)
    return extract(path, data)
