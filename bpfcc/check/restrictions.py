"""BPF rules that need the whole translation unit: no recursion, no calls to (or
addresses of) functions that are declared but never defined (BPF objects are not linked),
no address of a function that stands for an LLVM intrinsic."""
from __future__ import annotations

from collections.abc import Iterable

from .. import tast
from ..diagnostics import Diagnostics

_DEFINE_IT = "define it in this file (static inline), or declare a kfunc with __ksym"


def check_program_restrictions(program: tast.Program, diags: Diagnostics, function_refs: Iterable[tast.FuncRef]) -> None:
    for func in program.functions:
        for call in func.calls:
            if _external(call.func):
                diags.error(f"function '{call.func.name}' is declared but not defined; BPF programs cannot call external functions",
                            call.loc, _DEFINE_IT)
    # An initialiser may be checked twice (first as a possible helper declaration): one report each.
    for ref in {(ref.loc, ref.func.symbol): ref for ref in function_refs}.values():
        if ref.func.is_intrinsic:
            diags.error(f"cannot take the address of LLVM intrinsic '{ref.func.symbol}'", ref.loc,
                        f"'{ref.func.name}' can only be called")
        elif _external(ref.func):
            diags.error(f"function '{ref.func.name}' is declared but not defined; BPF programs cannot refer to external functions",
                        ref.loc, _DEFINE_IT)
    _check_recursion(program, diags)


def _external(func: tast.Function) -> bool:
    return func.body is None and func.section != ".ksyms" and not func.is_intrinsic


def _check_recursion(program: tast.Program, diags: Diagnostics) -> None:
    """Report each call that closes a cycle in the call graph, once."""
    state: dict[tast.Function, str] = {}
    reported: set[int] = set()

    def visit(func: tast.Function, stack: list[tast.Function]) -> None:
        state[func] = "active"
        stack.append(func)
        for call in func.calls:
            callee = call.func
            if state.get(callee) == "active":
                if id(call) not in reported:
                    reported.add(id(call))
                    cycle = stack[stack.index(callee):] + [callee]
                    chain = " -> ".join(f.name for f in cycle)
                    what = "recursive call" if callee is func else "mutually recursive call"
                    diags.error(f"{what} to '{callee.name}' ({chain}); BPF programs cannot recurse", call.loc,
                                "the verifier needs a bounded call depth: rewrite the recursion as a bounded loop")
            elif callee not in state:
                visit(callee, stack)
        stack.pop()
        state[func] = "done"

    for func in program.functions:
        if func not in state:
            visit(func, [])
