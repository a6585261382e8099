"""Text helpers used on initializer and argument text."""

from __future__ import annotations

from bot.model import cscan


def test_strip_comments_keeps_strings_and_lines() -> None:
    src = "a /* x\ny */ b \"/*s*/\" // c\nd '/'"
    out = cscan.strip_comments(src)
    assert out.count("\n") == src.count("\n") and len(out) == len(src)
    assert '"/*s*/"' in out and "x" not in out.replace("'/'", "")


def test_split_top_respects_nesting_strings_comments() -> None:
    parts = [p.strip() for _, p in cscan.split_top('a(b,c), "x,y", {1,2} /* , */, z')]
    assert parts == ["a(b,c)", '"x,y"', "{1,2} /* , */", "z"]


def test_parse_call_and_unparen() -> None:
    c = cscan.parse_call("VMSTATE_STRUCT_ARRAY(b, S, 2, 0, vmsd, Bar *)")
    assert c is not None and c.args[-1] == "Bar *" and c.has_parens
    bare = cscan.parse_call("VMSTATE_VIRTIO_DEVICE")
    assert bare is not None and not bare.has_parens and bare.args == ()
    assert cscan.parse_call("1 + 2") is None
    assert cscan.unparen("((x))") == "x" and cscan.unparen("(a)(b)") == "(a)(b)"


def test_eval_string() -> None:
    table = {"TYPE_A": "a", "TYPE_B": None}
    look = table.get
    assert cscan.eval_string('TYPE_A "-x" "y"', look) == "a-xy"
    assert cscan.eval_string('("tc27x-soc")', look) == "tc27x-soc"
    assert cscan.eval_string("TYPE_B", look) is None
    assert cscan.eval_string('"a\\"b"', look) == 'a"b'
    funcs = {"SFX": lambda a: a[0] + "-sfx"}
    assert cscan.eval_string('SFX("m")', look, funcs) == "m-sfx"
    assert cscan.eval_string("UNKNOWN(1)", look, funcs) is None
    assert cscan.eval_string("42", look) is None


def test_eval_int() -> None:
    assert cscan.eval_int("(1 << 3) + 0x10") == 24
    assert cscan.eval_int("010") == 8
    assert cscan.eval_int("4U * N", {"N": 2}.get) == 8
    assert cscan.eval_int("sizeof(x)") is None
    assert cscan.eval_int("1 << 4096") is None
    assert cscan.eval_int("7 / 0") is None


def test_designated_members_and_idents() -> None:
    ms = cscan.designated_members(' .name = "x", .a.b = 3, 5, .c == 1')
    assert [(m, v.strip()) for _, m, v in ms] == [("name", '"x"'), ("a.b", "3")]
    assert cscan.ident_or_none("&(foo)") == "foo" and cscan.ident_or_none("a + b") is None
    assert cscan.strip_casts("(const VMStateDescription *) &x") == "&x"


def test_split_args_normalises_each_argument() -> None:
    assert cscan.split_args(" a ,\n b(c, d) , \"x, y\" ") == ("a", "b(c, d)", '"x, y"')
    assert cscan.split_args("") == ("",)


def test_substitute_stringifies_pastes_and_leaves_strings_alone() -> None:
    body = '{ .name = #f, .vmsd = &vmstate_ ## f, .info = "f", .c = f }'
    out = cscan.substitute(body, ("f",), ("regs[ 2 ]",))
    # `#f` stringifies the normalised argument; `## f` pastes, never stringifies; a string
    # literal that spells the parameter is not a use of it
    assert out == '{ .name = "regs[ 2 ]", .vmsd = &vmstate_regs[ 2 ], .info = "f", .c = regs[ 2 ] }'


def test_substitute_variadic_and_missing_arguments() -> None:
    assert cscan.substitute("f(a, __VA_ARGS__)", ("a", "__VA_ARGS__"), ("1", "2", "3"), True) == (
        "f(1, 2, 3)"
    )
    assert cscan.substitute("a + b", ("a", "b"), ("1",)) == "1 + b"
