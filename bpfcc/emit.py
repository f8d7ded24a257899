"""Emit: optimised module → BPF ELF object, BPF assembly or LLVM IR text.

LLVM's BPF backend reports some errors by printing them and exiting the
process.  `optimize` catches the known ones first; as the last line of
defence, code generation runs in a forked child, so whatever LLVM does there
becomes a diagnostic instead of ending the caller's process.
"""
from __future__ import annotations

import os
import re
import selectors

from .diagnostics import Diagnostics, Location
from .optimize import Optimized
from .options import Options


def emit(optimized: Optimized, output: str, options: Options, diags: Diagnostics) -> bytes | None:
    if output == "ir":
        return str(optimized.module).encode()
    tm = optimized.target_machine
    if output == "asm":
        produce = lambda: tm.emit_assembly(optimized.module).encode()  # noqa: E731
    else:
        produce = lambda: tm.emit_object(optimized.module)  # noqa: E731
    status, data, errors = _in_child(produce)
    if status == 0:
        return data
    _report_backend_failure(errors, optimized, diags)
    return None


def _in_child(produce) -> tuple[int, bytes, str]:
    """Run `produce` in a forked child; returns (exit status, its bytes, its stderr)."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 0
        try:
            os.close(out_r)
            os.close(err_r)
            os.dup2(err_w, 2)
            data = produce()
            view = memoryview(data)
            while view:
                view = view[os.write(out_w, view):]
        except BaseException as exc:  # noqa: BLE001 - reported through the exit status and stderr
            os.write(2, f"error: {type(exc).__name__}: {exc}\n".encode())
            status = 70
        os._exit(status)
    os.close(out_w)
    os.close(err_w)
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    with selectors.DefaultSelector() as sel:
        sel.register(out_r, selectors.EVENT_READ)
        sel.register(err_r, selectors.EVENT_READ)
        open_fds = 2
        while open_fds:
            for key, _ in sel.select():
                piece = os.read(key.fd, 1 << 16)
                if piece:
                    chunks[key.fd].append(piece)
                else:
                    sel.unregister(key.fd)
                    open_fds -= 1
    os.close(out_r)
    os.close(err_r)
    _, wait_status = os.waitpid(pid, 0)
    status = os.waitstatus_to_exitcode(wait_status)
    return status, b"".join(chunks[out_r]), b"".join(chunks[err_r]).decode("utf-8", "replace")


_IN_FUNCTION = re.compile(r"in function (\S+)")
_SOURCE_LOCATION = re.compile(r"^([^\s:]+):(\d+):(\d+): (.*)$")
_IN_FUNCTION_PREFIX = re.compile(r"^in function \S+ [^:]*: ")


def _report_backend_failure(errors: str, optimized: Optimized, diags: Diagnostics) -> None:
    lines = [line for line in errors.splitlines() if line.strip()]
    message = next((line for line in lines if "error" in line.lower()), lines[0] if lines else "")
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
    if not message:
        message = "LLVM's BPF code generator stopped without a message"
    diags.error(f"BPF code generation failed: {message}", loc)
