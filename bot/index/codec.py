"""FileModel <-> bytes: zlib(marshal(nested tuples)), tagged by entity class.

marshal of plain tuples is compact, fast and cannot execute code, unlike pickle. The schema
(entity classes and their fields) is part of the cache namespace, so a changed entity never
reads stale rows.
"""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
import zlib
from typing import Any

from bot.model import entities as E

CODEC_VERSION = 1


_CLASSES: tuple[type[Any], ...] = tuple(
    sorted(
        (
            c
            for c in vars(E).values()
            if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == E.__name__
        ),
        key=lambda c: c.__name__,
    )
)


_TAG = {cls: i for i, cls in enumerate(_CLASSES)}


_FIELDS = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in _CLASSES}


SCHEMA = repr([(c.__name__, _FIELDS[c]) for c in _CLASSES])


SCHEMA_DIGEST = hashlib.sha256(f"codec{CODEC_VERSION}{SCHEMA}".encode()).hexdigest()[:16]


def enc(v: Any) -> Any:
    """A value with entities replaced by tagged lists (marshal-able)."""
    t = type(v)
    tag = _TAG.get(t)
    if tag is not None:
        return [tag, *[enc(getattr(v, n)) for n in _FIELDS[t]]]
    if t is tuple or t is list:  # lists would read back as entity tags: store as tuples
        return tuple([enc(x) for x in v])
    return v


def dec(v: Any) -> Any:
    """Inverse of enc: tagged lists back to entities."""
    t = type(v)
    if t is list:
        return _CLASSES[v[0]](*[dec(x) for x in v[1:]])
    if t is tuple:
        # Most tuples hold strings only (args, hooks); skip the per-item call for those.
        for x in v:
            if type(x) is list or type(x) is tuple:
                return tuple([dec(x) for x in v])
        return v
    return v


def encode_model(fm: E.FileModel) -> bytes:
    """Compact bytes for one model: zlib(marshal(nested tuples))."""
    return zlib.compress(marshal.dumps(enc(fm)), 1)


def decode_model(data: bytes) -> E.FileModel:
    """Inverse of encode_model; raises ValueError on any corrupt input."""
    try:
        obj = dec(marshal.loads(zlib.decompress(data)))
    except Exception as exc:  # zlib.error, EOFError, TypeError, IndexError ...
        raise ValueError(f"corrupt cached model: {exc}") from exc
    if not isinstance(obj, E.FileModel):
        raise ValueError("corrupt cached model: not a FileModel")
    return obj
