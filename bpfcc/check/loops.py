"""Which loops the verifier can prove to terminate (kernels ≥ 5.3 verify bounded loops).

A loop is bounded when some exit compares an induction variable with a
constant: the loop condition (or one conjunct of it), or an `if (…) break;` at
the top of its body.  An induction variable is a local integer, not
address-taken, that the loop changes only by constant steps towards the bound.
A loop is bounded too when it calls an open-coded iterator's `next` kfunc
(`bpf_iter_num_next`, as libbpf's `bpf_for` does): the verifier proves those.
"""
from __future__ import annotations

from dataclasses import fields

from .. import tast

_UPWARD = {"<": "up", "<=": "up", "!=": "up", ">": "down", ">=": "down"}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "!=": "!=", "==": "=="}


def is_bounded(loop: tast.Loop) -> bool:
    if _calls_iterator_next(loop.cond) or _calls_iterator_next(loop.body):
        return True
    steps = _steps(loop)
    for var, direction in _exit_comparisons(loop):
        if var.storage in ("local", "param") and not var.attributes.get("address_taken") \
                and var.type.is_integer and steps.get(var) == {direction}:
            return True
    return False


def _calls_iterator_next(node) -> bool:
    """Whether `node` calls a kfunc named bpf_iter_<kind>_next."""
    if isinstance(node, tast.Call) and node.func.section == ".ksyms" \
            and node.func.name.startswith("bpf_iter_") and node.func.name.endswith("_next"):
        return True
    if isinstance(node, tast.LocalDecl):
        return node.var.init is not None and _calls_iterator_next(node.var.init)
    if not hasattr(node, "__dataclass_fields__"):
        return False
    for f in fields(node):
        value = getattr(node, f.name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, (tast.Expr, tast.Stmt)) and _calls_iterator_next(item):
                return True
    return False


def _exit_comparisons(loop: tast.Loop):
    """(variable, direction it must move) for each `var OP constant` that ends the loop."""
    if loop.cond is not None:
        for conjunct in _chain(loop.cond, "&&"):
            found = _bound(conjunct, continue_while=True)
            if found:
                yield found
    body = loop.body.items if isinstance(loop.body, tast.Block) else [loop.body]
    for stmt in body:
        if isinstance(stmt, tast.If) and _is_break(stmt.then) and stmt.other is None:
            for disjunct in _chain(stmt.cond, "||"):
                found = _bound(disjunct, continue_while=False)
                if found:
                    yield found


def _chain(e: tast.Expr, op: str):
    """The operands of a chain of `&&` (or `||`): conjuncts (or disjuncts)."""
    if isinstance(e, tast.Logical) and e.op == op:
        yield from _chain(e.lhs, op)
        yield from _chain(e.rhs, op)
    else:
        yield e


def _is_break(s: tast.Stmt) -> bool:
    if isinstance(s, tast.Block):
        return len(s.items) == 1 and _is_break(s.items[0])
    return isinstance(s, (tast.Break, tast.Return))


def _strip(e: tast.Expr) -> tast.Expr:
    """The variable under conversions, and under the `++`/`--` of a condition like `++i < N`."""
    while isinstance(e, (tast.Cast, tast.IncDec)):
        e = e.operand if isinstance(e, tast.Cast) else e.target
    return e


def _bound(e: tast.Expr, continue_while: bool):
    """`i < C` keeps looping while true (cond); `i >= C` leaves when true (if-break)."""
    if not isinstance(e, tast.Binary) or e.op not in _FLIP:
        return None
    lhs, rhs, op = _strip(e.lhs), _strip(e.rhs), e.op
    if isinstance(lhs, tast.Const) and isinstance(rhs, tast.Var):
        lhs, rhs, op = rhs, lhs, _FLIP[op]
    if not (isinstance(lhs, tast.Var) and isinstance(rhs, tast.Const)):
        return None
    if not continue_while:  # leave when `i >= C` ⇔ continue while `i < C`
        op = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!="}.get(op)
        if op is None:
            return None
    direction = _UPWARD.get(op)
    return (lhs.var, direction) if direction else None


def _steps(loop: tast.Loop) -> dict:
    """How each variable changes inside the loop: {"up"}, {"down"}, or "other" among them."""
    steps: dict = {}

    def note(target, kind):
        target = _strip(target)
        if isinstance(target, tast.Var):
            steps.setdefault(target.var, set()).add(kind)

    def visit(node):
        if isinstance(node, tast.IncDec):
            note(node.target, "up" if node.delta > 0 else "down")
        elif isinstance(node, tast.CompoundAssign):
            value = _strip(node.value)
            if node.op in ("+", "-") and isinstance(value, tast.Const) and value.value != 0:
                up = (value.value > 0) == (node.op == "+")
                note(node.target, "up" if up else "down")
            else:
                note(node.target, "other")
        elif isinstance(node, tast.Assign):
            note(node.target, "other")
        elif isinstance(node, tast.AsmStmt):
            for _, target in node.outputs:
                note(target, "other")
        for f in fields(node) if hasattr(node, "__dataclass_fields__") else ():
            value = getattr(node, f.name)
            if isinstance(value, (tast.Expr, tast.Stmt)):
                visit(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, (tast.Expr, tast.Stmt)):
                        visit(item)
                    elif isinstance(item, tuple):
                        for part in item:
                            if isinstance(part, (tast.Expr, tast.Stmt)):
                                visit(part)

    for part in (loop.body, loop.step, loop.cond):
        if part is not None:
            visit(part)
    return steps
