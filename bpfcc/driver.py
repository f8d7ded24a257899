"""The compiler pipeline: preprocess → parse → check → lower → optimise → emit.

`compile()` is the whole compiler in a few lines; the CLI and the Python API
both call it.  A stage that reports an error ends the pipeline; whatever goes
wrong inside a stage is turned into a diagnostic, never a traceback.
"""
from __future__ import annotations

import dataclasses
import gc
import os
import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .cache import Cache, Entry, Inputs
from .diagnostics import CompileError, Diagnostic, Diagnostics
from .options import Options

if TYPE_CHECKING:
    from .preprocess import Preprocessed

OUTPUTS = ("object", "asm", "ir", "preprocessed")


@dataclass
class Result:
    """What a compilation produced: the requested output or the diagnostics that stopped it."""

    output: bytes | None
    diagnostics: list[Diagnostic]
    sources: dict[str, list[str]] = field(default_factory=dict)  # every file read, for rendering carets

    @property
    def ok(self) -> bool:
        return self.output is not None and not any(d.severity == "error" for d in self.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


# Parsing, checking and lowering recurse once per nesting level: long `else if`
# chains and deep expressions need more than Python's default 1000 frames and
# the main thread's C stack.  Each compile runs on a thread with a big stack.
_RECURSION_LIMIT = 200000
_STACK_BYTES = 512 * 1024 * 1024


def compile(source: str, filename: str = "<input>", options: Options | None = None, output: str = "object",
            cache: Cache | None = None) -> Result:
    """Compile C source text; `output` is one of OUTPUTS.  With a `cache`, an output kept for the
    same inputs is returned without compiling, and a successful compile is kept."""
    options = options or Options()
    if cache is None or output == "preprocessed":
        return _compile_on_thread(source, filename, options, output, Inputs(), cache)
    key = cache.key(source, filename, options, output)
    entry = cache.lookup(key)
    if entry is not None:
        return Result(entry.output, list(entry.diagnostics), entry.sources)
    inputs = Inputs()
    result = _compile_on_thread(source, filename, options, output, inputs, cache)
    if result.ok:
        shown = {d.location.file for d in result.diagnostics if d.location}
        sources = {name: lines for name, lines in result.sources.items() if name in shown}
        cache.store(key, Entry(inputs, result.output, result.diagnostics, sources))
    return result


def _compile_on_thread(source: str, filename: str, options: Options, output: str, inputs: Inputs,
                       cache: Cache | None) -> Result:
    result: list[Result] = []
    if sys.getrecursionlimit() < _RECURSION_LIMIT:
        sys.setrecursionlimit(_RECURSION_LIMIT)
    previous = threading.stack_size(_STACK_BYTES)
    # A compile builds millions of long-lived objects (tokens, AST nodes, types) and next to no
    # cyclic garbage: the cycle collector's passes over them took half the time of a program
    # that includes vmlinux.h, and freed nothing.  It runs again when the compile is over.
    collecting = gc.isenabled()
    gc.disable()
    try:
        worker = threading.Thread(target=lambda: result.append(_compile(source, filename, options, output, inputs, cache)),
                                  name="bpfcc-compile")
        worker.start()
    finally:
        threading.stack_size(previous)
    try:
        worker.join()
    finally:
        if collecting:
            gc.enable()
    return result[0]


def _compile(source: str, filename: str, options: Options, output: str, inputs: Inputs,
             cache: Cache | None) -> Result:
    # The stages are imported here, on a cache miss only: importing them takes three times as
    # long as clang-19 takes to compile a small program.
    from . import emit, lower, optimize, preprocess

    diags = Diagnostics(werror=options.werror, warning_flags=list(options.warnings))
    pre = preprocess.Preprocessed(text="", sources={filename: source.splitlines()})
    try:
        pre = preprocess.preprocess(source, filename, options, diags, inputs, cache)
        if output == "preprocessed":
            preprocess.refuse_kernel_types(pre, diags)
        if diags.has_errors or output == "preprocessed":
            return _finish(pre.text.encode(), diags, pre)
        program, diags = _parse_and_check(pre, filename, options, diags)
        if diags.has_errors:
            return _finish(None, diags, pre)
        module = lower.lower(program, options, diags)
        if diags.has_errors:
            return _finish(None, diags, pre)
        # LLVM runs in one forked child: it optimises, sends the optimised IR back for the
        # checks, then emits; emit accepts its bytes only if the checks found nothing.
        optimised = optimize.optimize(module, options, diags, output)
        if diags.has_errors:
            return _finish(None, diags, pre)
        return _finish(emit.emit(optimised, output, options, diags), diags, pre)
    except CompileError:
        return _finish(None, diags, pre)
    except RecursionError:
        diags.error(f"expression or statement nested too deeply (over {_RECURSION_LIMIT} levels)", diags.last_location)
        return _finish(None, diags, pre)
    except Exception as exc:  # the last line of defence: no traceback reaches the user
        diags.error(f"internal compiler error: {type(exc).__name__}: {exc}", diags.last_location)
        return _finish(None, diags, pre)


def _parse_and_check(pre: Preprocessed, filename: str, options: Options, diags: Diagnostics) -> tuple[object, Diagnostics]:
    """Parse and check, a big translation unit first without the header declarations nothing in it
    names (`reachable`).  Only if that fails is the whole text parsed and checked, so diagnostics
    are always the whole translation unit's; the diagnostics that hold are returned."""
    from . import check, parse, reachable

    reached = reachable.reachable(pre.text, filename) if pre.kernel_types is None else None
    if reached is not None:
        trial = dataclasses.replace(diags, items=list(diags.items), pragmas=list(diags.pragmas))
        try:
            program = check.check(parse.parse(reached, trial, filename), options, trial, filename)
            if not trial.has_errors:
                return program, trial
        except CompileError:
            pass
    prefix = pre.prefix
    if prefix is not None and prefix.parsed is None:
        prefix.parsed = parse.parse_prefix(prefix.text, filename, prefix.kernel_types) or False
    if prefix is not None and prefix.parsed:
        unit = parse.parse(pre.text[len(prefix.text):], diags, filename, pre.kernel_types, prefix.parsed)
    else:
        unit = parse.parse(pre.text, diags, filename, pre.kernel_types)
    if diags.has_errors:
        return None, diags
    return check.check(unit, options, diags, filename), diags


def compile_file(path: str, options: Options | None = None, output: str = "object",
                 cache: Cache | None = None) -> Result:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            source = f.read()
    except OSError as exc:
        return Result(None, [Diagnostic("error", f"cannot read '{path}': {exc.strerror}")])
    return compile(source, path, options, output, cache)


def _finish(data: bytes | None, diags: Diagnostics, pre: Preprocessed) -> Result:
    if diags.has_errors:
        data = None
    return Result(data, list(diags.items), pre.sources)


def write_output(result: Result, path: str) -> None:
    """Write atomically so a failed compile never leaves a partial object behind."""
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(result.output)
    os.replace(tmp, path)
