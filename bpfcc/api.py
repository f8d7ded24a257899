"""The Python API for build scripts: `compile` and `compile_file` with keyword options.

Thin wrappers over `driver`: they build `Options` from keywords, add LLVM
bitcode as an output kind, and `save` outputs the way the CLI does.
"""
from __future__ import annotations

import dataclasses
import errno
import os
from collections.abc import Iterable, Mapping

from . import driver
from .cache import Cache
from .diagnostics import Diagnostic
from .driver import Result
from .options import Options

OUTPUTS = driver.OUTPUTS + ("bitcode",)


def options_for(
    base: Options | None = None,
    *,
    defines: Mapping[str, object] | Iterable[tuple[str, object]] | None = None,
    include_dirs: Iterable[str] | None = None,
    sysroot: str | os.PathLike | None = None,
    btf: str | os.PathLike | None = None,
    opt_level: int | None = None,
    mcpu: str | None = None,
    debug: bool | None = None,
    werror: bool | None = None,
    warnings: Iterable[str] | None = None,
    strict_loops: bool | None = None,
) -> Options:
    """`base` (default `Options()`) with each keyword that is given replacing its field.

    `defines` maps macro names to values; a value of None or True defines the
    macro as 1, like `-DNAME`.  `btf` is the kernel BTF file `#include <vmlinux.h>`
    reads when no vmlinux.h is on the include path, like `--btf`.
    """
    changes: dict[str, object] = {
        "opt_level": opt_level, "mcpu": mcpu, "debug": debug, "werror": werror, "strict_loops": strict_loops,
    }
    if defines is not None:
        pairs = defines.items() if isinstance(defines, Mapping) else defines
        changes["defines"] = [(name, "1" if value in (None, True) else str(value)) for name, value in pairs]
    if include_dirs is not None:
        changes["include_dirs"] = [os.fspath(d) for d in include_dirs]
    if sysroot is not None:
        changes["sysroot"] = os.fspath(sysroot)
    if btf is not None:
        changes["btf"] = os.fspath(btf)
    if warnings is not None:  # "-Wno-int-conversion" or "no-int-conversion"
        changes["warnings"] = [w.removeprefix("-W") for w in warnings]
    return dataclasses.replace(base or Options(), **{k: v for k, v in changes.items() if v is not None})


def compile(source: str, filename: str = "<input>", *, output: str = "object",
            options: Options | None = None, cache: Cache | None = None, **settings) -> Result:
    """Compile C source text; `settings` are `options_for`'s keywords, applied over `options`.

    `output` is "object" (ELF bytes), "asm", "ir", "bitcode" or "preprocessed".  With a `cache`
    (`bpfcc.Cache()` in memory, `bpfcc.Cache(directory)` on disk), compiling the same inputs
    again returns the kept output; see `bpfcc.cache` for what "the same" covers.
    """
    opts = options_for(options, **settings)
    return _run(lambda kind: driver.compile(source, filename, opts, kind, cache), output)


def compile_file(path: str | os.PathLike, *, out: str | os.PathLike | None = None, output: str = "object",
                 options: Options | None = None, cache: Cache | None = None, **settings) -> Result:
    """Compile a C file; with `out`, also `save` the result there."""
    opts = options_for(options, **settings)
    result = _run(lambda kind: driver.compile_file(os.fspath(path), opts, kind, cache), output)
    if out is not None:
        save(result, os.fspath(out))
    return result


def save(result: Result, path: str) -> None:
    """Write a successful result to `path`; after a failure remove what `path` held, as clang does,
    so a stale object never passes for this compile's."""
    if not result.ok:
        if os.path.isfile(path):
            os.unlink(path)
        return
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    if os.path.exists(path) and not os.path.isfile(path):
        # /dev/null or a pipe: write through it; an atomic rename would replace it with a file.
        with open(path, "wb") as f:
            f.write(result.output)
        return
    driver.write_output(result, path)


def _run(compile_as, output: str) -> Result:
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {', '.join(OUTPUTS)}, not {output!r}")
    if output != "bitcode":
        return compile_as(output)
    return _to_bitcode(compile_as("ir"))


def _to_bitcode(result: Result) -> Result:
    if not result.ok:
        return result
    from llvmlite import binding

    try:
        bitcode = binding.parse_assembly(result.output.decode()).as_bitcode()
    except RuntimeError as exc:  # the IR came from bpfcc itself, so this is bpfcc's fault
        error = Diagnostic("error", f"internal compiler error: cannot write bitcode: {exc}")
        return dataclasses.replace(result, output=None, diagnostics=[*result.diagnostics, error])
    return dataclasses.replace(result, output=bitcode)
