"""Preprocess: C text → one translation unit with line markers, as `clang-19 -target bpf -E`.

pcpp does the directive and macro work.  `_Preprocessor` subclasses it to
- lex with one regular expression instead of pcpp's PLY lexer, which was half
  of the run time; this also gives C's pp-numbers (`0x1ULL`) and leaves
  trigraphs alone, as clang's default gnu17 mode does;
- search headers as clang does for `-target bpf`, with `#include_next`;
- predefine clang-19's BPF macros and answer `__has_include`, `__has_builtin`…;
- report problems as located diagnostics instead of printing them;
- write the output itself, with each token spelled in a file at the line and
  byte column clang reports for it, using `# N "file"` markers, which pycparser
  reads, wherever padding cannot get there.
"""
from __future__ import annotations

import bisect
import copy
import os
import platform
import re
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from pcpp import Action, OutputDirective, Preprocessor
from pcpp.parser import Macro

from . import kernel_btf
from .cache import Inputs
from .diagnostics import CompileError, Diagnostic, Diagnostics, Location
from .options import Options


@dataclass
class Prefix:
    """What preprocessing a source's leading directives (`leading_directives`) left behind, its
    headers included: the next compile of a source starting with the same lines goes on from here
    if the command-line macros it looked at are the same and `inputs` still hold."""

    lines: int  # how many of the source's lines it is
    text: str  # their preprocessed text
    macros: dict[str, Macro]  # the table after it, without the command-line macros it never looked at
    undefined: frozenset[str]  # macros in force before it that it #undef'd
    looked_up: frozenset[str]  # every name it looked up in the macro table
    command_line: dict[str, str]  # the -D values among those names
    once: dict[str, str | None]
    include_once: dict[str, str | None]
    counter: int  # __COUNTER__
    sources: dict[str, list[str]]
    texts: dict[str, str]
    kernel_types: kernel_btf.KernelTypes | None
    kernel_types_at: Location | None
    diagnostics: list[Diagnostic]
    inputs: Inputs
    # parse.Continuation: what the parser made of `text`, once a compile parsed it; False if
    # `text` does not parse on its own.
    parsed: object = None

    def fits(self, options: Options) -> bool:
        return self.command_line == _looked_at(options, self.looked_up) and self.inputs.still_hold()


@dataclass
class Preprocessed:
    text: str  # preprocessed C with `# N "file"` line markers
    sources: dict[str, list[str]]  # every file read (main file + headers) → its lines
    # The kernel's types, when `#include <vmlinux.h>` found no file and read BTF instead.
    kernel_types: kernel_btf.KernelTypes | None = None
    kernel_types_at: Location | None = None  # the first such `#include`
    prefix: Prefix | None = None  # `text` begins with `prefix.text`


def preprocess(source: str, filename: str, options: Options, diags: Diagnostics,
               inputs: Inputs | None = None, prefixes: PrefixCache | None = None) -> Preprocessed:
    """`inputs` records every file-system fact the output depends on, for the cache; with
    `prefixes`, the source's leading directives are preprocessed once for all compiles they fit."""
    inputs = inputs or Inputs()
    lines = leading_directives(source) if prefixes is not None else 0
    if not lines:
        return _whole(source, filename, options, diags, inputs)
    cut = _line_offset(source, lines)
    key = prefixes.prefix_key(source[:cut], filename, options)
    prefix = prefixes.find_prefix(key, lambda p: p.fits(options))
    if prefix is None:
        mark = len(diags.items)
        prefix = _Preprocessor(filename, options, diags, Inputs()).run_prefix(source[:cut], lines)
        if prefix is None or diags.has_errors:  # the whole source's run reports all its errors
            del diags.items[mark:]
            return _whole(source, filename, options, diags, inputs)
        prefix.diagnostics = diags.items[mark:]
        prefixes.store_prefix(key, prefix)
    else:
        diags.items.extend(prefix.diagnostics)
    inputs.facts.extend(prefix.inputs.facts)
    inputs.cacheable = inputs.cacheable and prefix.inputs.cacheable
    pp = _Preprocessor(filename, options, diags, inputs)
    body = pp.resume(prefix, source, cut)
    return Preprocessed(prefix.text + body, pp.sources, pp.kernel_types, pp.kernel_types_at, prefix)


def _whole(source: str, filename: str, options: Options, diags: Diagnostics, inputs: Inputs) -> Preprocessed:
    pp = _Preprocessor(filename, options, diags, inputs)
    return Preprocessed(pp.run(source), pp.sources, pp.kernel_types, pp.kernel_types_at)


def _normalised(text: str) -> str:
    """A file's text as it is lexed: no byte-order mark, CRLF line ends as LF."""
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n") if "\r" in text else text


def leading_directives(source: str) -> int:
    """How many of the source's first lines are preprocessor directives, blank or comments and
    include a header, up to the last point where no #if is open; 0 if none do, or a #line
    renumbers them.  Those lines can be preprocessed once for all compiles they fit."""
    lines = source.split("\n")
    depth, included, prefix, comment, joined = 0, False, 0, False, ""
    for number, line in enumerate(lines, 1):
        if line.endswith("\\"):
            joined += line[:-1]
            continue
        line, joined = joined + line, ""
        if comment:
            if "*/" not in line:
                continue
            line, comment = line[line.index("*/") + 2 :], False
        code = _LINE_COMMENTS.sub(" ", line)
        if "/*" in code:
            code, comment = code[: code.index("/*")], True
        code = code.strip()
        if code and not code.startswith("#"):
            break
        if m := _DIRECTIVE_NAME.match(code):
            name = m[1]
            if name == "line" or name.isdigit():
                return 0
            depth += name in ("if", "ifdef", "ifndef")
            depth -= name == "endif"
            included = included or name.startswith("include")
        if depth == 0 and not comment and included:
            prefix = number
    return prefix if prefix < len(lines) else 0


def _line_offset(source: str, lines: int) -> int:
    """Where line `lines + 1` of the source starts."""
    offset = 0
    for _ in range(lines):
        offset = source.index("\n", offset) + 1
    return offset


def _command_line_values(options: Options) -> dict[str, str]:
    values = dict(options.defines)
    for name in options.undefines:
        values.pop(name, None)
    return values


def _looked_at(options: Options, names: frozenset[str]) -> dict[str, str]:
    return {name: value for name, value in _command_line_values(options).items() if name in names}


class PrefixCache(Protocol):
    def prefix_key(self, head: str, filename: str, options: Options) -> str: ...
    def find_prefix(self, key: str, fits: Callable[[Prefix], bool]) -> Prefix | None: ...
    def store_prefix(self, key: str, prefix: Prefix) -> None: ...


def refuse_kernel_types(pre: Preprocessed, diags: Diagnostics) -> None:
    """-E writes C that any compiler reads; kernel types taken from BTF have no C to write."""
    if pre.kernel_types is not None:
        diags.error(f"-E cannot expand <{VMLINUX_H}>: the kernel's types come from the BTF in "
                    f"'{pre.kernel_types.path}', not from a header", pre.kernel_types_at,
                    f"generate the header with `bpftool btf dump file {pre.kernel_types.path} format c > "
                    f"{VMLINUX_H}` and name its directory with -I")


def include_dir() -> str:
    """bpfcc's freestanding headers (<stddef.h>, <stdint.h>…), the part of clang's resource directory
    a BPF program uses: `bpfcc/include` when installed, else `include/` at the top of the repository."""
    return _data_dir("include", "include")


def fallback_include_dir() -> str:
    """bpfcc's libbpf-compatible <bpf/bpf_helpers.h>…, for machines without libbpf-dev:
    `bpfcc/include_fallback` when installed, else `include-fallback/` in the repository."""
    return _data_dir("include_fallback", "include-fallback")


def _data_dir(installed_name: str, repository_name: str) -> str:
    package = os.path.dirname(os.path.abspath(__file__))
    installed = os.path.join(package, installed_name)
    return installed if os.path.isdir(installed) else os.path.join(os.path.dirname(package), repository_name)


def system_include_dirs(sysroot: str = "/") -> list[str]:
    """Searched after the -I directories, in clang's order; unlike clang, the multiarch directory
    (for <asm/types.h>) needs no -I.  Last, as if by `-idirafter`, bpfcc's libbpf-compatible
    headers: the ones a user installed (libbpf-dev) win, and a machine without them still compiles
    libbpf-style programs.  `sysroot` moves the system's directories, as clang's --sysroot does."""
    multiarch = sysconfig.get_config_var("MULTIARCH") or f"{platform.machine()}-linux-gnu"
    usr = os.path.join(sysroot, "usr")
    return [
        os.path.join(usr, "local", "include"), include_dir(), os.path.join(usr, "include", multiarch),
        os.path.join(usr, "include"), fallback_include_dir(),
    ]


def predefines(options: Options) -> str:
    """The macros clang-19 predefines for `-target bpf` with these options, as #define lines."""
    version = _CPU_VERSIONS[options.mcpu]
    macros = list(_CLANG_PREDEFINED)
    macros.append(f"__BPF_CPU_VERSION__ {version}")
    macros += [f"__BPF_FEATURE_{feature} 1" for since, feature in _CPU_FEATURES if since <= version]
    if options.big_endian:
        macros += ["__BIG_ENDIAN__ 1", "__BYTE_ORDER__ __ORDER_BIG_ENDIAN__"]
    else:
        macros += ["__LITTLE_ENDIAN__ 1", "__BYTE_ORDER__ __ORDER_LITTLE_ENDIAN__"]
    macros.append("__OPTIMIZE__ 1" if options.opt_level else "__NO_INLINE__ 1")
    if options.debug:
        macros.append("__GCC_HAVE_DWARF2_CFI_ASM 1")
    macros.append("__bpfcc__ 1")
    return "".join(f"#define {macro}\n" for macro in macros)


# The builtins bpfcc compiles; `__has_builtin` answers from this set.
_ATOMIC_OPS = ("add", "sub", "and", "or", "xor")
SUPPORTED_BUILTINS = frozenset(
    {
        "__builtin_memcpy", "__builtin_memset", "__builtin_memmove", "__builtin_memcmp",
        "__builtin_bswap16", "__builtin_bswap32", "__builtin_bswap64",
        "__builtin_expect", "__builtin_constant_p", "__builtin_unreachable", "__builtin_offsetof",
        "__builtin_preserve_access_index", "__builtin_preserve_field_info", "__builtin_preserve_type_info",
        "__builtin_preserve_enum_value", "__builtin_btf_type_id", "__builtin_types_compatible_p",
        "__sync_val_compare_and_swap", "__sync_bool_compare_and_swap", "__sync_lock_test_and_set",
        "__sync_lock_release", "__sync_synchronize",
        "__atomic_load", "__atomic_load_n", "__atomic_store", "__atomic_store_n",
        "__atomic_exchange", "__atomic_exchange_n", "__atomic_compare_exchange",
        "__atomic_compare_exchange_n", "__atomic_thread_fence", "__atomic_signal_fence",
    }
    | {f"__sync_fetch_and_{op}" for op in _ATOMIC_OPS}
    | {f"__sync_{op}_and_fetch" for op in _ATOMIC_OPS}
    | {f"__atomic_fetch_{op}" for op in _ATOMIC_OPS}
    | {f"__atomic_{op}_fetch" for op in _ATOMIC_OPS}
)

# The attributes bpfcc honours; `__has_attribute` answers from this set (`__x__` spells x too).
SUPPORTED_ATTRIBUTES = frozenset(
    {
        "section", "used", "unused", "always_inline", "noinline", "packed", "aligned", "weak",
        "preserve_access_index", "btf_decl_tag", "btf_type_tag", "maybe_unused", "fallthrough",
        "noreturn", "const", "pure", "warn_unused_result", "deprecated", "visibility",
    }
)

# Standard `[[x]]` attributes and the version clang-19's `__has_c_attribute` gives each.
_C_ATTRIBUTES = {"deprecated": 201904, "fallthrough": 201910, "maybe_unused": 202106, "noreturn": 202202}

# Function-like macros clang computes.  clang-19 has no `__has_cpp_attribute` in C.
_BUILTIN_MACROS = (
    "__has_include", "__has_include_next", "__has_builtin", "__has_attribute", "__has_c_attribute",
    "__has_feature", "__has_extension", "__has_declspec_attribute", "__is_identifier",
)

# Keywords of C17 and its GNU extensions, for `__is_identifier`.
_KEYWORDS = frozenset(
    """auto break case char const continue default do double else enum extern float for goto if
    inline int long register restrict return short signed sizeof static struct switch typedef union
    unsigned void volatile while _Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary
    _Noreturn _Static_assert _Thread_local asm __asm __asm__ __attribute __attribute__ __alignof
    __alignof__ __const __const__ __extension__ __imag __imag__ __inline __inline__ __int128 __label__
    __real __real__ __restrict __restrict__ __signed __signed__ __thread __typeof __typeof__ typeof
    __volatile __volatile__ __builtin_offsetof __builtin_va_arg __builtin_types_compatible_p""".split()
)

_CPU_VERSIONS = {"v1": 1, "generic": 1, "v2": 2, "v3": 3, "v4": 4, "probe": 0}
# (first -mcpu version with it, feature): clang-19 defines __BPF_FEATURE_<feature> from that version on.
_CPU_FEATURES = (
    (1, "ADDR_SPACE_CAST"), (2, "JMP_EXT"), (2, "MAY_GOTO"), (3, "ALU32"), (3, "JMP32"),
    (4, "BSWAP"), (4, "GOTOL"), (4, "LDSX"), (4, "MOVSX"), (4, "SDIV_SMOD"), (4, "ST"),
)

_MAX_INCLUDE_DEPTH = 200  # clang's limit

# `#include <vmlinux.h>` with no such file on the include path: the kernel's types come from its
# BTF (kernel_btf).  What stands in for the header: its include guard, which <bpf/bpf_tracing.h>
# tests, and the pragma that tells the parser and the checker where the types become visible.
VMLINUX_H = "vmlinux.h"
_VMLINUX_TEXT = f"#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n#pragma {kernel_btf.PRAGMA}\n#endif\n"

# The Debian packages that install the header directories BPF programs use most; named in the
# diagnostic for a missing header.  <bpf/…> rarely gets there: bpfcc's fallback headers answer.
_DEBIAN_PACKAGES = {
    "linux": "linux-libc-dev", "asm": "linux-libc-dev", "asm-generic": "linux-libc-dev",
    "bpf": "libbpf-dev",
    "sys": "libc6-dev", "bits": "libc6-dev", "gnu": "libc6-dev", "net": "libc6-dev",
    "netinet": "libc6-dev", "arpa": "libc6-dev",
}

# One alternation, tried in order, for the preprocessing tokens of C.
_TOKEN = re.compile(
    r"(?P<nl>\n)|(?P<ws>[ \t\f\v\r]+)|(?P<cont>\\[ \t\r]*\n)"
    r"|(?P<c1>/\*[\s\S]*?(?:\*/|\Z))|(?P<c2>//(?:[^\n\\]|\\[\s\S])*)"
    r"|(?P<int>(?:0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*(?![\w.]))"
    r"|(?P<num>\.?[0-9](?:[eEpP][+-]|[\w.])*)"
    r'|(?P<str>(?:u8|[uUL])?"(?:[^"\\\n]|\\[\s\S])*")'
    r"|(?P<chr>(?:u8|[uUL])?'(?:[^'\\\n]|\\[\s\S])*')"
    r"|(?P<id>(?:[^\W\d]|\$)[\w$]*)"
    r"|(?P<op>\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||##|[-+*/%&^|]=|[^\w\s])"
    r"|(?P<other>[\s\S])"
)
_CONTINUATION = re.compile(r"\\[ \t\r]*\n")
# Runs of plain lines pass through as one token (see _PlainLines).  A file gets them from this
# many lines on (vmlinux.h has 135,000), a run from this many lines.
_PLAIN_FILE_LINES = 5000
_PLAIN_RUN_LINES = 8
# What keeps a line out of a plain run: a directive, a comment, a literal, a continuation, and
# the words pcpp expands without their being macros.
_NOT_PLAIN = re.compile(r"[#\"'\\/]|_Pragma|__LINE__|__COUNTER__")
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_DIRECTIVE_NAME = re.compile(r"#\s*(\w+)")
_LINE_COMMENTS = re.compile(r"/\*.*?\*/|//.*")
# pcpp's token type names (those of its PLY lexer, which its #if evaluator parses).
_KIND_TYPES = {
    "nl": "CPP_WS", "ws": "CPP_WS", "cont": "CPP_LINECONT", "c1": "CPP_COMMENT1", "c2": "CPP_COMMENT2",
    "int": "CPP_INTEGER", "num": "CPP_FLOAT", "str": "CPP_STRING", "chr": "CPP_CHAR", "id": "CPP_ID",
}
_OP_TYPES = {
    "+": "CPP_PLUS", "-": "CPP_MINUS", "*": "CPP_STAR", "/": "CPP_FSLASH", "%": "CPP_PERCENT",
    "|": "CPP_BAR", "&": "CPP_AMPERSAND", "~": "CPP_TILDE", "^": "CPP_HAT", "<": "CPP_LESS",
    ">": "CPP_GREATER", "=": "CPP_EQUAL", "!": "CPP_EXCLAMATION", "?": "CPP_QUESTION",
    "(": "CPP_LPAREN", ")": "CPP_RPAREN", "[": "CPP_LBRACKET", "]": "CPP_RBRACKET", "{": "CPP_LCURLY",
    "}": "CPP_RCURLY", ".": "CPP_DOT", ",": "CPP_COMMA", ";": "CPP_SEMICOLON", ":": "CPP_COLON",
    "\\": "CPP_BSLASH", "'": "CPP_SQUOTE", '"': "CPP_DQUOTE", "#": "CPP_POUND", "##": "CPP_DPOUND",
    "->": "CPP_DEREFERENCE", "-=": "CPP_MINUSEQUAL", "--": "CPP_MINUSMINUS", "<<": "CPP_LSHIFT",
    "<=": "CPP_LESSEQUAL", ">>": "CPP_RSHIFT", ">=": "CPP_GREATEREQUAL", "||": "CPP_LOGICALOR",
    "|=": "CPP_OREQUAL", "&&": "CPP_LOGICALAND", "&=": "CPP_ANDEQUAL", "==": "CPP_EQUALITY",
    "!=": "CPP_INEQUALITY", "^=": "CPP_XOREQUAL", "*=": "CPP_MULTIPLYEQUAL", "/=": "CPP_DIVIDEEQUAL",
    "+=": "CPP_PLUSEQUAL", "++": "CPP_PLUSPLUS", "%=": "CPP_PERCENTEQUAL", "<<=": "CPP_LSHIFTEQUAL",
    ">>=": "CPP_RSHIFTEQUAL", "...": "CPP_ELLIPSIS",
}
_BLANK_KINDS = frozenset({"ws", "cont", "c1", "c2"})
_MULTILINE_KINDS = frozenset({"cont", "c1", "c2", "str", "chr"})
_BLANK = frozenset({"CPP_WS", "CPP_LINECONT", "CPP_COMMENT1", "CPP_COMMENT2"})
_BRACKETS = frozenset("()[]")
# Two tokens written side by side must not read back as one (`-` `-` is not `--`).
_PASTING = frozenset("++ -- -> << >> <= >= == != && || += -= *= /= %= &= |= ^= ## // /* ..".split())
# Loop pragmas whose arguments clang macro-expands (`#pragma unroll N` with N a macro).
_LOOP_PRAGMAS = (("unroll",), ("nounroll",), ("GCC", "unroll"), ("clang", "loop"))
_GCC_DIAGNOSTIC = re.compile(r'\s*GCC\s+(error|warning)\s+"((?:[^"\\]|\\.)*)"')

# pcpp's wording → clang's.
_MESSAGES = {
    "Misplaced #elif": "#elif without #if",
    "Misplaced #else": "#else without #if",
    "Misplaced #endif": "#endif without #if",
    "Unterminated #": "unterminated conditional directive",
    "Missing ')' in macro arguments": "missing ')' in macro parameter list",
    "No more arguments may follow a variadic argument": "missing ')' in macro parameter list",
    "Invalid macro argument": "invalid token in macro parameter list",
    "Bad macro definition": "whitespace required after macro name",
    "Malformed defined()": "macro name must be an identifier",
}
_ARGUMENT_COUNT = re.compile(r"Macro \S+ requires (\d+) arguments but was passed (\d+)")
_EXPRESSION = re.compile(r"Could not evaluate expression .*\(passed to evaluator: '(.*)'\)$", re.S)


def _clang_message(message: str) -> str:
    if m := _ARGUMENT_COUNT.match(message):
        return f"too {'many' if int(m[2]) > int(m[1]) else 'few'} arguments provided to function-like macro invocation"
    if message.startswith("Macro ") and "must have at least" in message:
        return "too few arguments provided to function-like macro invocation"
    if m := _EXPRESSION.match(message):
        return f"invalid preprocessor expression '{m[1].strip()}'"
    return next((clang for pcpp, clang in _MESSAGES.items() if message.startswith(pcpp)), message)


def _search_path(include_dirs: list[str], sysroot: str, inputs: Inputs) -> tuple[list[str], list[str]]:
    """(-I directories, system directories) as clang keeps them: existing ones only, a directory
    named twice searched at its first place, a -I naming a system directory left to the system place."""
    system = [d for d in system_include_dirs(sysroot) if inputs.isdir(d)]
    seen = {inputs.realpath(d) for d in system}
    user = []
    for d in include_dirs:
        real = inputs.realpath(d)
        if real not in seen and inputs.isdir(d):
            seen.add(real)
            user.append(d)
    return user, system


def _command_line(options: Options) -> str:
    return "".join(f"#define {name} {value}\n" for name, value in options.defines) + "".join(
        f"#undef {name}\n" for name in options.undefines
    )


def _unquote(literal: str) -> str:
    """The text of a string literal, as `_Pragma` and `#pragma GCC error` take it."""
    return literal[literal.index('"') + 1 : -1].replace('\\"', '"').replace("\\\\", "\\")


def _attribute_name(word: str) -> str:
    return word[2:-2] if len(word) > 4 and word.startswith("__") and word.endswith("__") else word


def _pastes(before: str, after: str) -> bool:
    x, y = before[-1], after[0]
    if (x.isalnum() or x in "_$") and (y.isalnum() or y in "_$"):
        return True
    return x + y in _PASTING or (x == "." and y.isdigit()) or (x.isdigit() and y == ".")


class _Token:
    """What pcpp expects of a PLY token, plus where it is spelled; pcpp adds `expanded_from`."""

    def __init__(self, type: str, value: str, lineno: int, lexpos: int, col: int, source: str):
        self.type = type
        self.value = value
        self.lineno = lineno  # pcpp gives a macro's tokens, arguments included, the line of its name
        self.lexpos = lexpos
        self.row = lineno  # the line it is spelled on
        self.col = col  # its byte column there, as clang counts; 0 for a macro's own tokens
        self.source = source

    def __copy__(self) -> _Token:  # pcpp copies tokens constantly; this is far cheaper than copy's default
        token = _Token.__new__(_Token)
        token.__dict__.update(self.__dict__)
        return token


class _Lexer:
    """pcpp's lexer interface over _TOKEN, for what pcpp lexes itself: the result of `a ## b` and
    the macros it defines from strings (__FILE__)."""

    def __init__(self):
        self._matches = iter(())

    def clone(self) -> _Lexer:
        return _Lexer()

    def input(self, text: str) -> None:
        self._matches = _TOKEN.finditer(text)

    def token(self) -> _Token | None:
        m = next(self._matches, None)
        if m is None:
            return None
        kind, value = m.lastgroup, m.group()
        token_type = _KIND_TYPES.get(kind) or _OP_TYPES.get(value, value)
        return _Token(token_type, value[1:-1] if kind == "cont" else value, 1, m.start(), 0, "")


class _PlainLines:
    """Where a big file's plain lines are: lines with no directive, comment, literal, continuation
    or _Pragma.  A run of them that names no macro needs no macro expansion and keeps its layout,
    so it goes to the output as one token of text instead of a token per word: most of a
    generated header such as vmlinux.h."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]  # line index → offset
        self.index = {start: i for i, start in enumerate(self.starts)}
        plain = bytearray(b"\1") * len(self.starts)
        for m in _NOT_PLAIN.finditer(text):
            plain[bisect.bisect_right(self.starts, m.start()) - 1] = 0
        self.plain = plain

    def run(self, offset: int, macros) -> int | None:
        """The end (the offset of its last newline) of a run of plain lines starting at `offset`
        that names none of `macros`, if there is one long enough."""
        first = self.index.get(offset)
        if first is None or not self.plain[first]:
            return None
        last = first
        while last + 1 < len(self.starts) and self.plain[last + 1]:
            last += 1
        if last + 1 >= len(self.starts):  # the file's last line has no newline to end a run
            last -= 1
        if last + 1 - first < _PLAIN_RUN_LINES:
            return None
        end = self.starts[last + 1] - 1
        words = set(_IDENTIFIER.findall(self.text, offset, end))
        if isinstance(macros, _Watched):  # intersecting iterates the table and looks nothing up
            macros.looked_up.update(words)
        named = words.intersection(macros)
        if not named:
            return end
        # No directive comes before `end`, so no macro changes: the lines naming one are tokenized.
        for use in re.finditer(r"\b(?:%s)\b" % "|".join(map(re.escape, named)), self.text[offset:end]):
            self.plain[bisect.bisect_right(self.starts, offset + use.start()) - 1] = 0
        return self.run(offset, macros)


class _Watched(dict):
    """The macro table while a prefix is preprocessed: it notes every name looked up in it."""

    __slots__ = ("looked_up",)

    def __init__(self, table: dict) -> None:
        super().__init__(table)
        self.looked_up: set[str] = set()

    def __contains__(self, name) -> bool:
        self.looked_up.add(name)
        return dict.__contains__(self, name)

    def __getitem__(self, name):
        self.looked_up.add(name)
        return dict.__getitem__(self, name)

    def get(self, name, default=None):
        self.looked_up.add(name)
        return dict.get(self, name, default)


class _Builtin(Macro):
    """A function-like macro whose value bpfcc computes (`__has_include` and the like)."""

    def __init__(self, name: str):
        super().__init__(name, [], ["x"])


@dataclass
class _File:
    path: str  # as named in diagnostics and line markers
    index: int | None  # where in the search path it was found; None if not through the search path
    system: bool  # warnings in system headers are not shown, as clang does
    conditionals: list[bool] = field(default_factory=list)  # open #if's: whether its #else was seen


class _Preprocessor(Preprocessor):
    def __init__(self, filename: str, options: Options, diags: Diagnostics, inputs: Inputs):
        super().__init__(_Lexer())
        self._filename = filename
        self._options = options
        self._diags = diags
        self._inputs = inputs
        self.rewrite_paths = []  # pcpp would rewrite file names relative to the working directory
        del self.macros["__PCPP__"]
        self.macros.update((name, _Builtin(name)) for name in _BUILTIN_MACROS)
        user, system = _search_path(options.include_dirs, options.sysroot, inputs)
        self._dirs = user + system
        self._first_system = len(user)
        self.sources: dict[str, list[str]] = {}
        self._text: dict[str, str] = {}  # what each file name is lexed from
        self._once: dict[str, str | None] = {}  # real path → include guard macro, None for #pragma once
        self._renumbered: dict[str, tuple[int, str]] = {}  # file → (line offset, name) set by #line
        self._stack = [_File(filename, None, False)]
        self.kernel_types: kernel_btf.KernelTypes | None = None
        self.kernel_types_at: Location | None = None
        self._arguments_given = 0  # by the last macro invocation collected (see _gnu_comma)

    def run(self, source: str, setup: Callable[[], None] | None = None) -> str:
        """The preprocessed source; `setup` runs once the built-in and command-line macros are defined."""
        try:
            self._feed("<built-in>", predefines(self._options))
            self._feed("<command line>", _command_line(self._options))
            if setup is not None:
                setup()
            text = self._add_source(self._filename, source)
            return self._render(self.parsegen(text, self._filename, self._filename))
        except CompileError:
            return ""
        except Exception as exc:  # pcpp fails on some malformed directives (`#if !`): say where, no traceback
            directive = self.lastdirective
            where = self._location(directive) if directive else None
            self._diags.error(f"cannot preprocess this directive ({type(exc).__name__}: {exc})", where)
            return ""

    def run_prefix(self, head: str, lines: int) -> Prefix | None:
        """Preprocess a source's first `lines` lines (`head`), noting what a later compile needs to
        go on from them (`resume`); None if they cannot be preprocessed."""
        before: dict[str, Macro] = {}

        def watch() -> None:
            before.update(self.macros)
            self.macros = _Watched(self.macros)

        text = self.run(head, watch)
        if not text:
            return None
        looked_up = frozenset(self.macros.looked_up)
        command_line = _looked_at(self._options, looked_up)
        unlooked = set(_command_line_values(self._options)) - looked_up
        return Prefix(
            lines, text, {n: m for n, m in self.macros.items() if n not in unlooked},
            frozenset(n for n in before if not dict.__contains__(self.macros, n)), looked_up, command_line,
            dict(self._once), dict(self.include_once), self.countermacro, dict(self.sources), dict(self._text),
            self.kernel_types, self.kernel_types_at, [], self._inputs)

    def resume(self, prefix: Prefix, source: str, cut: int) -> str:
        """The preprocessed text of the source after `prefix`, as if it had just been preprocessed."""

        def restore() -> None:
            for name in prefix.undefined:
                self.macros.pop(name, None)
            self.macros.update(prefix.macros)
            self._once.update(prefix.once)
            self.include_once.update(prefix.include_once)
            self.countermacro = prefix.counter
            self.sources.update(prefix.sources)
            self._text.update(prefix.texts)
            self.kernel_types, self.kernel_types_at = prefix.kernel_types, prefix.kernel_types_at

        # The body keeps its line numbers: blank lines stand in for the prefix.
        body = self.run("\n" * prefix.lines + source[cut:], restore)
        self.sources[self._filename] = _normalised(source).split("\n")
        return body

    def _feed(self, name: str, text: str) -> None:
        self._text[name] = text
        for _ in self.parsegen(text, name, name):
            pass

    def _add_source(self, path: str, text: str) -> str:
        text = _normalised(text)
        self._inputs.scan(text)
        self._text[path] = text
        self.sources[path] = text.split("\n")
        return text

    # ---- lexing -------------------------------------------------------------------------

    def group_lines(self, input: str, source: str):
        """The tokens of a file, one list per line, each ending in its newline token; in a big
        file, a run of plain lines (_PlainLines) is one line of one CPP_PLAIN token."""
        # pcpp hands over the text with trigraphs replaced, which clang's gnu17 does not do.
        text = self._text[source]
        self._renumbered.pop(source, None)
        shown, offset = source, 0
        lineno, line_start = 1, 0
        all_ascii = text.isascii()
        plain = _PlainLines(text) if all_ascii and text.count("\n") >= _PLAIN_FILE_LINES else None
        parens = 0  # open parentheses outside directives: a plain run must not hold a macro's arguments
        last_word = None  # the last token outside directives, if a word: a function-like macro's name?
        wide = 0  # on this line so far, bytes beyond one per character (clang's columns count bytes)
        line: list[_Token] = []
        line_begins = True  # only blanks so far on this line
        names_directive = False  # the previous token is the '#' opening the line
        in_directive = False
        position = 0
        while position is not None:
            matches, position = _TOKEN.finditer(text, position), None
            for m in matches:
                kind, value, start = m.lastgroup, m.group(), m.start()
                token_type = _KIND_TYPES.get(kind) or _OP_TYPES.get(value, value)
                token = _Token(token_type, value, lineno, start, start - line_start + 1 + wide, shown)
                line.append(token)
                if kind == "nl":
                    lineno += 1
                    line_start, wide = start + 1, 0
                    yield line
                    line, line_begins, in_directive = [], True, False
                    if source in self._renumbered:  # pcpp has just run a #line
                        renumbered, shown = self._renumbered[source]
                        lineno += renumbered - offset
                        offset = renumbered
                    macro = self.macros.get(last_word)
                    if plain is not None and not parens and (macro is None or macro.arglist is None) and (
                            end := plain.run(line_start, self.macros)) is not None:
                        run = text[line_start:end]
                        yield [_Token("CPP_PLAIN", run, lineno, line_start, 1, shown),
                               _Token("CPP_WS", "\n", lineno, end, len(run) - run.rfind("\n"), shown)]
                        parens = max(parens + run.count("(") - run.count(")"), 0)
                        last_word = None
                        lineno += run.count("\n") + 1
                        line_start = position = end + 1
                        break
                    continue
                if kind in _MULTILINE_KINDS and "\n" in value:
                    lineno += value.count("\n")
                    line_start, wide = start + value.rfind("\n") + 1, 0
                    if kind == "cont":
                        token.value = value[1:-1]
                    elif kind in ("str", "chr"):
                        token.value = _CONTINUATION.sub("", value)
                if not all_ascii and not value.isascii():
                    tail = value[value.rfind("\n") + 1 :]
                    wide += len(tail.encode("utf-8", "surrogateescape")) - len(tail)
                if kind in _BLANK_KINDS:
                    if kind == "c1" and (len(value) < 4 or not value.endswith("*/")):
                        self._diags.error("unterminated /* comment", Location(shown, token.lineno, token.col))
                    continue
                if names_directive:
                    names_directive = False
                    if value == "include_next":  # pcpp knows only #include: see include()
                        token.value = "include"
                        token.include_next = True
                elif line_begins:
                    names_directive = in_directive = value == "#"
                if not in_directive:
                    parens = max(parens + (value == "(") - (value == ")"), 0)
                    last_word = value if kind == "id" else None
                line_begins = False
        if line:
            last = line[-1]
            line.append(_Token("CPP_WS", "\n", last.lineno, len(text), 1, shown))
            yield line

    # ---- includes -----------------------------------------------------------------------

    def include(self, tokens, original_line):
        """#include and #include_next, with the operand already macro-expanded by pcpp."""
        directive = self.lastdirective
        where = self._location(self._operand(original_line, directive))
        name, angled = self._header_name(tokens)
        if not name:
            raise self._diags.fatal('expected "FILENAME" or <FILENAME>', where)
        include_next = getattr(directive, "include_next", False)
        if include_next and len(self._stack) == 1:
            message = "#include_next in primary source file; will search from start of include path"
            self._warn(message, self._location(directive), "include-next-outside-header")
        found = self._find(name, angled, include_next)
        if found is None and name == VMLINUX_H and not include_next:
            found = self._kernel_header(where)
        if found is None:
            raise self._diags.fatal(f"'{name}' file not found", where, self._package_hint(name))
        path, index = found
        real = self._inputs.realpath(path)
        if real in self._once and (self._once[real] is None or self._once[real] in self.macros):
            return
        if len(self._stack) > _MAX_INCLUDE_DEPTH:
            raise self._diags.fatal("#include nested too deeply", where)
        text = self._text.get(path)
        if text is None:
            try:
                text = self._add_source(path, self._inputs.read_text(path))
            except OSError as exc:
                raise self._diags.fatal(f"cannot open file '{path}': {exc.strerror}", where) from None
        system = self._stack[-1].system if index is None else index >= self._first_system
        self._stack.append(_File(path, index, system))
        yield from self.parsegen(text, name, path)
        self._stack.pop()
        # pcpp notes `#pragma once` and whole-file include guards by the name it was given.
        if path in self.include_once:
            self._once[real] = self.include_once[path]

    def _find(self, name: str, angled: bool, include_next: bool) -> tuple[str, int | None] | None:
        """clang's search: "..." in the including file's directory first, then the search path;
        #include_next from the directory after the one the current file was found in."""
        if os.path.isabs(name):
            return (name, None) if self._inputs.isfile(name) else None
        start = 0
        current = self._stack[-1]
        if include_next:
            start = 0 if current.index is None else current.index + 1
        elif not angled:
            path = os.path.join(os.path.dirname(current.path) or ".", name)
            if self._inputs.isfile(path):
                return path, None
        for index in range(start, len(self._dirs)):
            path = os.path.join(self._dirs[index], name)
            if self._inputs.isfile(path):
                return path, index
        return None

    def _btf_path(self) -> str | None:
        """The BTF `vmlinux.h` stands for: --btf's file, else the running kernel's if it has one."""
        if self._options.btf is not None:
            return self._options.btf
        return kernel_btf.DEFAULT_PATH if self._inputs.isfile(kernel_btf.DEFAULT_PATH) else None

    def _kernel_header(self, where: Location | None) -> tuple[str, int] | None:
        """vmlinux.h made from BTF: read the BTF (once) and stand the guard and pragma in for the
        header, as a system header; None if there is no BTF to read."""
        path = self._btf_path()
        if path is None:
            return None
        if self.kernel_types is None:
            try:
                self.kernel_types = kernel_btf.KernelTypes(
                    self._inputs.read_bytes(path), path,
                    preserve_access_index="BPF_NO_PRESERVE_ACCESS_INDEX" not in self.macros)
            except OSError as exc:
                raise self._diags.fatal(f"cannot read BTF from '{path}': {exc.strerror}", where) from None
            except kernel_btf.BtfError as exc:
                raise self._diags.fatal(f"cannot read BTF from '{path}': {exc}", where) from None
            self.kernel_types_at = where
        header = f"<{VMLINUX_H} from {path}>"
        if header not in self._text:
            self._add_source(header, _VMLINUX_TEXT)
        return header, self._first_system

    def _package_hint(self, name: str) -> str | None:
        """For a missing header under a directory a Debian package installs: which package, and
        whether it seems to be missing (no system directory has that directory at all)."""
        if name == VMLINUX_H:
            return ("bpfcc reads the kernel's types from its BTF when no vmlinux.h is found, but "
                    f"{kernel_btf.DEFAULT_PATH} does not exist; give a BTF file with --btf, or write vmlinux.h "
                    "with `bpftool btf dump file <BTF> format c`")
        prefix, slash, _ = name.partition("/")
        package = _DEBIAN_PACKAGES.get(prefix) if slash else None
        if package is None:
            return None
        own = (include_dir(), fallback_include_dir())
        system = [d for d in system_include_dirs(self._options.sysroot) if d not in own]
        if any(os.path.isdir(os.path.join(d, prefix)) for d in system):
            return f"<{prefix}/…> headers come from the Debian package {package}; the installed one has no {name}"
        return f"<{prefix}/…> headers come from the Debian package {package}, which seems not to be installed"

    def _header_name(self, tokens) -> tuple[str | None, bool]:
        """("name", angled) from the tokens of `<name>` or `"name"`; (None, False) if neither."""
        if tokens and tokens[0].type == "CPP_STRING" and tokens[0].value.startswith('"'):
            return tokens[0].value[1:-1], False
        if tokens and tokens[0].value == "<":
            for i, token in enumerate(tokens):
                if token.value == ">":
                    return "".join(t.value for t in tokens[1:i]), True
        return None, False

    @staticmethod
    def _operand(line, directive):
        """The first token after the directive's name, where clang points at a bad operand."""
        after = False
        for token in line:
            if after and token.type not in _BLANK:
                return token
            after = after or token is directive
        return directive

    # ---- macros -------------------------------------------------------------------------

    def expand_macros(self, tokens, *expanding_from):
        # pcpp counts its nesting to give __LINE__ the line of the outermost macro, and stops
        # without a word at an invocation with no `)`, leaving the count off: at the top (a run
        # of lines, an #if), that is clang's error; inside a macro, the rest of the line may close it.
        depth = self.linemacrodepth
        try:
            return super().expand_macros(tokens, *expanding_from)
        finally:
            if self.linemacrodepth != depth:
                self.linemacrodepth = depth
                if depth == 0:
                    self._unterminated(tokens)

    def _unterminated(self, tokens) -> None:
        """Report where pcpp stopped: a function-like macro whose `(` is never closed."""
        for i, name in enumerate(tokens):
            macro = self.macros.get(name.value) if name.type == "CPP_ID" else None
            if macro is None or macro.arglist is None:
                continue
            nesting = 0
            for token in tokens[i + 1 :]:
                if not nesting and token.type in _BLANK:
                    continue
                if not nesting and token.value != "(":
                    break
                nesting += (token.value == "(") - (token.value == ")")
                if not nesting:
                    break
            else:
                if nesting:
                    self._diags.error("unterminated function-like macro invocation", self._location(name))
                    return

    def macro_expand_args(self, macro, args):
        if isinstance(macro, _Builtin):
            return [_Token("CPP_INTEGER", str(self._builtin(macro.name, args[0])), 0, 0, 0, "")]
        if macro.variadic:
            macro, args = self._gnu_comma(macro, args)
        tokens = super().macro_expand_args(macro, args)
        # The arguments' own tokens keep their place; what `##` made from them (pcpp copies the
        # left operand) is the macro's.
        spelled = {id(token) for arg in args for token in arg}
        for token in tokens:
            if token.col and id(token) not in spelled:
                token.col = 0
        return tokens

    def collect_args(self, tokenlist, ignore_errors=False):
        counted = super().collect_args(tokenlist, ignore_errors)
        self._arguments_given = len(counted[1])
        return counted

    def _gnu_comma(self, macro, args):
        """clang's rule for GNU's `, ## __VA_ARGS__`: the comma goes when the variable arguments
        are left out — `G(x)` for `G(a, ...)`, or `()` with no tokens for a macro taking only
        `...` — and stays, not pasted to what follows, when they are there even if empty (`G(x,)`,
        or an empty `args` passed on as `G(x, args)`).  pcpp drops the comma for variable
        arguments with no tokens, taken with their blanks, and pastes it otherwise;
        expand_macros collected the arguments just before calling this."""
        variable = args[-1]
        while variable and variable[0].type in _BLANK:
            variable = variable[1:]
        while variable and variable[-1].type in _BLANK:
            variable = variable[:-1]
        args = [*args[:-1], variable]
        if not macro.var_comma_patch:
            return macro, args
        if (not variable if len(macro.arglist) == 1 else self._arguments_given < len(macro.arglist)):
            return macro, args
        # The `##` after each such comma becomes a blank; the variable arguments still go in
        # unexpanded, as a `##` operand does.
        kept = copy.copy(macro)
        pastes = {comma + 1 for comma in macro.var_comma_patch}
        kept.value = [_Token("CPP_WS", " ", t.lineno, t.lexpos, 0, t.source) if i in pastes else t
                      for i, t in enumerate(macro.value)]
        self.macro_prescan(kept)
        kept.patch = [("t" if i - 1 in pastes else kind, argnum, i) for kind, argnum, i in kept.patch]
        return kept, args

    def _builtin(self, name: str, tokens) -> int:
        if name in ("__has_include", "__has_include_next"):
            if tokens and tokens[0].value != "<" and tokens[0].type != "CPP_STRING":
                tokens = self.tokenstrip(self.expand_macros(list(tokens)))
            header, angled = self._header_name(tokens)
            if not header:
                self._diags.error('expected "FILENAME" or <FILENAME>', self._location(self.lastdirective))
                return 0
            found = self._find(header, angled, name == "__has_include_next") is not None
            return int(found or (header == VMLINUX_H and name == "__has_include" and self._btf_path() is not None))
        # clang expands macros in the operand: __has_attribute(x) with `#define x section` is 1.
        word = "".join(t.value for t in self.expand_macros(list(tokens)) if t.type not in _BLANK)
        if name == "__has_builtin":
            return int(word in SUPPORTED_BUILTINS)
        if name == "__has_attribute":
            return int(_attribute_name(word) in SUPPORTED_ATTRIBUTES)
        if name == "__has_c_attribute":
            scope, _, attribute = word.rpartition("::")
            if scope:
                known = scope in ("gnu", "__gnu__", "clang", "_Clang")
                return int(known and _attribute_name(attribute) in SUPPORTED_ATTRIBUTES)
            return _C_ATTRIBUTES.get(_attribute_name(word), 0)
        if name == "__is_identifier":
            return int(word not in _KEYWORDS)
        return 0  # __has_feature, __has_extension, __has_declspec_attribute: none claimed

    # ---- directives -------------------------------------------------------------------

    def on_directive_handle(self, directive, toks, ifpassthru, precedingtoks):
        self.lastdirective = directive
        name, conditionals = directive.value, self._stack[-1].conditionals
        if name in ("if", "ifdef", "ifndef"):
            conditionals.append(False)
        elif name in ("elif", "else") and conditionals:
            if conditionals[-1]:
                self._diags.error(f"#{name} after #else", self._location(directive))
            conditionals[-1] = conditionals[-1] or name == "else"
        elif name == "endif" and conditionals:
            conditionals.pop()
        if not toks:
            if name in ("if", "elif", "ifdef", "ifndef"):
                # pcpp indexes the missing operand; this placeholder is reported if it is looked at.
                toks.append(_Token("CPP_ID", "", directive.lineno, directive.lexpos, directive.col, directive.source))
            elif name == "pragma":
                raise OutputDirective(Action.IgnoreAndRemove)
        return True

    def on_unknown_macro_in_defined_expr(self, tok):
        if tok.value == "":
            self._diags.error("macro name missing", self._after_directive())
        return False

    def on_unknown_macro_in_expr(self, ident):
        if ident == "":
            self._diags.error("expected value in expression", self._after_directive())
        return 0

    def _after_directive(self) -> Location | None:
        directive = self.lastdirective
        where = self._location(directive)
        return where and Location(where.file, where.line, where.column + len(directive.value))

    def define(self, tokens):
        if isinstance(tokens, str):  # pcpp's own (__FILE__), lexed by _Lexer: no columns
            super().define(tokens)
            return
        # From a #define line, whose name pcpp does not check.
        if not tokens:
            self._diags.error("macro name missing", self._after_directive())
            return
        name = tokens[0]
        if name.type != "CPP_ID":
            self._diags.error("macro name must be an identifier", self._location(name))
            return
        if name.value == "defined":
            self._diags.error("'defined' cannot be used as a macro name", self._location(name))
            return
        if len(tokens) > 1 and tokens[1].value == "(":
            parameters = set()
            for token in tokens[2:]:
                if token.value == ")":
                    break
                if token.type == "CPP_ID" and token.value in parameters:
                    self._diags.error(f"duplicate macro parameter name '{token.value}'", self._location(token))
                    return
                parameters.add(token.value)
        # pcpp drops one blank before `##`: a run such as `,\t\<newline>\t##__VA_ARGS__` (Debian
        # libbpf 1.1's bpf_printk) would keep the comma that GNU's `, ##` deletes.  One blank
        # means the same as many.
        tokens = [t for i, t in enumerate(tokens) if not (i and t.type in _BLANK and tokens[i - 1].type in _BLANK)]
        super().define(tokens)
        if name.value in self.macros:
            for token in self.macros[name.value].value:
                token.col = 0  # written where the macro is used, not where it is defined

    def undef(self, tokens):
        if not tokens:
            self._diags.error("macro name missing", self._after_directive())
            return
        super().undef(tokens)

    def on_directive_unknown(self, directive, toks, ifpassthru, precedingtoks):
        name = directive.value
        if name == "pragma":  # all but `once`, which pcpp honours: kept for the later stages
            words = [t for t in toks if t.type not in _BLANK]
            for prefix in _LOOP_PRAGMAS:
                if tuple(t.value for t in words[: len(prefix)]) == prefix:
                    self._expand_pragma_arguments(toks[toks.index(words[len(prefix) - 1]) + 1:])
                    break
            if len(words) > 1:
                self._gcc_diagnostic("".join(t.value for t in toks), self._location(words[1]))
            return None
        if name == "line" or directive.type == "CPP_INTEGER":  # `#line 12 "f.c"` or `# 12 "f.c"`
            self._line(directive, toks)
        elif name in ("error", "warning"):
            text = self._text[self._stack[-1].path]
            start = directive.lexpos + len(name)
            end = text.find("\n", start)
            message = text[start : end if end >= 0 else len(text)].lstrip()
            if name == "error":
                self._diags.error(message, self._location(directive))
            else:
                self._warn(message, self._location(directive), "#warnings")
        elif name not in ("ident", "sccs"):  # those only name the object file's version
            self._diags.error("invalid preprocessing directive", self._location(directive))
        return True

    def _line(self, directive, toks) -> None:
        """Number the following lines from the given line, in the given file if any, as clang does."""
        words = [t for t in self.expand_macros(list(toks)) if t.type not in _BLANK]
        if directive.type == "CPP_INTEGER":
            words.insert(0, directive)
        if not words or not words[0].value.isdigit():
            where = self._location(words[0]) if words else self._after_directive()
            self._diags.error("#line directive requires a positive integer argument", where)
            return
        shown = directive.source
        if len(words) > 1:
            if words[1].type != "CPP_STRING" or not words[1].value.startswith('"'):
                self._diags.error("invalid filename for #line directive", self._location(words[1]))
                return
            # __FILE__ keeps naming the file read: pcpp expands the lines before this one later.
            shown = _unquote(words[1].value)
        path = self._stack[-1].path
        offset = self._renumbered.get(path, (0, path))[0]
        # The next line, physically directive.lineno - offset + 1, is numbered words[0].
        self._renumbered[path] = (int(words[0].value) - (directive.lineno - offset + 1), shown)

    def _expand_pragma_arguments(self, arguments) -> None:
        """Expand macros in a loop pragma's arguments, as clang does; the line passes through
        with the expansion written into its first argument token, the others blanked."""
        words = [t for t in arguments if t.type not in _BLANK]
        if not any(t.type == "CPP_ID" and t.value in self.macros for t in words):
            return
        expanded = self.expand_macros([copy.copy(t) for t in arguments])
        words[0].value = "".join(t.value for t in expanded).strip()
        for token in words[1:]:
            token.type, token.value = "CPP_WS", " "

    def _gcc_diagnostic(self, pragma: str, where: Location | None) -> None:
        """`#pragma GCC error "…"` is an error, `GCC warning` a warning, as in clang.  (`GCC
        diagnostic` pragmas take effect in the parsed text: see parse.record_diagnostic_pragmas.)"""
        if m := _GCC_DIAGNOSTIC.match(pragma):
            message = m[2].replace('\\"', '"').replace("\\\\", "\\")
            if m[1] == "error":
                self._diags.error(message, where)
            else:
                self._warn(message, where, "#pragma-messages")

    def _warn(self, message: str, where: Location | None, group: str | None = None) -> None:
        if not self._stack[-1].system:
            self._diags.warning(message, where, group=group)

    def on_error(self, file, line, msg):
        self._diags.error(_clang_message(msg), self._line_location(file, line) if file else None)

    # ---- locations ----------------------------------------------------------------------

    def _location(self, token) -> Location | None:
        if not token.source:
            return None
        if token.col:
            return Location(token.source, token.row, token.col)
        return self._line_location(token.source, token.lineno)  # a macro's own token: its line only

    def _line_location(self, file: str, line: int) -> Location:
        """The line's first token, or a directive's name, where clang points at a whole line."""
        lines = self.sources.get(file)
        text = lines[line - 1] if lines and 0 < line <= len(lines) else ""
        body = text.lstrip()
        column = len(text) - len(body) + 1
        if body.startswith("#"):
            rest = body[1:]
            column += 1 + len(rest) - len(rest.lstrip())
        return Location(file, line, column)

    # ---- output -------------------------------------------------------------------------

    def _render(self, tokens) -> str:
        """Tokens → text whose pycparser coordinates are clang's: a token spelled in a file (a
        macro's argument too) goes at its line and byte column, reached by padding, by newlines,
        or after a `# N "file"` marker; a macro's own tokens follow the previous token, on the
        line of the macro's name.  A directive passed through (#pragma) stays on one line, and so
        does an attribute: pycparser reads its arguments as plain tokens, a marker among them too."""
        out: list[str] = []
        file, line, column = None, 0, 1  # where the next character goes
        before = ""  # the previous token on this output line
        space = False  # blanks came between it and this token
        directive = False
        depth, attribute = 0, None  # bracket nesting; the nesting an attribute opened at
        recent = ("", "")  # the two previous tokens' text, to spot _Pragma("…")
        for token in tokens:
            if token.type in _BLANK:
                if directive and "\n" in token.value:
                    # End the directive's line now: a flowing token (an attribute) after it
                    # would otherwise join the #pragma's line and be lost with it.
                    out.append("\n")
                    line, column, before, directive = line + 1, 1, "", False
                space = True
                continue
            value = token.value
            if token.type == "CPP_PLAIN":  # whole lines of a file, as they are written there
                if token.source == file and 0 < token.row - line <= 8:
                    out.append("\n" * (token.row - line))
                else:
                    out.append(("\n" if out else "") + f'# {token.row} "{token.source}"\n')
                out.append(value)
                file, line = token.source, token.row + value.count("\n")
                column = len(value) - value.rfind("\n")
                depth += value.count("(") + value.count("[") - value.count(")") - value.count("]")
                before, space, recent = value, False, ("", "")
                continue
            if value in _BRACKETS:
                if value in "([":
                    if value == "[" and before == "[" and attribute is None:
                        attribute = depth - 1
                    depth += 1
                else:
                    depth -= 1
            elif value in ("__attribute__", "__attribute") and attribute is None:
                attribute = depth
            flowing = directive or attribute is not None
            col = 0 if flowing else token.col
            row = token.row if col else token.lineno
            if col and token.source == file and row == line and value != "#" and (
                col > column or (col == column and not (before and _pastes(before, value)))
            ):
                pass  # reachable on this line
            elif not flowing and (col or token.source != file or row > line):
                if token.source == file and 0 < row - line <= 8:
                    out.append("\n" * (row - line))
                else:
                    out.append(("\n" if out else "") + f'# {row} "{token.source}"\n')
                file, line, column, before = token.source, row, 1, ""
                directive = value == "#"
            elif before and (space or _pastes(before, value)):
                out.append(" ")
                column += 1
            if col > column:
                out.append(" " * (col - column))
                column = col
            out.append(value)
            column += len(value)
            before, space = value, False
            if token.type == "CPP_STRING" and recent == ("_Pragma", "("):
                self._gcc_diagnostic(_unquote(value), self._location(token))
            recent = (recent[1], value)
            if attribute is not None and depth == attribute and value in ")]":
                attribute = None
            if getattr(token, "expanded_from", None):
                token.col = 0  # an argument used again follows the previous token instead
        out.append("\n")
        return "".join(out)


# clang-19's predefined macros for -target bpf, except those predefines() derives from the options.
_CLANG_PREDEFINED = tuple(
    """\
_LP64 1
__ATOMIC_ACQUIRE 2
__ATOMIC_ACQ_REL 4
__ATOMIC_CONSUME 1
__ATOMIC_RELAXED 0
__ATOMIC_RELEASE 3
__ATOMIC_SEQ_CST 5
__BIGGEST_ALIGNMENT__ 8
__BITINT_MAXWIDTH__ 128
__BOOL_WIDTH__ 8
__BPF__ 1
__CHAR16_TYPE__ unsigned short
__CHAR32_TYPE__ unsigned int
__CHAR_BIT__ 8
__CLANG_ATOMIC_BOOL_LOCK_FREE 2
__CLANG_ATOMIC_CHAR16_T_LOCK_FREE 2
__CLANG_ATOMIC_CHAR32_T_LOCK_FREE 2
__CLANG_ATOMIC_CHAR_LOCK_FREE 2
__CLANG_ATOMIC_INT_LOCK_FREE 2
__CLANG_ATOMIC_LLONG_LOCK_FREE 2
__CLANG_ATOMIC_LONG_LOCK_FREE 2
__CLANG_ATOMIC_POINTER_LOCK_FREE 2
__CLANG_ATOMIC_SHORT_LOCK_FREE 2
__CLANG_ATOMIC_WCHAR_T_LOCK_FREE 2
__CONSTANT_CFSTRINGS__ 1
__DBL_DECIMAL_DIG__ 17
__DBL_DENORM_MIN__ 4.9406564584124654e-324
__DBL_DIG__ 15
__DBL_EPSILON__ 2.2204460492503131e-16
__DBL_HAS_DENORM__ 1
__DBL_HAS_INFINITY__ 1
__DBL_HAS_QUIET_NAN__ 1
__DBL_MANT_DIG__ 53
__DBL_MAX_10_EXP__ 308
__DBL_MAX_EXP__ 1024
__DBL_MAX__ 1.7976931348623157e+308
__DBL_MIN_10_EXP__ (-307)
__DBL_MIN_EXP__ (-1021)
__DBL_MIN__ 2.2250738585072014e-308
__DBL_NORM_MAX__ 1.7976931348623157e+308
__DECIMAL_DIG__ __LDBL_DECIMAL_DIG__
__ELF__ 1
__FINITE_MATH_ONLY__ 0
__FLT_DECIMAL_DIG__ 9
__FLT_DENORM_MIN__ 1.40129846e-45F
__FLT_DIG__ 6
__FLT_EPSILON__ 1.19209290e-7F
__FLT_HAS_DENORM__ 1
__FLT_HAS_INFINITY__ 1
__FLT_HAS_QUIET_NAN__ 1
__FLT_MANT_DIG__ 24
__FLT_MAX_10_EXP__ 38
__FLT_MAX_EXP__ 128
__FLT_MAX__ 3.40282347e+38F
__FLT_MIN_10_EXP__ (-37)
__FLT_MIN_EXP__ (-125)
__FLT_MIN__ 1.17549435e-38F
__FLT_NORM_MAX__ 3.40282347e+38F
__FLT_RADIX__ 2
__FPCLASS_NEGINF 0x0004
__FPCLASS_NEGNORMAL 0x0008
__FPCLASS_NEGSUBNORMAL 0x0010
__FPCLASS_NEGZERO 0x0020
__FPCLASS_POSINF 0x0200
__FPCLASS_POSNORMAL 0x0100
__FPCLASS_POSSUBNORMAL 0x0080
__FPCLASS_POSZERO 0x0040
__FPCLASS_QNAN 0x0002
__FPCLASS_SNAN 0x0001
__GCC_ATOMIC_BOOL_LOCK_FREE 2
__GCC_ATOMIC_CHAR16_T_LOCK_FREE 2
__GCC_ATOMIC_CHAR32_T_LOCK_FREE 2
__GCC_ATOMIC_CHAR_LOCK_FREE 2
__GCC_ATOMIC_INT_LOCK_FREE 2
__GCC_ATOMIC_LLONG_LOCK_FREE 2
__GCC_ATOMIC_LONG_LOCK_FREE 2
__GCC_ATOMIC_POINTER_LOCK_FREE 2
__GCC_ATOMIC_SHORT_LOCK_FREE 2
__GCC_ATOMIC_TEST_AND_SET_TRUEVAL 1
__GCC_ATOMIC_WCHAR_T_LOCK_FREE 2
__GCC_CONSTRUCTIVE_SIZE 32
__GCC_DESTRUCTIVE_SIZE 32
__GNUC_MINOR__ 2
__GNUC_PATCHLEVEL__ 1
__GNUC_STDC_INLINE__ 1
__GNUC__ 4
__GXX_ABI_VERSION 1002
__INT16_C_SUFFIX__
__INT16_FMTd__ "hd"
__INT16_FMTi__ "hi"
__INT16_MAX__ 32767
__INT16_TYPE__ short
__INT32_C_SUFFIX__
__INT32_FMTd__ "d"
__INT32_FMTi__ "i"
__INT32_MAX__ 2147483647
__INT32_TYPE__ int
__INT64_C_SUFFIX__ L
__INT64_FMTd__ "ld"
__INT64_FMTi__ "li"
__INT64_MAX__ 9223372036854775807L
__INT64_TYPE__ long int
__INT8_C_SUFFIX__
__INT8_FMTd__ "hhd"
__INT8_FMTi__ "hhi"
__INT8_MAX__ 127
__INT8_TYPE__ signed char
__INTMAX_C_SUFFIX__ L
__INTMAX_FMTd__ "ld"
__INTMAX_FMTi__ "li"
__INTMAX_MAX__ 9223372036854775807L
__INTMAX_TYPE__ long int
__INTMAX_WIDTH__ 64
__INTPTR_FMTd__ "ld"
__INTPTR_FMTi__ "li"
__INTPTR_MAX__ 9223372036854775807L
__INTPTR_TYPE__ long int
__INTPTR_WIDTH__ 64
__INT_FAST16_FMTd__ "hd"
__INT_FAST16_FMTi__ "hi"
__INT_FAST16_MAX__ 32767
__INT_FAST16_TYPE__ short
__INT_FAST16_WIDTH__ 16
__INT_FAST32_FMTd__ "d"
__INT_FAST32_FMTi__ "i"
__INT_FAST32_MAX__ 2147483647
__INT_FAST32_TYPE__ int
__INT_FAST32_WIDTH__ 32
__INT_FAST64_FMTd__ "ld"
__INT_FAST64_FMTi__ "li"
__INT_FAST64_MAX__ 9223372036854775807L
__INT_FAST64_TYPE__ long int
__INT_FAST64_WIDTH__ 64
__INT_FAST8_FMTd__ "hhd"
__INT_FAST8_FMTi__ "hhi"
__INT_FAST8_MAX__ 127
__INT_FAST8_TYPE__ signed char
__INT_FAST8_WIDTH__ 8
__INT_LEAST16_FMTd__ "hd"
__INT_LEAST16_FMTi__ "hi"
__INT_LEAST16_MAX__ 32767
__INT_LEAST16_TYPE__ short
__INT_LEAST16_WIDTH__ 16
__INT_LEAST32_FMTd__ "d"
__INT_LEAST32_FMTi__ "i"
__INT_LEAST32_MAX__ 2147483647
__INT_LEAST32_TYPE__ int
__INT_LEAST32_WIDTH__ 32
__INT_LEAST64_FMTd__ "ld"
__INT_LEAST64_FMTi__ "li"
__INT_LEAST64_MAX__ 9223372036854775807L
__INT_LEAST64_TYPE__ long int
__INT_LEAST64_WIDTH__ 64
__INT_LEAST8_FMTd__ "hhd"
__INT_LEAST8_FMTi__ "hhi"
__INT_LEAST8_MAX__ 127
__INT_LEAST8_TYPE__ signed char
__INT_LEAST8_WIDTH__ 8
__INT_MAX__ 2147483647
__INT_WIDTH__ 32
__LDBL_DECIMAL_DIG__ 17
__LDBL_DENORM_MIN__ 4.9406564584124654e-324L
__LDBL_DIG__ 15
__LDBL_EPSILON__ 2.2204460492503131e-16L
__LDBL_HAS_DENORM__ 1
__LDBL_HAS_INFINITY__ 1
__LDBL_HAS_QUIET_NAN__ 1
__LDBL_MANT_DIG__ 53
__LDBL_MAX_10_EXP__ 308
__LDBL_MAX_EXP__ 1024
__LDBL_MAX__ 1.7976931348623157e+308L
__LDBL_MIN_10_EXP__ (-307)
__LDBL_MIN_EXP__ (-1021)
__LDBL_MIN__ 2.2250738585072014e-308L
__LDBL_NORM_MAX__ 1.7976931348623157e+308L
__LLONG_WIDTH__ 64
__LONG_LONG_MAX__ 9223372036854775807LL
__LONG_MAX__ 9223372036854775807L
__LONG_WIDTH__ 64
__LP64__ 1
__MEMORY_SCOPE_DEVICE 1
__MEMORY_SCOPE_SINGLE 4
__MEMORY_SCOPE_SYSTEM 0
__MEMORY_SCOPE_WRKGRP 2
__MEMORY_SCOPE_WVFRNT 3
__OBJC_BOOL_IS_BOOL 0
__OPENCL_MEMORY_SCOPE_ALL_SVM_DEVICES 3
__OPENCL_MEMORY_SCOPE_DEVICE 2
__OPENCL_MEMORY_SCOPE_SUB_GROUP 4
__OPENCL_MEMORY_SCOPE_WORK_GROUP 1
__OPENCL_MEMORY_SCOPE_WORK_ITEM 0
__ORDER_BIG_ENDIAN__ 4321
__ORDER_LITTLE_ENDIAN__ 1234
__ORDER_PDP_ENDIAN__ 3412
__POINTER_WIDTH__ 64
__PRAGMA_REDEFINE_EXTNAME 1
__PTRDIFF_FMTd__ "ld"
__PTRDIFF_FMTi__ "li"
__PTRDIFF_MAX__ 9223372036854775807L
__PTRDIFF_TYPE__ long int
__PTRDIFF_WIDTH__ 64
__SCHAR_MAX__ 127
__SHRT_MAX__ 32767
__SHRT_WIDTH__ 16
__SIG_ATOMIC_MAX__ 2147483647
__SIG_ATOMIC_WIDTH__ 32
__SIZEOF_DOUBLE__ 8
__SIZEOF_FLOAT__ 4
__SIZEOF_INT128__ 16
__SIZEOF_INT__ 4
__SIZEOF_LONG_DOUBLE__ 8
__SIZEOF_LONG_LONG__ 8
__SIZEOF_LONG__ 8
__SIZEOF_POINTER__ 8
__SIZEOF_PTRDIFF_T__ 8
__SIZEOF_SHORT__ 2
__SIZEOF_SIZE_T__ 8
__SIZEOF_WCHAR_T__ 4
__SIZEOF_WINT_T__ 4
__SIZE_FMTX__ "lX"
__SIZE_FMTo__ "lo"
__SIZE_FMTu__ "lu"
__SIZE_FMTx__ "lx"
__SIZE_MAX__ 18446744073709551615UL
__SIZE_TYPE__ long unsigned int
__SIZE_WIDTH__ 64
__STDC_EMBED_EMPTY__ 2
__STDC_EMBED_FOUND__ 1
__STDC_EMBED_NOT_FOUND__ 0
__STDC_HOSTED__ 1
__STDC_UTF_16__ 1
__STDC_UTF_32__ 1
__STDC_VERSION__ 201710L
__STDC__ 1
__UINT16_C_SUFFIX__
__UINT16_FMTX__ "hX"
__UINT16_FMTo__ "ho"
__UINT16_FMTu__ "hu"
__UINT16_FMTx__ "hx"
__UINT16_MAX__ 65535
__UINT16_TYPE__ unsigned short
__UINT32_C_SUFFIX__ U
__UINT32_FMTX__ "X"
__UINT32_FMTo__ "o"
__UINT32_FMTu__ "u"
__UINT32_FMTx__ "x"
__UINT32_MAX__ 4294967295U
__UINT32_TYPE__ unsigned int
__UINT64_C_SUFFIX__ UL
__UINT64_FMTX__ "lX"
__UINT64_FMTo__ "lo"
__UINT64_FMTu__ "lu"
__UINT64_FMTx__ "lx"
__UINT64_MAX__ 18446744073709551615UL
__UINT64_TYPE__ long unsigned int
__UINT8_C_SUFFIX__
__UINT8_FMTX__ "hhX"
__UINT8_FMTo__ "hho"
__UINT8_FMTu__ "hhu"
__UINT8_FMTx__ "hhx"
__UINT8_MAX__ 255
__UINT8_TYPE__ unsigned char
__UINTMAX_C_SUFFIX__ UL
__UINTMAX_FMTX__ "lX"
__UINTMAX_FMTo__ "lo"
__UINTMAX_FMTu__ "lu"
__UINTMAX_FMTx__ "lx"
__UINTMAX_MAX__ 18446744073709551615UL
__UINTMAX_TYPE__ long unsigned int
__UINTMAX_WIDTH__ 64
__UINTPTR_FMTX__ "lX"
__UINTPTR_FMTo__ "lo"
__UINTPTR_FMTu__ "lu"
__UINTPTR_FMTx__ "lx"
__UINTPTR_MAX__ 18446744073709551615UL
__UINTPTR_TYPE__ long unsigned int
__UINTPTR_WIDTH__ 64
__UINT_FAST16_FMTX__ "hX"
__UINT_FAST16_FMTo__ "ho"
__UINT_FAST16_FMTu__ "hu"
__UINT_FAST16_FMTx__ "hx"
__UINT_FAST16_MAX__ 65535
__UINT_FAST16_TYPE__ unsigned short
__UINT_FAST32_FMTX__ "X"
__UINT_FAST32_FMTo__ "o"
__UINT_FAST32_FMTu__ "u"
__UINT_FAST32_FMTx__ "x"
__UINT_FAST32_MAX__ 4294967295U
__UINT_FAST32_TYPE__ unsigned int
__UINT_FAST64_FMTX__ "lX"
__UINT_FAST64_FMTo__ "lo"
__UINT_FAST64_FMTu__ "lu"
__UINT_FAST64_FMTx__ "lx"
__UINT_FAST64_MAX__ 18446744073709551615UL
__UINT_FAST64_TYPE__ long unsigned int
__UINT_FAST8_FMTX__ "hhX"
__UINT_FAST8_FMTo__ "hho"
__UINT_FAST8_FMTu__ "hhu"
__UINT_FAST8_FMTx__ "hhx"
__UINT_FAST8_MAX__ 255
__UINT_FAST8_TYPE__ unsigned char
__UINT_LEAST16_FMTX__ "hX"
__UINT_LEAST16_FMTo__ "ho"
__UINT_LEAST16_FMTu__ "hu"
__UINT_LEAST16_FMTx__ "hx"
__UINT_LEAST16_MAX__ 65535
__UINT_LEAST16_TYPE__ unsigned short
__UINT_LEAST32_FMTX__ "X"
__UINT_LEAST32_FMTo__ "o"
__UINT_LEAST32_FMTu__ "u"
__UINT_LEAST32_FMTx__ "x"
__UINT_LEAST32_MAX__ 4294967295U
__UINT_LEAST32_TYPE__ unsigned int
__UINT_LEAST64_FMTX__ "lX"
__UINT_LEAST64_FMTo__ "lo"
__UINT_LEAST64_FMTu__ "lu"
__UINT_LEAST64_FMTx__ "lx"
__UINT_LEAST64_MAX__ 18446744073709551615UL
__UINT_LEAST64_TYPE__ long unsigned int
__UINT_LEAST8_FMTX__ "hhX"
__UINT_LEAST8_FMTo__ "hho"
__UINT_LEAST8_FMTu__ "hhu"
__UINT_LEAST8_FMTx__ "hhx"
__UINT_LEAST8_MAX__ 255
__UINT_LEAST8_TYPE__ unsigned char
__USER_LABEL_PREFIX__
__VERSION__ "Debian Clang 19.1.7 (3~deb12u1)"
__WCHAR_MAX__ 2147483647
__WCHAR_TYPE__ int
__WCHAR_WIDTH__ 32
__WINT_MAX__ 2147483647
__WINT_TYPE__ int
__WINT_WIDTH__ 32
__bpf__ 1
__clang__ 1
__clang_literal_encoding__ "UTF-8"
__clang_major__ 19
__clang_minor__ 1
__clang_patchlevel__ 7
__clang_version__ "19.1.7 (3~deb12u1)"
__clang_wide_literal_encoding__ "UTF-32"
__llvm__ 1""".splitlines()
)
