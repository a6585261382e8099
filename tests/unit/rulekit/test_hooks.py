"""bot.rulekit.hooks: what a changed hook body does differently, in words and in weight."""

from __future__ import annotations

from bot.model.entities import HookBody
from bot.rulekit.hooks import action_calls, describe, gating_member, only_macro_renames


def body(text: str, calls: tuple[str, ...] = (), writes: tuple[str, ...] = (),
         returns: tuple[str, ...] = ()) -> HookBody:
    """A HookBody with this normalised text."""
    return HookBody("f", 1, 9, False, str(hash(text)), calls, writes, returns, text)


def test_describe_names_calls_writes_and_returns() -> None:
    old = body("{ a ( $v ) ; return 0 ; }", calls=("a",), returns=("0",))
    new = body("{ a ( $v ) ; b ( $v ) ; $v -> x = 1 ; return 0 ; }", calls=("a", "b"),
               writes=("$v->x",), returns=("0",))
    assert describe(old, new) == "now calls b(); now writes ->x"
    r_old = body("{ return $v -> n != 0 ; }", returns=("$v -> n != 0",))
    r_new = body("{ return $v -> n != 0 || $v -> p ; }", returns=("$v -> n != 0 || $v -> p",))
    assert describe(r_old, r_new) == "returns `s->n != 0 || s->p` instead of `s->n != 0`"


def test_describe_shows_the_first_difference_of_a_condition_change() -> None:
    old = body("{ $v -> x = 1 ; return 0 ; }", writes=("$v->x",), returns=("0",))
    new = body("{ if ( $v -> on ) { $v -> x = 1 ; } return 0 ; }", writes=("$v->x",),
               returns=("0",))
    assert describe(old, new) == "its logic changed (added `if (s->on)`)"


def test_action_calls_leave_out_predicates_that_only_feed_a_condition() -> None:
    b = body("{ if ( foo_enabled ( $v ) && ! is_busy ( $v ) ) { $v -> t = ticks ( $v ) ; }"
             " if ( ! do_set_scanout ( $v ) ) { return - EINVAL ; }"
             " update ( $v ) ; return $v -> cls -> post_load ( $v , $1 ) ; }")
    assert action_calls(b) == {"ticks", "do_set_scanout", "update", "->post_load"}


def test_gating_member_finds_properties_and_compat_flags() -> None:
    old = body("{ $v -> off = calc ( $v ) ; }")
    by_prop = body("{ if ( ! $v -> offset_saved ) { $v -> off = calc ( $v ) ; } }")
    by_flag = body("{ if ( $v -> pre_2_8_migration ) { $v -> off = calc ( $v ) ; } }")
    by_state = body("{ if ( $v -> running ) { $v -> off = calc ( $v ) ; } }")
    assert gating_member(old, by_prop, {"offset_saved"}) == "offset_saved"
    assert gating_member(old, by_flag, set()) == "pre_2_8_migration"
    assert gating_member(old, by_state, {"offset_saved"}) is None


def test_only_macro_renames() -> None:
    old = body("{ return $v -> r . XMM_Q ( 4 ) != 0 ; }")
    assert only_macro_renames(old, body("{ return $v -> r . ZMM_Q ( 4 ) != 0 ; }"))
    assert not only_macro_renames(old, body("{ return $v -> r . XMM_Q ( 5 ) != 0 ; }"))
    assert not only_macro_renames(old, body("{ return $v -> q . XMM_Q ( 4 ) != 0 ; }"))
