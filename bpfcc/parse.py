"""Parse: preprocessed C text → pycparser AST, GNU C included.

pycparser 3 (dialect "c23") parses standard attributes, statement expressions
and `typeof`.  GNU spellings that BPF code and its headers use are carried to
the same AST nodes:

* `__attribute__((a, b(x)))` becomes the standard `[[a, b(x)]]`; the checker
  reads attributes without caring which syntax wrote them.
* `__signed__`, `__inline__`, `__volatile__`, `__restrict`, `__typeof__`,
  `__alignof__`, `__builtin_offsetof`, `__asm__` are the keywords they alias;
  `__auto_type` is C23's inferring `auto`.
* `__extension__` only silences -pedantic warnings in GCC; it has no meaning
  and is removed.

The rewrite keeps every token at its line and column (replacements are padded
with spaces), so diagnostics point into the user's source.  The parser subclass
adds what has no standard spelling: `asm` statements, asm labels (`int f(void)
asm("sym");`, kept on a `LabelledDecl`), attributes in the middle
of declaration specifiers (`static __always_inline int f()`), designator
ranges `[0 ... 3]`, case ranges `case 1 ... 3:`, local labels `__label__ a;`
and `__builtin_types_compatible_p(type, type)`.  It also keeps the places
clang reports at: an unknown type name (`foo_t x;`), an assignment's or a binary operator,
a goto's label, where an unnamed parameter's name would be.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pycparser import c_ast
from pycparser.c_lexer import CLexer, Token
from pycparser.c_parser import _BINARY_PRECEDENCE, Coord, CParser, ParseError

from . import literals
from .kernel_btf import PRAGMA as KERNEL_TYPES_PRAGMA
from .diagnostics import CompileError, Diagnostics, Location

_KEYWORD_ALIASES = {
    "__signed__": "signed", "__signed": "signed",
    "__inline__": "inline", "__inline": "inline",
    "__volatile__": "volatile", "__volatile": "volatile",
    "__const__": "const", "__const": "const",
    "__restrict__": "restrict", "__restrict": "restrict",
    "__typeof__": "typeof", "__typeof": "typeof",
    "__alignof__": "_Alignof", "__alignof": "_Alignof",
    "__builtin_offsetof": "offsetof",
    "__auto_type": "auto",  # C23 `auto x = e;` infers x's type from e, as __auto_type does
    "__asm__": "asm", "__asm": "asm",
    "__extension__": "",
}

# Strings and character constants are matched whole so that nothing inside them is rewritten.
_TOKEN = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|\b__attribute(?:__)?\b|\b__\w+\b')


# `GCC|clang diagnostic` pragmas only switch warnings on and off (libbpf's SEC() wraps its
# attribute in them); the preprocessor has recorded where (Diagnostics.pragma).  They are
# blanked, keeping columns, so that they do not split declarations or expressions.
_DIAGNOSTIC_PRAGMA = re.compile(r'_Pragma\s*\(\s*"((?:GCC|clang)\s+diagnostic(?:\\.|[^"\\])*)"\s*\)'
                                r'|^[ \t]*#[ \t]*pragma[ \t]+((?:GCC|clang)[ \t]+diagnostic[^\n]*)', re.M)
_DIAGNOSTIC_ACTION = re.compile(r'(?:GCC|clang)\s+diagnostic\s+(push|pop|ignored|warning|error|fatal)\b\s*(?:"-W([^"]*)")?')


def record_diagnostic_pragmas(text: str, diags: Diagnostics, base: int = 0) -> None:
    """Give `diags` each `GCC|clang diagnostic` pragma with its offset in `text` (after `base`
    characters parsed before it): a diagnostic whose token lies after it is judged by it (clang's
    pragma regions, macro expansions included)."""
    for m in _DIAGNOSTIC_PRAGMA.finditer(text):
        pragma = m[1].replace('\\"', '"').replace("\\\\", "\\") if m[1] is not None else m[2]
        if action := _DIAGNOSTIC_ACTION.match(pragma):
            diags.pragma(base + m.start(), action[1], action[2])


def gnu_normalise(text: str) -> str:
    """Rewrite GNU spellings into the standard ones pycparser reads, column for column."""
    text = _DIAGNOSTIC_PRAGMA.sub(lambda m: " " * len(m.group()), text)
    out: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        word = m.group()
        if word[0] in "\"'" or m.start() < pos:  # a literal, or inside an attribute already rewritten
            continue
        if word.startswith("__attribute"):
            end = _attribute_end(text, m.end())
            if end is None:
                continue
            out.append(text[pos:m.start()])
            out.append(_as_standard_attribute(text[m.start():end]))
            pos = end
        elif word in _KEYWORD_ALIASES:
            out.append(text[pos:m.start()])
            out.append(_KEYWORD_ALIASES[word].ljust(len(word)))
            pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _attribute_end(text: str, start: int) -> int | None:
    """End of `((…))` following `__attribute__` at `start`, or None if it is not there."""
    i = start
    while i < len(text) and text[i] in " \t\n":
        i += 1
    if not text.startswith("((", i):
        return None
    depth = 0
    while i < len(text):
        c = text[i]
        if c in "\"'":
            close = re.compile(r'"(?:\\.|[^"\\\n])*"' if c == '"' else r"'(?:\\.|[^'\\\n])*'").match(text, i)
            i = close.end() if close else i + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _as_standard_attribute(spelling: str) -> str:
    """`__attribute__ ((x))` → `[[x]]`, padded to the same width with the same newlines."""
    start = spelling.index("((")
    head = "".join("\n" if c == "\n" else " " for c in spelling[:start])
    return head + "[[" + gnu_normalise(spelling[start + 2:-2]) + "]]"


class Asm(c_ast.Node):
    """A GNU `asm [volatile] [goto] ("template" : outputs : inputs : clobbers)` statement."""

    __slots__ = ("template", "outputs", "inputs", "clobbers", "volatile", "coord", "__weakref__")
    attr_names = ("template", "volatile", "clobbers")

    def __init__(self, template, outputs, inputs, clobbers, volatile, coord=None):
        self.template = template  # str
        self.outputs = outputs  # list[(constraint str, expr)]
        self.inputs = inputs
        self.clobbers = clobbers  # list[str]
        self.volatile = volatile
        self.coord = coord

    def children(self):
        return tuple((f"operand[{i}]", e) for i, (_, e) in enumerate(self.outputs + self.inputs))


class AsmLabel(c_ast.Node):
    """GNU `asm("name")` after a declarator: the symbol (or LLVM intrinsic) the declared name stands for."""

    __slots__ = ("name", "coord", "__weakref__")
    attr_names = ("name",)

    def __init__(self, name, coord=None):
        self.name = name  # str
        self.coord = coord  # of the string literal: clang reports conflicts there

    def children(self):
        return ()


class LabelledDecl(c_ast.Decl):
    """A declaration whose declarator carries an asm label."""

    __slots__ = ("asm_label",)

    def __init__(self, decl: c_ast.Decl, asm_label: AsmLabel):
        super().__init__(decl.name, decl.quals, decl.align, decl.storage, decl.funcspec, decl.type, decl.init,
                         decl.bitsize, decl.coord, attributes=decl.attributes)
        self.asm_label = asm_label

    def children(self):
        return super().children() + (("asm_label", self.asm_label),)


class RangeDesignator(c_ast.Node):
    """GNU `[first ... last] =` in an initialiser."""

    __slots__ = ("first", "last", "coord", "__weakref__")
    attr_names = ()

    def __init__(self, first, last, coord=None):
        self.first, self.last, self.coord = first, last, coord

    def children(self):
        return (("first", self.first), ("last", self.last))


class CaseRange(c_ast.Node):
    """GNU `case first ... last:`."""

    __slots__ = ("first", "last", "stmts", "coord", "__weakref__")
    attr_names = ()

    def __init__(self, first, last, stmts, coord=None):
        self.first, self.last, self.stmts, self.coord = first, last, stmts, coord

    def children(self):
        return (("first", self.first), ("last", self.last)) + tuple((f"stmts[{i}]", s) for i, s in enumerate(self.stmts))


class LocalLabels(c_ast.Node):
    """GNU `__label__ a, b;`: labels local to the enclosing block (and statement expression)."""

    __slots__ = ("names", "coord", "__weakref__")
    attr_names = ()

    def __init__(self, names, coord=None):
        self.names = names  # list[c_ast.ID]
        self.coord = coord

    def children(self):
        return tuple((f"names[{i}]", n) for i, n in enumerate(self.names))


class Goto(c_ast.Goto):
    """`goto name;` that also knows where the name is written: clang reports an unknown label there."""

    __slots__ = ("label",)

    def __init__(self, name, coord=None, label=None):
        super().__init__(name, coord)
        self.label = label  # c_ast.ID


class Assignment(c_ast.Assignment):
    """An assignment that also knows where its operator is: clang reports there (and its debug
    location is there), while `coord` stays the start of the expression, as for every node."""

    __slots__ = ("op_coord",)

    def __init__(self, op, lvalue, rvalue, coord=None, op_coord=None):
        super().__init__(op, lvalue, rvalue, coord)
        self.op_coord = op_coord


class BinaryOp(c_ast.BinaryOp):
    """A binary operation that also knows where its operator is, as Assignment does: clang reports
    invalid operands, division by zero, bad shift counts and odd comparisons there."""

    __slots__ = ("op_coord",)

    def __init__(self, op, left, right, coord=None, op_coord=None):
        super().__init__(op, left, right, coord)
        self.op_coord = op_coord


# C23 keywords that clang's default C (gnu17) reads as identifiers: headers use them so
# (vmlinux.h has `typedef _Bool bool;` and `enum { false = 0, true = 1 };`).
_C23_ONLY_KEYWORDS = ("bool", "true", "false", "nullptr", "constexpr", "alignas", "alignof", "static_assert",
                      "thread_local")


@dataclass(slots=True)
class _Token(Token):
    offset: int = 0  # in the parsed text


@dataclass(slots=True)
class OffsetCoord(Coord):
    """A node's place, with its offset in the parsed text (diagnostics.Location.offset)."""

    offset: int | None = None


class _Lexer(CLexer):
    base = 0  # characters parsed before this text (a Continuation's)

    def _make_token(self, tok_type: str, value: str, pos: int) -> Token:
        tok = super()._make_token(tok_type, value, pos)
        return _Token(tok.type, tok.value, tok.lineno, tok.column, tok.filename, self.base + pos)


@dataclass
class Continuation:
    """What parsing the preprocessed text of a source's leading directives (preprocess.Prefix)
    left: the text after it is parsed as if it had followed."""

    ext: list  # the declarations
    scope: dict[str, bool]  # file scope: name → whether a type name
    kernel_typedefs: frozenset[str]
    length: int  # of the text: offsets in what follows go on from here
    pragmas: list[tuple[int, str, str | None]]  # its diagnostic pragmas (Diagnostics.pragmas)


class KernelTypesPragma(c_ast.Pragma):
    """Where vmlinux.h, made from the kernel's BTF, was included: its types are declared from here on."""

    __slots__ = ("types",)

    def __init__(self, string, coord=None, types=None):
        super().__init__(string, coord)
        self.types = types  # kernel_btf.KernelTypes


class GnuCParser(CParser):
    def __init__(self, kernel_types=None, after: Continuation | None = None) -> None:
        super().__init__(dialect="c23", lexer=_Lexer)
        for word in _C23_ONLY_KEYWORDS:
            del self.clex._keyword_map[word]
        self._kernel_types = kernel_types  # from the preprocessor, when vmlinux.h came from BTF
        self._kernel_typedefs: frozenset[str] = frozenset()  # their names, once the pragma is passed
        self._after = after
        if after is not None:
            self.clex.base = after.length
            self._kernel_typedefs = after.kernel_typedefs
        # Declarator → (asm label, attributes after it), until its declaration is built.
        self._asm_labels: dict[int, tuple[AsmLabel, list]] = {}
        self._asm_label_end: Coord | None = None  # just after the last label's `)`, where clang wants a `;`

    def _is_type_in_scope(self, name):
        for scope in reversed(self._scope_stack):
            if name in scope:
                return scope[name]
        return name in self._kernel_typedefs

    def _parse_pppragma_directive(self):
        pragma = super()._parse_pppragma_directive()
        if pragma.string == KERNEL_TYPES_PRAGMA and self._kernel_types is not None and len(self._scope_stack) == 1:
            self._kernel_typedefs = self._kernel_types.typedef_names
            self._typedef_checked_token = None
            return KernelTypesPragma(pragma.string, pragma.coord, self._kernel_types)
        return pragma

    def _parse_translation_unit_or_empty(self):
        # clang's predefined type name, which <stdarg.h> and vmlinux.h build `va_list` on.
        self._add_typedef_name("__builtin_va_list", None)
        if self._after is not None:
            self._scope_stack[0].update(self._after.scope)
        return super()._parse_translation_unit_or_empty()

    def _starts_declaration(self, tok=None):
        if super()._starts_declaration(tok):
            return True
        # Two identifiers in a row (`foo_t x`) can only begin a declaration whose type name is
        # unknown; parsing it as one lets the specifiers report that, where clang does.
        return (tok is None or tok is self._peek()) and self._peek_type() == "ID" and self._peek_type(2) == "ID"

    def _parse_specifiers(self, *, allow_storage_and_function):
        spec, saw_type, first = super()._parse_specifiers(allow_storage_and_function=allow_storage_and_function)
        # GNU lets attributes sit between specifiers; the base parser stops at
        # them, so keep going and keep them as attributes of the declaration.
        while spec is not None and spec["type_attributes"] and self._starts_specifier():
            more, more_type, _ = super()._parse_specifiers(allow_storage_and_function=allow_storage_and_function)
            if more is None:
                break
            spec.setdefault("decl_attributes", []).extend(spec["type_attributes"])
            for key in ("qual", "storage", "type", "function", "alignment"):
                spec[key] = spec[key] + more[key]
            spec["type_attributes"] = more["type_attributes"]
            saw_type = saw_type or more_type
        tok = self._peek()
        if not saw_type and tok is not None and tok.type == "ID" and self._peek_type(2) == "ID":
            self._parse_error(f"unknown type name '{tok.value}'", self._tok_coord(tok))
        return spec, saw_type, first

    def _parse_specifier_qualifier_list(self):
        # Only a type can be here (a type name, a member): an identifier is an unknown type.
        tok = self._peek()
        if tok is not None and tok.type == "ID":
            self._parse_error(f"unknown type name '{tok.value}'", self._tok_coord(tok))
        return super()._parse_specifier_qualifier_list()

    def _parse_conditional_expression(self):
        # GNU `x ?: y`: the middle operand may be left out (x is evaluated once).
        expr = self._parse_binary_expression()
        if self._accept("CONDOP"):
            iftrue = None if self._peek_type() == "COLON" else self._parse_expression()
            self._expect("COLON")
            return c_ast.TernaryOp(expr, iftrue, self._parse_conditional_expression(), expr.coord)
        return expr

    def _parse_unary_expression(self):
        # pycparser gives a prefix operator its operand's position; clang (and
        # the user) point at the operator.
        tok = self._peek()
        expr = super()._parse_unary_expression()
        if isinstance(expr, c_ast.UnaryOp) and tok is not None and tok.value == expr.op:
            expr.coord = self._tok_coord(tok)
        return expr

    def _parse_error(self, msg, coord):
        # Some errors carry only the file name; point them at the token the parser stopped on.
        if not hasattr(coord, "line"):
            tok = self._peek()
            if tok is not None:
                coord = self._tok_coord(tok)
                msg = f"{msg} before '{tok.value}'"
            else:
                msg = "unexpected end of input"
                coord = self._end_coord()
        super()._parse_error(msg, coord)

    def _tok_coord(self, tok: Token) -> Coord:
        return OffsetCoord(tok.filename, tok.lineno, tok.column, getattr(tok, "offset", None))

    def _end_coord(self):
        lexer = self.clex
        return f"{lexer.filename}:{lexer._lineno}:1" if hasattr(lexer, "_lineno") else lexer.filename

    def _starts_specifier(self) -> bool:
        tok = self._peek()
        return tok is not None and tok.type != "ID" and self._starts_declaration(tok)

    def _build_declarations(self, spec, decls, typedef_namespace=False):
        labels = [self._asm_labels.pop(id(info["decl"]), None) for info in decls]
        built = super()._build_declarations(spec, decls, typedef_namespace)
        extra = spec.get("decl_attributes")
        if extra:
            for decl in built:
                if isinstance(decl, (c_ast.Decl, c_ast.Typedef)):
                    decl.attributes = list(getattr(decl, "attributes", None) or []) + extra
        if any(labels):
            # clang ignores a label on a typedef; a declaration keeps it, with the attributes after it.
            for i, (decl, label) in enumerate(zip(built, labels)):
                if label is not None and type(decl) is c_ast.Decl:
                    asm_label, attributes = label
                    decl.attributes = list(decl.attributes or []) + attributes
                    built[i] = LabelledDecl(decl, asm_label)
        return built

    # init_declarator : declarator asm_label? attribute_specifier_sequence? ('=' initializer)?
    def _parse_init_declarator(self, id_only=False):
        decl = self._parse_id_declarator() if id_only else self._parse_declarator()
        self._parse_asm_label(decl)
        if self._accept("EQUALS"):
            return {"decl": decl, "init": self._parse_initializer()}
        return {"decl": decl}

    def _parse_id_declarator(self):
        # The first declarator of a file-scope declaration comes straight from here.
        decl = super()._parse_id_declarator()
        self._parse_asm_label(decl)
        return decl

    # asm_label : 'asm' '(' string ')'
    def _parse_asm_label(self, decl) -> None:
        tok = self._peek()
        if tok is None or tok.type != "ID" or tok.value != "asm" or self._peek_type(2) != "LPAREN":
            return
        self._advance()
        self._advance()
        string_tok = self._peek()
        name = _string_value(self._parse_unified_string_literal())
        close = self._expect("RPAREN")
        self._asm_labels[id(decl)] = (AsmLabel(name, self._tok_coord(string_tok)),
                                      self._parse_attribute_specifier_sequence())
        self._asm_label_end = OffsetCoord(close.filename, close.lineno, close.column + 1)

    def _parse_function_definition(self, spec, decl):
        if id(decl) in self._asm_labels:  # clang (and GCC) take asm labels on declarations only
            self._parse_error("expected ';' after top level declarator", self._asm_label_end)
        return super()._parse_function_definition(spec, decl)

    def _parse_parameter_declaration_body(self):
        param = super()._parse_parameter_declaration_body()
        # An unnamed parameter's declarator is placed where its name would have been (the
        # next token): clang reports problems with such a parameter there.
        if isinstance(param, c_ast.Typename) and isinstance(param.type, c_ast.TypeDecl) and param.type.coord is None:
            tok = self._peek()
            param.type.coord = self._tok_coord(tok) if tok is not None else param.coord
        return param

    def _parse_statement(self):
        tok = self._peek()
        if tok is not None and tok.type == "ID" and tok.value == "asm":
            return self._parse_asm_statement()
        return super()._parse_statement()

    def _parse_block_item(self):
        tok = self._peek()
        if tok is not None and tok.type == "ID" and tok.value == "asm":
            return [self._parse_asm_statement()]
        if tok is not None and tok.type == "ID" and tok.value == "__label__":
            return [self._parse_local_labels()]
        return super()._parse_block_item()

    # local_label_declaration : '__label__' identifier (',' identifier)* ';'
    def _parse_local_labels(self):
        label_tok = self._advance()
        names = [self._parse_identifier()]
        while self._accept("COMMA"):
            names.append(self._parse_identifier())
        self._expect("SEMI")
        return LocalLabels(names, self._tok_coord(label_tok))

    def _parse_jump_statement(self):
        if self._peek_type() != "GOTO":
            return super()._parse_jump_statement()
        goto_tok = self._advance()
        label = self._parse_identifier()
        self._expect("SEMI")
        return Goto(label.name, self._tok_coord(goto_tok), label)

    def _parse_assignment_expression(self):
        # pycparser's rule, building an Assignment that keeps its operator's place.
        expr = self._parse_conditional_expression()
        if self._is_assignment_op():
            op_tok = self._advance()
            rhs = self._parse_assignment_expression()
            return Assignment(op_tok.value, expr, rhs, expr.coord, self._tok_coord(op_tok))
        return expr

    def _parse_binary_expression(self, min_prec=0, lhs=None):
        # pycparser's precedence climbing, building BinaryOps that keep their operator's place.
        if lhs is None:
            lhs = self._parse_cast_expression()
        while (tok := self._peek()) is not None and _BINARY_PRECEDENCE.get(tok.type, -1) >= min_prec:
            prec = _BINARY_PRECEDENCE[tok.type]
            self._advance()
            rhs = self._parse_cast_expression()
            while (next_tok := self._peek()) is not None and _BINARY_PRECEDENCE.get(next_tok.type, -1) > prec:
                rhs = self._parse_binary_expression(_BINARY_PRECEDENCE[next_tok.type], rhs)
            lhs = BinaryOp(tok.value, lhs, rhs, lhs.coord, self._tok_coord(tok))
        return lhs

    def _parse_primary_expression(self):
        tok = self._peek()
        if tok is not None and tok.type == "ID" and tok.value == "__builtin_types_compatible_p" and self._peek_type(2) == "LPAREN":
            return self._parse_types_compatible()
        return super()._parse_primary_expression()

    # types_compatible : '__builtin_types_compatible_p' '(' type_name ',' type_name ')'
    def _parse_types_compatible(self):
        """A call whose two arguments are type names, as pycparser represents `offsetof`."""
        tok = self._advance()
        self._expect("LPAREN")
        first = self._parse_type_name()
        self._expect("COMMA")
        second = self._parse_type_name()
        self._expect("RPAREN")
        coord = self._tok_coord(tok)
        return c_ast.FuncCall(c_ast.ID(tok.value, coord), c_ast.ExprList([first, second], coord), coord)

    # asm_statement : 'asm' ('volatile' | 'inline' | 'goto')* '(' string (':' operands (':' operands (':' clobbers)?)?)? ')' ';'
    def _parse_asm_statement(self):
        asm_tok = self._advance()
        volatile = False
        while self._peek_type() in ("VOLATILE", "INLINE") or (self._peek_type() == "GOTO"):
            if self._advance().type == "VOLATILE":
                volatile = True
        self._expect("LPAREN")
        template = _string_value(self._parse_unified_string_literal())
        sections: list[list] = [[], [], []]
        index = 0
        while self._peek_type() in ("COLON", "COLONCOLON"):
            # C23 lexes `::` as one token; in asm it is two empty operand lists.
            if self._advance().type == "COLONCOLON":
                index += 1
            if index < 2:
                sections[index] = self._parse_asm_operands()
            elif index == 2:
                sections[2] = self._parse_asm_clobbers()
            else:
                self._parse_asm_clobbers()  # asm goto labels: BPF has no use for them
            index += 1
        self._expect("RPAREN")
        self._expect("SEMI")
        outputs, inputs, clobbers = sections
        # Symbolic operand names (`%[ctx]`) become their positions.
        names = {name: i for i, (_, _, name) in enumerate(outputs + inputs) if name}
        template = re.sub(r"%\[(\w+)\]", lambda m: f"%{names.get(m.group(1), m.group(1))}", template)
        outputs = [(c, e) for c, e, _ in outputs]
        inputs = [(c, e) for c, e, _ in inputs]
        return Asm(template, outputs, inputs, clobbers, volatile or not outputs, self._tok_coord(asm_tok))

    def _parse_asm_operands(self):
        operands = []
        while self._peek_type() in ("STRING_LITERAL", "LBRACKET"):
            name = None
            if self._accept("LBRACKET"):
                name = self._parse_identifier().name
                self._expect("RBRACKET")
            constraint = _string_value(self._parse_unified_string_literal())
            self._expect("LPAREN")
            expr = self._parse_expression()
            self._expect("RPAREN")
            operands.append((constraint, expr, name))
            if not self._accept("COMMA"):
                break
        return operands

    def _parse_asm_clobbers(self):
        names = []
        while self._peek_type() in ("STRING_LITERAL", "ID"):
            if self._peek_type() == "ID":
                names.append(self._advance().value)
            else:
                names.append(_string_value(self._parse_unified_string_literal()))
            if not self._accept("COMMA"):
                break
        return names

    def _parse_designator(self):
        if tok := self._accept("LBRACKET"):
            first = self._parse_constant_expression()
            if self._accept("ELLIPSIS"):
                last = self._parse_constant_expression()
                self._expect("RBRACKET")
                return RangeDesignator(first, last, self._tok_coord(tok))
            self._expect("RBRACKET")
            return c_ast.ArrayDesignator(first, self._tok_coord(tok))
        return super()._parse_designator()

    def _parse_labeled_statement(self):
        if self._peek_type() != "CASE":
            return super()._parse_labeled_statement()
        mark = self._mark()
        case_tok = self._advance()
        first = self._parse_constant_expression()
        if not self._accept("ELLIPSIS"):
            self._reset(mark)
            return super()._parse_labeled_statement()
        last = self._parse_constant_expression()
        self._expect("COLON")
        if self._starts_statement():
            stmt = self._parse_pragmacomp_or_statement()
        else:
            stmt = c_ast.EmptyStatement(self._tok_coord(case_tok))
        return CaseRange(first, last, [stmt], self._tok_coord(case_tok))

    def _starts_statement(self):
        tok = self._peek()
        if tok is not None and tok.type == "ID" and tok.value == "asm":
            return True
        return super()._starts_statement()


def _string_value(constant: c_ast.Constant) -> str:
    """The characters of a (possibly concatenated) string literal constant, escapes decoded."""
    return literals.string_bytes(constant.value).decode("latin-1")


_MESSAGES = [("Invalid expression", "expected expression"), ("Invalid declaration", "expected a declaration"),
             ("Invalid statement", "expected a statement"), ("Invalid specifier list", "expected a type")]

_PARSE_ERROR = re.compile(r"^(?P<file>.*?):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<msg>.*)$", re.S)


def parse_prefix(text: str, filename: str, kernel_types=None) -> Continuation | None:
    """The Continuation of a prefix's preprocessed text; None if it does not parse on its own (a
    declaration going on after it), and then the whole translation unit is parsed each time."""
    parser = GnuCParser(kernel_types)
    try:
        unit = parser.parse(gnu_normalise(text), filename)
    except ParseError:
        return None
    pragmas = Diagnostics()
    record_diagnostic_pragmas(text, pragmas)
    return Continuation(unit.ext, dict(parser._scope_stack[0]), parser._kernel_typedefs, len(text), pragmas.pragmas)


def parse(text: str, diags: Diagnostics, filename: str = "<input>", kernel_types=None,
          after: Continuation | None = None) -> c_ast.FileAST:
    """Parse preprocessed text; a syntax error becomes a located diagnostic.  `kernel_types`: the
    preprocessor's, whose typedef names are type names after the pragma that stands for vmlinux.h.
    `after`: the text follows a prefix parsed before, whose declarations begin the unit."""
    if after is not None:
        diags.pragmas.extend(after.pragmas)
    record_diagnostic_pragmas(text, diags, after.length if after else 0)
    try:
        unit = GnuCParser(kernel_types, after).parse(gnu_normalise(text), filename)
        if after is not None:
            unit.ext = after.ext + unit.ext
        return unit
    except ParseError as exc:
        m = _PARSE_ERROR.match(str(exc))
        if not m:
            raise diags.fatal(f"syntax error: {exc}")
        message = m.group("msg")
        if message.startswith("before: "):
            message = f"syntax error before '{message[len('before: '):]}'"
        for pycparser_words, clang_words in _MESSAGES:
            message = message.replace(pycparser_words, clang_words)
        location = Location(m.group("file"), int(m.group("line")), int(m.group("col") or 1))
        raise diags.fatal(message, location) from None


__all__ = ["parse", "gnu_normalise", "Asm", "AsmLabel", "LabelledDecl", "RangeDesignator", "CaseRange", "LocalLabels", "Goto", "Assignment", "BinaryOp",
           "CompileError"]
