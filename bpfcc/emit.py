"""Emit: the optimised module → BPF ELF object, BPF assembly or LLVM IR text.

The bytes were made by the child that optimised the module (backend.py), once
optimize's checks had passed; whatever LLVM's BPF back end did there (it
reports some errors by printing them and exiting) becomes a diagnostic here.
"""
from __future__ import annotations

import re

from .diagnostics import Diagnostics, Location
from .optimize import Optimized
from .options import Options


def emit(optimized: Optimized, output: str, options: Options, diags: Diagnostics) -> bytes | None:
    built = optimized.built
    if output == "ir":
        return built.optimized_ir.encode()
    if built.output is not None:
        return built.output
    _report_backend_failure(built.failure, optimized, diags)
    return None


_IN_FUNCTION = re.compile(r"in function (\S+)")
_SOURCE_LOCATION = re.compile(r"^([^\s:]+):(\d+):(\d+): (.*)$")
_IN_FUNCTION_PREFIX = re.compile(r"^in function \S+ [^:]*: ")


def _report_backend_failure(message: str, optimized: Optimized, diags: Diagnostics) -> None:
    message = re.sub(r"^(LLVM ERROR|error): (<unknown>:0:0: )?", "", message).strip()
    loc = None
    located = _SOURCE_LOCATION.match(message)
    if located:
        # LLVM names the file by its debug-info basename; map it back to the path compiled.
        name, line, column, message = located.groups()
        loc = Location(optimized.lowered.source_path(name), int(line), int(column))
        message = _IN_FUNCTION_PREFIX.sub("", message)
    else:
        m = _IN_FUNCTION.search(message)
        loc = optimized.lowered.function_locs.get(m.group(1)) if m else None
    diags.error(f"BPF code generation failed: {message}", loc)
