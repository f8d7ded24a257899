"""Check: pycparser AST → typed AST (`tast`), with C's rules and the BPF dialect's.

Declarations, expressions, statements and initialisers each have a module; the
`Checker` class here joins them and holds the per-compile state (scopes, the
current function).  BPF-wide rules that need the whole program (recursion,
helpers) live in `restrictions`.
"""
from __future__ import annotations

from pycparser import c_ast
from pycparser.c_parser import Coord

from .. import ctype, tast
from ..diagnostics import CompileError, Diagnostics, Location
from ..options import Options
from .declarations import DeclarationChecker
from .expressions import ExpressionChecker
from .initializers import InitializerChecker
from .maps import MapChecker
from .restrictions import check_program_restrictions
from .statements import StatementChecker


class Scope:
    def __init__(self, parent: "Scope | None" = None) -> None:
        self.parent = parent
        self.names: dict[str, object] = {}  # Variable, Function, Helper, tast.Const (enumerator) or ctype.Typedef
        self.tags: dict[str, object] = {}  # StructDef, or an IntType for enums
        self.labels: dict[str, str] = {}  # GNU local label (`__label__ x;`) → its name unique in the function

    def lookup(self, name: str):
        return self._innermost("names", name, None)

    def lookup_tag(self, name: str):
        return self._innermost("tags", name, None)

    def label_name(self, name: str) -> str:
        """The label `name` means here: the innermost local label so named, else the function's."""
        return self._innermost("labels", name, name)

    def _innermost(self, table: str, name: str, default):
        """`name` in the innermost enclosing scope's `table` that has it."""
        scope = self
        while scope is not None:
            entries = getattr(scope, table)
            if name in entries:
                return entries[name]
            scope = scope.parent
        return default


class KernelNames(dict):
    """A file-scope namespace (ordinary names, or tags) that finds what the program has not
    declared among the kernel's types, as if vmlinux.h had declared them there: vmlinux.h made
    from BTF (kernel_btf).  A name found is kept, so redefining it is an error, as in C."""

    def __init__(self, own: dict, lookup) -> None:
        super().__init__(own)
        self.lookup = lookup  # name → what the kernel's types declare by that name, or None

    def _found(self, name: str) -> bool:
        if dict.__contains__(self, name):
            return True
        found = self.lookup(name)
        if found is not None:
            self[name] = found
        return found is not None

    def __contains__(self, name) -> bool:
        return self._found(name)

    def __getitem__(self, name):
        self._found(name)
        return dict.__getitem__(self, name)

    def get(self, name, default=None):
        return dict.get(self, name) if self._found(name) else default


class Checker(DeclarationChecker, ExpressionChecker, StatementChecker, InitializerChecker, MapChecker):
    def __init__(self, options: Options, diags: Diagnostics, filename: str) -> None:
        self.options = options
        self.diags = diags
        self.program = tast.Program(filename)
        self.scope = Scope()
        # clang's predefined `__builtin_va_list` is `void *` on BPF (<stdarg.h>, vmlinux.h use it).
        self.scope.names["__builtin_va_list"] = ctype.Typedef("__builtin_va_list", ctype.pointer(ctype.VOID))
        self.function: tast.Function | None = None
        self.loop_depth = 0
        self.switches: list[tast.Switch] = []
        self.labels: dict[str, Location] = {}
        self.gotos: list[tuple[str, Location]] = []  # (label, where a goto names it)
        # The current function's local labels: unique name → (name as written, where declared).
        self.local_labels: dict[str, tuple[str, Location]] = {}
        # An unroll pragma waiting for its loop: (pragma text, location, unroll request).
        self.pending_unroll: tuple[str, Location, int | str] | None = None
        self.anon_counter = 0
        # Functions used as values (`&f`, `f` decaying): each must be defined, like a called one.
        self.function_refs: list[tast.FuncRef] = []
        # Struct bodies checked so far, by AST node: the declarators of one declaration share its body.
        self.struct_bodies: dict[int, tuple[c_ast.Node, ctype.StructDef]] = {}
        self.map_being_defined: str | None = None  # name of the `.maps` variable being declared
        self.constant_required = 0  # inside an integer constant expression or static initialiser
        # Open `#pragma clang attribute push` regions: (attribute names for records, where pushed).
        self.pushed_attributes: list[tuple[tuple[str, ...], Location]] = []

    # ---- locations and errors -------------------------------------------

    def loc(self, node) -> Location:
        """The location of a node, or of a pycparser Coord."""
        coord = node if isinstance(node, Coord) else getattr(node, "coord", None)
        if coord is None or isinstance(coord, str):
            return self.last_loc
        loc = Location(coord.file or self.program.filename, coord.line, coord.column or 1, getattr(coord, "offset", None))
        self.last_loc = self.diags.last_location = loc
        return loc

    last_loc = Location("<input>", 1, 1)

    def error(self, message: str, node_or_loc, hint: str | None = None) -> CompileError:
        """Report an error; returns the exception that abandons the current construct."""
        loc = node_or_loc if isinstance(node_or_loc, Location) else self.loc(node_or_loc)
        return self.diags.fatal(message, loc, hint)

    def warn(self, message: str, node_or_loc, hint: str | None = None, group: str | None = None) -> None:
        """A warning; with its clang `group` (diagnostics.WARNING_GROUPS), -W flags and pragmas decide."""
        loc = node_or_loc if isinstance(node_or_loc, Location) else self.loc(node_or_loc)
        self.diags.warning(message, loc, hint, group)

    # ---- scopes ------------------------------------------------------------

    def push_scope(self) -> None:
        self.scope = Scope(self.scope)

    def pop_scope(self) -> None:
        self.scope = self.scope.parent

    def use_kernel_types(self, types) -> None:
        """From here on, file-scope names the program has not declared are the kernel's
        (vmlinux.h from BTF): its typedefs and enumerators, its struct, union and enum tags."""
        def name(word: str):
            typedef = types.typedef(word)
            if typedef is not None:
                return typedef
            value = types.enumerator(word)
            if value is None:
                return None
            return tast.Const(ctype.INT if ctype.INT.min <= value <= ctype.INT.max else ctype.LONG, self.last_loc, value)

        root = self.scope
        while root.parent is not None:
            root = root.parent
        for declared in root.tags.values():  # `struct task_struct;` before vmlinux.h: now completed
            if isinstance(declared, ctype.StructDef) and declared.members is None and declared.tag:
                types.adopt(declared)
        root.names = KernelNames(root.names, name)
        root.tags = KernelNames(root.tags, types.tag)

    # ---- the translation unit ----------------------------------------------

    def check_unit(self, unit: c_ast.FileAST) -> tast.Program:
        for ext in unit.ext:
            try:
                self.check_external(ext)
            except CompileError:
                continue  # reported; keep going to find more errors
        self.check_attribute_pragmas_closed()
        self.check_maps()
        if not self.diags.has_errors:
            check_program_restrictions(self.program, self.diags, self.function_refs)
        return self.program

    def check_external(self, ext) -> None:
        if isinstance(ext, c_ast.FuncDef):
            self.check_function_definition(ext)
        elif isinstance(ext, (c_ast.Decl, c_ast.Typedef)):
            with self.map_definition(ext):
                self.check_file_scope_declaration(ext)
        elif isinstance(ext, c_ast.StaticAssert):
            self.check_static_assert(ext)
        elif isinstance(ext, c_ast.Pragma):
            self.check_file_scope_pragma(ext)
        elif isinstance(ext, c_ast.AttributeDeclaration):
            pass
        else:
            raise self.error(f"unsupported top-level construct '{type(ext).__name__}'", ext)


def check(unit: c_ast.FileAST, options: Options, diags: Diagnostics, filename: str = "<input>") -> tast.Program:
    return Checker(options, diags, filename).check_unit(unit)
