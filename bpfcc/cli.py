"""The `bpfcc` command: clang's spelling of the flags a BPF Makefile passes, so `CC=bpfcc` works.

`parse_args` turns argv into an `Invocation` (Options plus what to write where)
without importing the compiler, so flag errors, `--help` and `--version` stay
fast; `main` then compiles each input through the API and writes its output.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .cache import Cache
from .diagnostics import Diagnostic, render
from .options import MCPUS, Options

HELP = """\
usage: bpfcc [options] file.c...

Compiles restricted C for Linux BPF (tc, XDP) into a BPF ELF object, like
`clang -O2 -g -target bpf -c`.

  -c                  compile to an object (the default; bpfcc never links)
  -S                  write BPF assembly (.s); with -emit-llvm, LLVM IR text (.ll)
  -E                  write preprocessed source to stdout (or -o)
  -emit-llvm          with -c, LLVM bitcode (.bc); with -S, LLVM IR text (.ll)
  -o FILE             output file; '-' is stdout
  -x c                input language (C only); needed for '-' (stdin) without -E
  -I DIR, -isystem DIR  add an include directory (-isystem after all -I)
  --sysroot DIR       look for the system's headers in DIR/usr/include (default /)
  --btf FILE          kernel BTF for `#include <vmlinux.h>` when no vmlinux.h file is
                      on the include path (default /sys/kernel/btf/vmlinux)
  -D NAME[=VALUE]     define a macro (VALUE defaults to 1)
  -U NAME             undefine a macro
  -O0 -O1 -O2 -O3 -O  optimisation level (-O is -O1, -Os/-Oz are -O2; default -O2)
  -g, -g0             emit (default) or omit debug info, from which .BTF is made
  -mcpu=CPU           v1, v2, v3, v4, generic (v1) or probe (the running kernel's);
                      default v3 (clang-19's is v1)
  -target bpf|bpfel   also --target=; bpf is the only target (little-endian)
  -Werror, -Wno-error turn warnings into errors, or not; -w hides warnings
  -W[no-][error=]GROUP  as clang, for the groups of bpfcc's warnings (int-conversion,
                      incompatible-pointer-types, return-mismatch, excess-initializers,
                      shift-count-overflow, shift-count-negative, division-by-zero, ...)
  --strict-loops      reject loops (kernels before 5.3 refuse back-edges)
  -v, --version, -h   print the version (and go on compiling, for -v), or this help

Accepted for compatibility, without effect: -W<other groups>, -std=<C standard>,
-mlittle-endian, -pipe, -g<level or format>, and -f{no-stack-protector,
freestanding, no-builtin, no-builtin-<fn>, no-asynchronous-unwind-tables,
no-unwind-tables, no-common, no-jump-tables, [no-]color-diagnostics,
[no-]diagnostics-color}.
"""

# Flags that change nothing for bpfcc's output but appear in BPF Makefiles.
HARMLESS_F = frozenset({
    "no-stack-protector", "freestanding", "no-builtin", "no-asynchronous-unwind-tables",
    "no-unwind-tables", "no-common", "no-jump-tables", "color-diagnostics",
    "no-color-diagnostics", "diagnostics-color", "no-diagnostics-color",
})
HARMLESS_F_PREFIXES = ("no-builtin-", "diagnostics-color=")
DEBUG_FORMATS = frozenset({"", "1", "2", "3", "gdb", "dwarf", "dwarf-4", "dwarf-5", "btf"})
STANDARDS = frozenset(
    [f"{d}{y}" for d in ("c", "gnu") for y in ("89", "90", "99", "11", "17", "18", "2x", "23", "2y")]
    + [f"iso9899:{y}" for y in ("1990", "199409", "1999", "2011", "2017", "2018")]
)
SUFFIXES = {"object": ".o", "bitcode": ".bc", "asm": ".s", "ir": ".ll"}


@dataclass
class Invocation:
    """Everything the command line asked for."""

    options: Options = field(default_factory=Options)
    inputs: list[str] = field(default_factory=list)
    output: str | None = None
    stop_after: set[str] = field(default_factory=set)  # of "-c", "-S", "-E"
    emit_llvm: bool = False
    system_dirs: list[str] = field(default_factory=list)  # -isystem, searched after every -I
    hide_warnings: bool = False
    language: str | None = None
    action: str | None = None  # "help" or "version": print and exit
    verbose: bool = False
    errors: list[Diagnostic] = field(default_factory=list)

    @property
    def output_kind(self) -> str:
        # As in clang, the earliest stop wins whatever the order: -E over -S over -c.
        if "-E" in self.stop_after:
            return "preprocessed"
        if "-S" in self.stop_after:
            return "ir" if self.emit_llvm else "asm"
        return "bitcode" if self.emit_llvm else "object"

    def error(self, message: str, hint: str | None = None) -> None:
        self.errors.append(Diagnostic("error", message, hint=hint))


def _define(inv: Invocation, value: str) -> None:
    name, _, body = value.partition("=")
    if not name:
        inv.error(f"macro name missing in '-D{value}'")
        return
    # Later -D/-U of one name override earlier ones, as in clang.
    bare = name.partition("(")[0]
    inv.options.undefines[:] = [u for u in inv.options.undefines if u != bare]
    inv.options.defines.append((name, body if "=" in value else "1"))


def _undefine(inv: Invocation, name: str) -> None:
    inv.options.defines[:] = [d for d in inv.options.defines if d[0].partition("(")[0] != name]
    inv.options.undefines.append(name)


def _optimize(inv: Invocation, level: str) -> None:
    if level in ("", "g"):
        inv.options.opt_level = 1
    elif level in ("s", "z"):
        inv.options.opt_level = 2
    elif level.isdigit():
        inv.options.opt_level = min(int(level), 3)
    else:
        inv.error(f"invalid integral value '{level}' in '-O{level}'")


def _debug(inv: Invocation, form: str) -> None:
    if form == "0":
        inv.options.debug = False
    elif form in DEBUG_FORMATS:
        inv.options.debug = True
    else:
        inv.error(f"unknown argument: '-g{form}'")


def _warning(inv: Invocation, name: str) -> None:
    # Group flags for groups bpfcc has no warning in (-Wall, -Wunused-variable…) change nothing.
    if name == "error":
        inv.options.werror = True
    elif name == "no-error":
        inv.options.werror = False
    else:
        inv.options.warnings.append(name)


def _feature(inv: Invocation, name: str) -> None:
    if name not in HARMLESS_F and not name.startswith(HARMLESS_F_PREFIXES):
        inv.error(f"unknown argument: '-f{name}'")


def _mcpu(inv: Invocation, cpu: str) -> None:
    if cpu in MCPUS:
        inv.options.mcpu = cpu
    else:
        inv.error(f"unknown target CPU '{cpu}'", hint=f"valid target CPU values are: {', '.join(MCPUS)}")


def _target(inv: Invocation, triple: str) -> None:
    arch = triple.partition("-")[0]
    if arch == "bpfeb":
        _big_endian(inv, "")
    elif arch not in ("bpf", "bpfel"):
        inv.error(f"unknown target triple '{triple}'", hint="bpfcc compiles for 'bpf' (little-endian) only")


def _big_endian(inv: Invocation, _: str) -> None:
    inv.error("big-endian BPF is not supported", hint="bpfcc emits little-endian objects (-target bpf)")


def _std(inv: Invocation, std: str) -> None:
    # bpfcc parses one GNU C dialect whatever the standard; only typos are refused.
    if std not in STANDARDS:
        inv.error(f"invalid value '{std}' in '-std={std}'")


def _language(inv: Invocation, lang: str) -> None:
    if lang != "c":
        inv.error(f"language '{lang}' is not supported", hint="bpfcc compiles C only (-x c)")
    inv.language = lang


def _output(inv: Invocation, path: str) -> None:
    inv.output = path


def _stop(flag: str):
    return lambda inv, _: inv.stop_after.add(flag)


def _set(attr: str, value=True):
    return lambda inv, _: setattr(inv, attr, value)


def _option(attr: str, value=True):
    return lambda inv, _: setattr(inv.options, attr, value)


# How a flag takes its value, as clang spells them.
FLAG, JOINED, SEPARATE, JOINED_OR_SEPARATE = "flag", "joined", "separate", "joined-or-separate"

# (spelling, form, handler(invocation, value)); the first match wins, so an
# exact spelling goes before a joined prefix that also matches it.
RULES = (
    ("-c", FLAG, _stop("-c")),
    ("-S", FLAG, _stop("-S")),
    ("-E", FLAG, _stop("-E")),
    ("-emit-llvm", FLAG, _set("emit_llvm")),
    ("-w", FLAG, _set("hide_warnings")),
    ("-v", FLAG, _set("verbose")),
    ("-pipe", FLAG, lambda inv, _: None),
    ("--version", FLAG, _set("action", "version")),
    ("-h", FLAG, _set("action", "help")),
    ("--help", FLAG, _set("action", "help")),
    ("--strict-loops", FLAG, _option("strict_loops")),
    ("-mlittle-endian", FLAG, lambda inv, _: None),
    ("-mbig-endian", FLAG, _big_endian),
    ("-target", SEPARATE, _target),
    ("--target=", JOINED, _target),
    ("-mcpu=", JOINED, _mcpu),
    ("-std=", JOINED, _std),
    ("-isystem", JOINED_OR_SEPARATE, lambda inv, d: inv.system_dirs.append(d)),
    ("--sysroot=", JOINED, lambda inv, d: setattr(inv.options, "sysroot", d)),
    ("--sysroot", SEPARATE, lambda inv, d: setattr(inv.options, "sysroot", d)),
    ("--btf=", JOINED, lambda inv, f: setattr(inv.options, "btf", f)),
    ("--btf", SEPARATE, lambda inv, f: setattr(inv.options, "btf", f)),
    ("-o", JOINED_OR_SEPARATE, _output),
    ("-I", JOINED_OR_SEPARATE, lambda inv, d: inv.options.include_dirs.append(d)),
    ("-D", JOINED_OR_SEPARATE, _define),
    ("-U", JOINED_OR_SEPARATE, _undefine),
    ("-x", JOINED_OR_SEPARATE, _language),
    ("-O", JOINED, _optimize),
    ("-g", JOINED, _debug),
    ("-W", JOINED, _warning),
    ("-f", JOINED, _feature),
)


_NO_MATCH = object()


def _value(arg: str, spelling: str, form: str, rest):
    """The flag's value if `arg` is this flag (None if a separate value is missing), else _NO_MATCH."""
    if form in (FLAG, SEPARATE):
        if arg != spelling:
            return _NO_MATCH
        return next(rest, None) if form == SEPARATE else ""
    if not arg.startswith(spelling):
        return _NO_MATCH
    joined = arg[len(spelling):]
    return next(rest, None) if form == JOINED_OR_SEPARATE and not joined else joined


def parse_args(argv: list[str]) -> Invocation:
    """Read clang-style arguments; problems are collected in `Invocation.errors`."""
    inv = Invocation()
    args = iter(argv)
    for arg in args:
        if arg == "-" or not arg.startswith("-"):
            inv.inputs.append(arg)
            continue
        for spelling, form, handler in RULES:
            value = _value(arg, spelling, form, args)
            if value is _NO_MATCH:
                continue
            if value is None:
                inv.error(f"argument to '{arg}' is missing (expected 1 value)")
            else:
                handler(inv, value)
            break
        else:
            inv.error(f"unknown argument: '{arg}'")
    inv.options.include_dirs += inv.system_dirs
    if inv.hide_warnings:
        inv.options.werror = False  # -w silences warnings even under -Werror, as in clang
    if "-" in inv.inputs and inv.language is None and inv.output_kind != "preprocessed":
        inv.error("-E or -x required when input is from standard input")
    if inv.output is not None and len(inv.inputs) > 1:
        inv.error("cannot specify -o when generating multiple output files")
    return inv


def output_path(inv: Invocation, source: str) -> str:
    """Where one input's output goes: -o, stdout for -E, else clang's `<stem><suffix>` in the cwd."""
    if inv.output is not None:
        return inv.output
    kind = inv.output_kind
    if kind == "preprocessed":
        return "-"
    return Path(source).stem + SUFFIXES[kind]


def version_line() -> str:
    from llvmlite import binding  # the LLVM that bpfcc generates code with

    return f"bpfcc {__version__} (LLVM {'.'.join(map(str, binding.llvm_version_info))})"


def report(diagnostics: list[Diagnostic], sources: dict[str, list[str]], hide_warnings: bool = False) -> None:
    """Print diagnostics and clang's `N warnings and M errors generated.` to stderr."""
    hiding = False
    warnings = errors = 0
    for diag in diagnostics:
        if diag.severity != "note":
            hiding = hide_warnings and diag.severity == "warning"
        if hiding:
            continue  # a hidden warning's notes go with it
        warnings += diag.severity == "warning"
        errors += diag.severity == "error"
        print(render(diag, sources), file=sys.stderr)
    counts = [f"{n} {what}{'s' if n != 1 else ''}" for n, what in ((warnings, "warning"), (errors, "error")) if n]
    if counts:
        print(f"{' and '.join(counts)} generated.", file=sys.stderr)


def _usage_errors(errors: list[Diagnostic]) -> None:
    # Like clang's driver errors: no "N errors generated." summary.
    for diag in errors:
        print(render(diag), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    inv = parse_args(sys.argv[1:] if argv is None else argv)
    if inv.errors:
        _usage_errors(inv.errors)
        return 1
    if inv.action == "help":
        print(HELP, end="")
        return 0
    if inv.action == "version":
        print(version_line())
        return 0
    if inv.verbose:  # clang's -v: the version on stderr, then compile as usual
        print(version_line(), file=sys.stderr)
        if not inv.inputs:
            return 0
    if not inv.inputs:
        _usage_errors([Diagnostic("error", "no input files")])
        return 1
    status = 0
    cache = Cache.for_cli()
    for source in inv.inputs:
        status |= _compile(inv, source, cache)
    return status


def _compile(inv: Invocation, source: str, cache) -> int:
    from . import api  # the compiler's stages are imported only on a cache miss

    kind, dest = inv.output_kind, output_path(inv, source)
    if source == "-":
        result = api.compile(sys.stdin.read(), "<stdin>", options=inv.options, output=kind, cache=cache)
    else:
        result = api.compile_file(source, options=inv.options, output=kind, cache=cache)
    report(result.diagnostics, result.sources, inv.hide_warnings)
    try:
        if dest == "-":
            if result.ok:
                sys.stdout.flush()
                sys.stdout.buffer.write(result.output)
                sys.stdout.buffer.flush()
        else:
            api.save(result, dest)
    except OSError as exc:
        _usage_errors([Diagnostic("error", f"unable to open output file '{dest}': '{exc.strerror}'")])
        return 1
    return 0 if result.ok else 1
