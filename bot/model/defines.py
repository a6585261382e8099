"""Tree-wide C macro table and a small evaluator for string-valued macros (TYPE_* names).

Pure: built from the `Define` entities of many FileModels. It understands what QEMU uses to
spell QOM type names (the include/qom/object.h conventions): adjacent string literals,
object-like macros naming other macros (`TYPE_LM75 TYPE_TMP105`), function-like helpers
(`X86_CPU_TYPE_NAME(n)`, `MACHINE_TYPE_NAME("x")`), parentheses and `#` stringification.
Every macro keeps all its definitions, so `#ifdef` alternatives give several candidates.

Visibility follows C loosely: a file sees its own defines first, then headers in its
directory, then every header of the tree. Defines in other `.c` files are used only by the
context-free `resolve()` as a last resort.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.model.entities import FileModel

MAX_CANDIDATES = 8
MAX_DEPTH = 24

_TOKEN_RE = re.compile(
    r"""
    (?P<str>(?:u8|[uUL])?"(?:[^"\\\n]|\\.)*")
  | (?P<chr>'(?:[^'\\\n]|\\.)*')
  | (?P<id>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<num>\.?[0-9](?:[eEpP][+-]|[A-Za-z0-9_.])*)
  | (?P<op>\#\#|\.\.\.|[()\[\]{},#;]|[^\sA-Za-z_0-9"'()\[\]{},#;]+)
  | (?P<ws>\s+)
    """,
    re.VERBOSE,
)
# Bodies made only of numbers, operators and parentheses (flags, sizes, bit masks).
_NEVER_STRING = re.compile(
    r"^(?:[\s().+\-*/%<>|&^~!?:=,]|0[xX][0-9a-fA-F]+[uUlL]*|[0-9][0-9.]*[uUlLfF]*)*$"
)

# Used only when the tree has no function-like definition for these helpers (older models
# or a stand-in extractor): helper -> (params, body).
_FALLBACK_FUNCTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "MACHINE_TYPE_NAME": (("m",), "m TYPE_MACHINE_SUFFIX"),
    "ACCEL_CLASS_NAME": (("a",), "a ACCEL_CLASS_SUFFIX"),
}


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # str | id | num | op | chr
    text: str


@dataclass(frozen=True, slots=True)
class _FnDef:
    params: tuple[str, ...]
    variadic: bool
    body: str
    path: str


def tokenize(text: str) -> tuple[_Tok, ...] | None:
    """C tokens of a macro body or expression; None when it contains something unlexable."""
    out: list[_Tok] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            return None
        pos = m.end()
        kind = m.lastgroup or "op"
        if kind == "ws":
            continue
        out.append(_Tok(kind, m.group()))
    return tuple(out)


def _literal(tok: str) -> str:
    start = tok.index('"')
    inner = tok[start + 1 : -1]
    if "\\" not in inner:
        return inner
    return re.sub(r"\\(.)", r"\1", inner)


def _split_fn_name(name: str) -> tuple[str, tuple[str, ...], bool] | None:
    base, _, rest = name.partition("(")
    base = base.strip()
    if not rest.endswith(")") or not base.isidentifier():
        return None
    params = tuple(p.strip() for p in rest[:-1].split(",") if p.strip())
    variadic = bool(params) and params[-1].endswith("...")
    if variadic:
        last = params[-1][:-3].strip() or "__VA_ARGS__"
        params = (*params[:-1], last)
    return base, params, variadic


# Public names for bot.model.tree (which files change the table) and bot.index (storage).
NEVER_STRING = _NEVER_STRING
split_fn_name = _split_fn_name


def _is_header(path: str) -> bool:
    return not path.endswith(".c")


def fn_state(defs: Iterable[_FnDef]) -> tuple[tuple[Any, ...], ...]:
    """Plain tuples of function-like macro definitions (inverse of fn_defs)."""
    return tuple((f.params, f.variadic, f.body, f.path) for f in defs)


def fn_defs(raw: Iterable[tuple[Any, ...]]) -> list[_FnDef]:
    """Function-like macro definitions from their state() tuples."""
    return [_FnDef(tuple(a), bool(b), str(c), str(e)) for a, b, c, e in raw]


class DefineTable:
    """All `#define`s of a tree, with per-file visibility and a string-macro evaluator."""

    def __init__(self, models: Mapping[str, FileModel]) -> None:
        obj: dict[str, list[tuple[str, str]]] = {}
        fns: dict[str, list[_FnDef]] = {}
        by_file: dict[str, frozenset[str]] = {}
        for path in sorted(models):
            objs, fdefs = _contribution(path, models[path])
            for name, raws in objs.items():
                obj.setdefault(name, []).extend((path, raw) for raw in raws)
            for name, defs in fdefs.items():
                fns.setdefault(name, []).extend(defs)
            if objs or fdefs:
                by_file[path] = frozenset(objs) | frozenset(fdefs)
        by_dir: dict[str, set[str]] = {}
        for path, names in by_file.items():
            if _is_header(path):
                by_dir.setdefault(posixpath.dirname(path), set()).update(names)
        self._obj = obj
        self._fns = fns
        self._by_file = by_file
        self._by_dir = {k: frozenset(v) for k, v in by_dir.items()}
        self._memo: dict[tuple[str, str | None], tuple[str, ...]] = {}
        self._fn_memo: dict[tuple[str, str | None], tuple[_FnDef, ...]] = {}
        # Every macro name an evaluation consulted (found or not), so a later swap of files
        # can tell whether it changes a name anything already resolved depended on.
        self.looked_up: set[str] = set()
        self._init_recording()

    def _init_recording(self) -> None:
        # Names consulted while computing each memo entry (a hit consults them again), and
        # the open recordings (record(): what one file's evaluations consulted).
        self._memo_deps: dict[tuple[str, str | None], frozenset[str]] = {}
        self._fn_memo_deps: dict[tuple[str, str | None], frozenset[str]] = {}
        self._rec: list[set[str]] = []

    def _note(self, name: str) -> None:
        self.looked_up.add(name)
        if self._rec:
            self._rec[-1].add(name)

    def _note_all(self, names: Iterable[str]) -> None:
        self.looked_up.update(names)
        if self._rec:
            self._rec[-1].update(names)

    def start_recording(self) -> None:
        """Start collecting every macro name the evaluations consult (memo hits included),
        until the matching stop_recording(); recordings nest."""
        self._rec.append(set())

    def stop_recording(self) -> set[str]:
        """The names consulted since the matching start_recording() (also counted in an
        enclosing recording)."""
        names = self._rec.pop()
        if self._rec:
            self._rec[-1].update(names)
        return names

    # ---- storage ---------------------------------------------------------------------------
    def state(
        self,
    ) -> tuple[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]]:
        """The table's mappings (objects, functions, by file, by dir) as they are, for
        bot.index's per-revision summaries; function values hold _FnDef (see fn_state)."""
        return (self._obj, self._fns, self._by_file, self._by_dir)

    @classmethod
    def from_state(
        cls,
        obj: Mapping[str, list[tuple[str, str]]],
        fns: Mapping[str, list[_FnDef]],
        by_file: Mapping[str, frozenset[str]],
        by_dir: Mapping[str, frozenset[str]],
        looked_up: Iterable[str] = (),
    ) -> DefineTable:
        """A table from the parts of state() (fns through fn_defs) and the names its
        evaluations consulted; the mappings may be lazily decoding ones (bot.index), they
        are only read."""
        self = cls.__new__(cls)
        self._obj = obj  # type: ignore[assignment]
        self._fns = fns  # type: ignore[assignment]
        self._by_file = by_file  # type: ignore[assignment]
        self._by_dir = by_dir  # type: ignore[assignment]
        self._memo = {}
        self._fn_memo = {}
        self.looked_up = set(looked_up)
        self._init_recording()
        return self

    def swapped(
        self, old: Mapping[str, FileModel | None], new: Mapping[str, FileModel | None]
    ) -> DefineTable | None:
        """This table with the defines of some files replaced (`old`: their models in this
        table, `new`: the replacements, None = absent), equal to a table built from scratch
        on the new set of files; None when the swap changes a macro that an evaluation of
        this table consulted and that other files can see (then everything resolved through
        this table may change, not only the swapped files)."""
        table, dirty = self.swap(old, new)
        return None if dirty else table

    def swap(
        self, old: Mapping[str, FileModel | None], new: Mapping[str, FileModel | None]
    ) -> tuple[DefineTable, frozenset[str]]:
        """(the table swapped() makes, built even when the swap changes a consulted macro;
        the names it changes: every macro whose definitions or visibility differ). What an
        evaluation of this table consulted (record(), looked_up) and these names tell which
        earlier results may no longer hold."""
        changed: set[str] = set()
        dirty = False
        obj_rm: dict[str, set[str]] = {}  # name -> paths whose definitions go
        obj_add: dict[str, list[tuple[str, str]]] = {}
        fn_rm: dict[str, set[str]] = {}
        fn_add: dict[str, list[_FnDef]] = {}
        locals_new: dict[str, frozenset[str]] = {}
        for path in sorted(set(old) | set(new)):
            o_obj, o_fns = _contribution(path, old.get(path))
            n_obj, n_fns = _contribution(path, new.get(path))
            for name in o_obj.keys() | n_obj.keys():
                n_raw = n_obj.get(name, [])
                if o_obj.get(name, []) == n_raw:
                    continue
                if name in self.looked_up and (_is_header(path) or name.endswith("_SUFFIX")):
                    dirty = True
                changed.add(name)
                obj_rm.setdefault(name, set()).add(path)
                obj_add.setdefault(name, []).extend((path, r) for r in n_raw)
            for name in o_fns.keys() | n_fns.keys():
                n_f = n_fns.get(name, [])
                if o_fns.get(name, []) == n_f:
                    continue
                if name in self.looked_up:  # .c definitions are a tree-wide fallback
                    dirty = True
                changed.add(name)
                fn_rm.setdefault(name, set()).add(path)
                fn_add.setdefault(name, []).extend(n_f)
            locals_new[path] = frozenset(n_obj) | frozenset(n_fns)
        if not changed and all(
            self._by_file.get(p, frozenset()) == v for p, v in locals_new.items()
        ):
            return self, frozenset()
        # Copies of the mappings (a lazily decoding one stays lazy: it has its own copy()).
        out = DefineTable.from_state(
            self._obj.copy(), self._fns.copy(), self._by_file.copy(), self._by_dir.copy()
        )
        out.looked_up = set(self.looked_up)
        for name, paths in obj_rm.items():
            kept = [e for e in out._obj.get(name, ()) if e[0] not in paths]
            lst = sorted(kept + obj_add[name], key=lambda e: e[0])  # stable: file order kept
            _put(out._obj, name, lst)
        for name, paths in fn_rm.items():
            kept_f = [f for f in out._fns.get(name, ()) if f.path not in paths]
            _put(out._fns, name, sorted(kept_f + fn_add[name], key=lambda f: f.path))
        dirs: set[str] = set()
        for path, names in locals_new.items():
            if self._by_file.get(path, frozenset()) == names:
                continue
            _put(out._by_file, path, names)
            if _is_header(path):
                dirs.add(posixpath.dirname(path))
        for d in dirs:
            acc: set[str] = set()
            for path in out._by_file:  # only the dir's headers are decoded
                if _is_header(path) and posixpath.dirname(path) == d:
                    acc.update(out._by_file[path])
            _put(out._by_dir, d, frozenset(acc))
        return out, frozenset(changed) if dirty else frozenset()

    # ---- lookup ---------------------------------------------------------------------------
    def _scope(self, name: str, path: str | None) -> str | None:
        """The context key under which `name` resolves from `path` (None = tree-wide)."""
        if path is None:
            return None
        if name in self._by_file.get(path, ()):
            return path
        d = posixpath.dirname(path)
        if name in self._by_dir.get(d, ()):
            return "dir:" + d
        return None

    def _bodies(self, name: str, scope: str | None, last_resort: bool) -> list[str]:
        defs = self._obj.get(name, [])
        if scope is None:
            hdr = [raw for p, raw in defs if _is_header(p)]
            hdr_inc = [raw for p, raw in defs if _is_header(p) and p.startswith("include/")]
            rest = [raw for p, raw in defs if _is_header(p) and not p.startswith("include/")]
            if hdr:
                return hdr_inc + rest
            return [raw for _, raw in defs] if last_resort else []
        if scope.startswith("dir:"):
            d = scope[4:]
            return [raw for p, raw in defs if _is_header(p) and posixpath.dirname(p) == d]
        return [raw for p, raw in defs if p == scope]

    def _functions(self, name: str, path: str | None) -> tuple[_FnDef, ...]:
        self._note(name)
        scope = self._scope(name, path)
        key = (name, scope)
        hit = self._fn_memo.get(key)
        if hit is not None:
            self._note_all(self._fn_memo_deps.get(key, ()))
            return hit
        defs = self._fns.get(name, [])
        if scope is None:
            chosen = [f for f in defs if _is_header(f.path)] or list(defs)
        elif scope.startswith("dir:"):
            d = scope[4:]
            chosen = [f for f in defs if _is_header(f.path) and posixpath.dirname(f.path) == d]
        else:
            chosen = [f for f in defs if f.path == scope]
        deps: list[str] = []
        if not chosen and name in _FALLBACK_FUNCTIONS:
            params, body = _FALLBACK_FUNCTIONS[name]
            chosen = [_FnDef(params, False, body, "")]
        elif not chosen and name.endswith("_TYPE_NAME"):
            # X86_CPU_TYPE_NAME(n) is `n X86_CPU_TYPE_SUFFIX` all over target/*/cpu-qom.h
            base = name[: -len("_TYPE_NAME")]
            for sfx in (base + "_TYPE_SUFFIX", "TYPE_" + base + "_SUFFIX"):
                self._note(sfx)
                deps.append(sfx)
                if sfx in self._obj:
                    chosen = [_FnDef(("n",), False, "n " + sfx, "")]
                    break
        out = tuple(chosen)
        self._fn_memo[key] = out
        if deps:
            self._fn_memo_deps[key] = frozenset(deps)
        return out

    def names(self) -> frozenset[str]:
        """Every object-like macro name defined somewhere."""
        return frozenset(self._obj)

    def raw(self, name: str) -> tuple[tuple[str, str], ...]:
        """(path, raw body) of every definition of `name`, in path order."""
        return tuple(self._obj.get(name, ()))

    # ---- evaluation -----------------------------------------------------------------------
    def candidates(self, name: str, path: str | None = None) -> tuple[str, ...]:
        """Every string `name` may expand to, seen from file `path` (None: anywhere)."""
        return self._expand_name(name, path, frozenset(), 0, last_resort=path is None)

    def resolve(self, name: str, path: str | None = None) -> str | None:
        """First candidate string of macro `name`, or None."""
        c = self.candidates(name, path)
        return c[0] if c else None

    def eval_expr(self, expr: str | None, path: str | None = None) -> tuple[str, ...]:
        """Candidate strings of a C expression made of literals and macros (e.g. a `.name`)."""
        if not expr:
            return ()
        toks = tokenize(expr)
        if toks is None:
            return ()
        return self._eval(toks, path, frozenset(), 0) or ()

    def _expand_name(
        self, name: str, path: str | None, active: frozenset[str], depth: int, last_resort: bool
    ) -> tuple[str, ...]:
        self._note(name)
        scope = self._scope(name, path)
        key = (name, path if scope is not None else None)
        if name in active or depth > MAX_DEPTH:
            return ()
        if not last_resort and key in self._memo:
            self._note_all(self._memo_deps.get(key, ()))
            return self._memo[key]
        self.start_recording()
        try:
            res = self._expand_bodies(name, path, scope, inner_active=active | {name},
                                      depth=depth, last_resort=last_resort)
        finally:
            deps = self.stop_recording()
        if not last_resort:
            self._memo[key] = res
            self._memo_deps[key] = frozenset(deps)
        return res

    def _expand_bodies(
        self, name: str, path: str | None, scope: str | None, *, inner_active: frozenset[str],
        depth: int, last_resort: bool,
    ) -> tuple[str, ...]:
        out: list[str] = []
        # Expansion context: a file-local definition expands in its file; a tree-wide one in
        # the tree-wide context (keeps memoisation sound).
        ctx = path if scope is not None else None
        for body in self._bodies(name, scope, last_resort):
            toks = tokenize(body)
            if toks is None:
                continue
            vals = self._eval(toks, ctx, inner_active, depth + 1)
            for v in vals or ():
                if v not in out:
                    out.append(v)
            if len(out) >= MAX_CANDIDATES:
                break
        return tuple(out[:MAX_CANDIDATES])

    def _eval(
        self, toks: tuple[_Tok, ...], path: str | None, active: frozenset[str], depth: int
    ) -> tuple[str, ...] | None:
        """Concatenate the parts of a token run; None when any part is not a string."""
        if depth > MAX_DEPTH:
            return None
        parts: list[tuple[str, ...]] = []
        i = 0
        n = len(toks)
        while i < n:
            t = toks[i]
            if t.kind == "str":
                parts.append((_literal(t.text),))
                i += 1
            elif t.kind == "op" and t.text == "(":
                j = _match_paren(toks, i)
                if j is None:
                    return None
                inner = toks[i + 1 : j]
                if any(x.kind == "op" and x.text == "," for x in _top_level(inner)):
                    return None
                sub = self._eval(inner, path, active, depth + 1)
                if not sub:
                    return None
                parts.append(sub)
                i = j + 1
            elif t.kind == "id":
                if i + 1 < n and toks[i + 1].kind == "op" and toks[i + 1].text == "(":
                    fns = () if t.text in active else self._functions(t.text, path)
                    if fns:
                        j = _match_paren(toks, i + 1)
                        if j is None:
                            return None
                        args = _split_args(toks[i + 2 : j])
                        vals: list[str] = []
                        for f in fns:
                            body = self._substitute(f, args)
                            if body is None:
                                continue
                            got = self._eval(body, path, active | {t.text}, depth + 1)
                            for v in got or ():
                                if v not in vals:
                                    vals.append(v)
                        if not vals:
                            return None
                        parts.append(tuple(vals[:MAX_CANDIDATES]))
                        i = j + 1
                        continue
                got = self._expand_name(t.text, path, active, depth + 1, last_resort=False)
                if not got:
                    return None
                parts.append(got)
                i += 1
            else:
                return None
        if not parts:
            return None
        acc: list[str] = [""]
        for p in parts:
            acc = [a + b for a in acc for b in p][:MAX_CANDIDATES]
        return tuple(dict.fromkeys(acc))

    @staticmethod
    def _substitute(f: _FnDef, args: list[tuple[_Tok, ...]]) -> tuple[_Tok, ...] | None:
        body = tokenize(f.body)
        if body is None:
            return None
        if len(args) == 1 and not args[0] and not f.params:
            args = []
        if f.variadic:
            fixed = len(f.params) - 1
            if len(args) < fixed:
                return None
            va: list[_Tok] = []
            for k, a in enumerate(args[fixed:]):
                if k:
                    va.append(_Tok("op", ","))
                va.extend(a)
            args = [*args[:fixed], tuple(va)]
        elif len(args) != len(f.params):
            return None
        binding = dict(zip(f.params, args, strict=True))
        out: list[_Tok] = []
        k = 0
        while k < len(body):
            t = body[k]
            if t.kind == "op" and t.text == "##":
                return None  # token pasting builds identifiers, never a type-name string
            if (
                t.kind == "op"
                and t.text == "#"
                and k + 1 < len(body)
                and body[k + 1].text in binding
            ):
                text = _stringify(binding[body[k + 1].text])
                out.append(_Tok("str", '"' + text.replace('"', '\\"') + '"'))
                k += 2
                continue
            if t.kind == "id" and t.text in binding:
                out.extend(binding[t.text])
            else:
                out.append(t)
            k += 1
        return tuple(out)


def _stringify(toks: tuple[_Tok, ...]) -> str:
    """`#x` of a token run: single spaces between tokens, none before `,`/`)` or after `(`."""
    out = ""
    prev = ""
    for t in toks:
        if out and t.text not in (",", ")") and prev != "(":
            out += " "
        out += t.text
        prev = t.text
    return out


def _match_paren(toks: tuple[_Tok, ...], i: int) -> int | None:
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j]
        if t.kind != "op":
            continue
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
            if depth == 0:
                return j
    return None


def _top_level(toks: Iterable[_Tok]) -> Iterable[_Tok]:
    depth = 0
    for t in toks:
        if t.kind == "op" and t.text == "(":
            depth += 1
        elif t.kind == "op" and t.text == ")":
            depth -= 1
        elif depth == 0:
            yield t


def _split_args(toks: tuple[_Tok, ...]) -> list[tuple[_Tok, ...]]:
    args: list[tuple[_Tok, ...]] = []
    cur: list[_Tok] = []
    depth = 0
    for t in toks:
        if t.kind == "op" and t.text == "(":
            depth += 1
        elif t.kind == "op" and t.text == ")":
            depth -= 1
        elif t.kind == "op" and t.text == "," and depth == 0:
            args.append(tuple(cur))
            cur = []
            continue
        cur.append(t)
    args.append(tuple(cur))
    return args


def _contribution(
    path: str, fm: FileModel | None
) -> tuple[dict[str, list[str]], dict[str, list[_FnDef]]]:
    """What one file adds to the table, by name in source order: raw bodies of object-like
    macros and definitions of function-like ones, exactly as DefineTable.__init__ keeps them."""
    objs: dict[str, list[str]] = {}
    fns: dict[str, list[_FnDef]] = {}
    if fm is None:
        return objs, fns
    skip = _NEVER_STRING.match
    for d in fm.defines:
        if "(" in d.name:
            split = _split_fn_name(d.name)
            if split is not None:
                base, params, variadic = split
                fns.setdefault(base, []).append(_FnDef(params, variadic, d.raw, path))
            continue
        raw = d.raw
        if not raw:
            if d.value is None:
                continue  # include guards and flags
            raw = '"' + d.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        elif skip(raw):
            continue  # numbers and arithmetic can never spell a type name
        objs.setdefault(d.name, []).append(raw)
    return objs, fns


def _put(m: dict[Any, Any], key: Any, value: Any) -> None:
    """Set a table entry, or drop it when there is nothing left."""
    if value:
        m[key] = value
    elif key in m:
        del m[key]
