"""bpfcc's typed AST: what `check` produces and `lower` consumes.

Every expression carries its C type and a source location; every conversion
C performs implicitly is an explicit `Cast` node, so lowering never has to
know C's conversion rules.  Lvalues are `Var`, `Deref` and `Member`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .ctype import FunctionType, Type
from .diagnostics import Location


# ---- symbols -------------------------------------------------------------

@dataclass(eq=False)
class Variable:
    name: str
    type: Type
    loc: Location
    storage: str  # "local", "param", "global", "static" (file scope internal), "extern"
    section: str | None = None
    init: "Init | None" = None
    used: bool = False
    attributes: dict = field(default_factory=dict)
    readonly: bool = False  # const object with a constant initialiser
    asm_label: "AsmLabel | None" = None

    @property
    def is_global(self) -> bool:
        return self.storage in ("global", "static", "extern")

    @property
    def symbol(self) -> str:
        """The name in the object: the asm label, if the declaration gave one."""
        return self.asm_label.name if self.asm_label is not None else self.name


@dataclass(eq=False)
class Function:
    name: str
    type: FunctionType
    loc: Location
    params: list[Variable] = field(default_factory=list)
    body: "Block | None" = None
    static: bool = False
    inline: str | None = None  # "always", "never", "hint" or None
    section: str | None = None
    attributes: dict = field(default_factory=dict)
    calls: list["Call"] = field(default_factory=list)
    locals: list[Variable] = field(default_factory=list)
    end_loc: Location | None = None
    asm_label: "AsmLabel | None" = None

    @property
    def symbol(self) -> str:
        """The name in the object (or of the LLVM intrinsic it stands for)."""
        return self.asm_label.name if self.asm_label is not None else self.name

    @property
    def is_intrinsic(self) -> bool:
        """Declared `asm("llvm.…")`: a call is a call of that LLVM intrinsic (iproute2's LD_ABS loads)."""
        return self.symbol.startswith("llvm.")


@dataclass(frozen=True)
class AsmLabel:
    """GNU `asm("name")` on a declaration: the symbol's name in the object."""

    name: str
    loc: Location  # of the string: clang points a conflicting label's note there


@dataclass(eq=False)
class Helper:
    """A BPF helper: `static long (* const bpf_x)(...) = (void *) N;`."""

    name: str
    id: int
    type: FunctionType
    loc: Location


# ---- expressions -----------------------------------------------------------

@dataclass(eq=False)
class Expr:
    type: Type
    loc: Location


@dataclass(eq=False)
class Const(Expr):
    value: int


@dataclass(eq=False)
class StringLit(Expr):
    data: bytes  # without the terminating NUL; the array type says how many bytes


@dataclass(eq=False)
class Var(Expr):
    var: Variable


@dataclass(eq=False)
class FuncRef(Expr):
    func: Function


@dataclass(eq=False)
class Unary(Expr):
    op: str  # "-", "~", "!"
    operand: Expr


@dataclass(eq=False)
class Binary(Expr):
    op: str  # arithmetic, bitwise, shifts and comparisons; operands already converted
    lhs: Expr
    rhs: Expr


@dataclass(eq=False)
class PtrAdd(Expr):
    ptr: Expr
    index: Expr  # signed long; scaled by the pointee size during lowering
    subscript: bool = False  # written `ptr[index]` (CO-RE relocates subscripts, not sums)


@dataclass(eq=False)
class PtrDiff(Expr):
    lhs: Expr
    rhs: Expr
    elem_size: int


@dataclass(eq=False)
class Logical(Expr):
    op: str  # "&&", "||"
    lhs: Expr
    rhs: Expr


@dataclass(eq=False)
class Cond(Expr):
    cond: Expr
    then: Expr
    other: Expr


@dataclass(eq=False)
class Cast(Expr):
    operand: Expr


@dataclass(eq=False)
class Assign(Expr):
    target: Expr
    value: Expr


@dataclass(eq=False)
class CompoundAssign(Expr):
    """`target op= value`: target is read, converted to `op_type`, combined, converted back."""

    op: str
    target: Expr
    value: Expr
    op_type: Type
    pointer: bool = False  # pointer += / -= integer


@dataclass(eq=False)
class IncDec(Expr):
    target: Expr
    delta: int  # +1 or -1
    prefix: bool


@dataclass(eq=False)
class Deref(Expr):
    ptr: Expr


@dataclass(eq=False)
class AddrOf(Expr):
    operand: Expr


@dataclass(eq=False)
class Member(Expr):
    base: Expr  # an lvalue (or struct rvalue) of struct/union type
    offset: int  # bytes from the base
    bit_offset: int = 0
    bit_width: int | None = None
    path: tuple = ()  # the ctype.Members reached through, anonymous ones first (CO-RE names each)


@dataclass(eq=False)
class Call(Expr):
    func: Function
    args: list[Expr]


@dataclass(eq=False)
class HelperCall(Expr):
    helper: Helper
    args: list[Expr]


@dataclass(eq=False)
class Builtin(Expr):
    name: str
    args: list[Expr]


@dataclass(eq=False)
class Comma(Expr):
    lhs: Expr
    rhs: Expr


@dataclass(eq=False)
class StmtExpr(Expr):
    body: "Block"
    value: Expr | None  # the last expression statement, or None for void


@dataclass(eq=False)
class CompoundLiteral(Expr):
    var: Variable  # an unnamed local (or global at file scope) with its initialiser


# ---- initialisers ----------------------------------------------------------

@dataclass(eq=False)
class InitList:
    """An aggregate initialiser: elements by index (arrays) or member position (structs)."""

    type: Type
    loc: Location
    items: dict[int, "Init"] = field(default_factory=dict)


Init = Expr | InitList


# ---- statements ------------------------------------------------------------

@dataclass(eq=False)
class Stmt:
    loc: Location


@dataclass(eq=False)
class Block(Stmt):
    items: list[Stmt]


@dataclass(eq=False)
class LocalDecl(Stmt):
    var: Variable


@dataclass(eq=False)
class ExprStmt(Stmt):
    expr: Expr


@dataclass(eq=False)
class If(Stmt):
    cond: Expr
    then: Stmt
    other: Stmt | None


@dataclass(eq=False)
class Loop(Stmt):
    """while, do-while and for, with the unroll request that precedes it."""

    kind: str  # "while", "do", "for"
    init: Stmt | None
    cond: Expr | None
    step: Expr | None
    body: Stmt
    unroll: int | str | None = None  # "full", "enable", a count, "disable" or None
    bounded: bool = False  # an exit compares an induction variable with a constant (check.loops)


@dataclass(eq=False)
class Return(Stmt):
    value: Expr | None


@dataclass(eq=False)
class Break(Stmt):
    pass


@dataclass(eq=False)
class Continue(Stmt):
    pass


@dataclass(eq=False)
class Goto(Stmt):
    label: str


@dataclass(eq=False)
class Label(Stmt):
    name: str
    stmt: Stmt


@dataclass(eq=False)
class Switch(Stmt):
    expr: Expr
    body: Stmt
    cases: list["Case"] = field(default_factory=list)
    default: "Case | None" = None


@dataclass(eq=False)
class Case(Stmt):
    low: int | None  # None for default
    high: int | None
    stmt: Stmt


@dataclass(eq=False)
class AsmStmt(Stmt):
    template: str
    outputs: list[tuple[str, Expr]]
    inputs: list[tuple[str, Expr]]
    clobbers: list[str]
    volatile: bool


@dataclass(eq=False)
class Empty(Stmt):
    pass


# ---- the translation unit --------------------------------------------------

@dataclass(eq=False)
class Program:
    filename: str
    globals: list[Variable] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    helpers: list[Helper] = field(default_factory=list)
