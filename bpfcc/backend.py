"""LLVM, in a forked child: IR text → optimised IR text, LLVM's remarks, emitted bytes.

LLVM can end the process it runs in: some invalid IR makes `parse_assembly` crash instead of
raising, the BPF back end exits on what it cannot emit, and BPFAbstractMemberAccess keeps the
globals it makes for CO-RE relocations in a process-wide map (clang compiles one module per
process).  So every call into LLVM happens in one child forked per compile: it parses and
verifies the IR, runs the pass pipeline, sends the optimised IR and the remarks, then emits.
The parent keeps what arrived before anything went wrong, and the child's stderr.
"""
from __future__ import annotations

import contextlib
import faulthandler
import io
import os
import selectors
import signal
import struct
import sys
import tempfile
from dataclasses import dataclass

import llvmlite.binding as llvm

from .lower import TRIPLE
from .options import Options

# What the child sends, each piece framed as a tag byte and a 64-bit length.
OPTIMIZED, REMARKS, OUTPUT = b"I", b"R", b"O"
_FRAME = struct.Struct("<cQ")
_FAILED = 70


@dataclass
class Built:
    optimized_ir: str | None   # None: LLVM stopped before the pipeline had run
    remarks: str               # what LLVM printed while optimising
    output: bytes | None       # object or assembly; None for IR output, or when emission failed
    errors: str                # the child's stderr: why it stopped, if it did
    status: int                # the child's exit status (negative: the signal that ended it)

    @property
    def failure(self) -> str:
        """Why the child stopped, in one line."""
        lines = [line for line in self.errors.splitlines() if line.strip()]
        message = next((line for line in lines if "error" in line.lower()), lines[0] if lines else "")
        if message:
            return message.strip()
        if self.status < 0:
            return f"LLVM crashed ({signal.Signals(-self.status).name})"
        return f"LLVM exited with status {self.status}"


def build(ir_text: str, options: Options, output: str) -> Built:
    """Optimise `ir_text` and, for output "object" or "asm", emit it: all in a forked child."""
    status, data, errors = in_child(lambda: _run_llvm(ir_text, options, output))
    pieces = dict(frames(data))
    ir = pieces.get(OPTIMIZED)
    return Built(ir.decode() if ir is not None else None, pieces.get(REMARKS, b"").decode("utf-8", "replace"),
                 pieces.get(OUTPUT) if status == 0 else None, errors, status)


def target_machine(options: Options) -> llvm.TargetMachine:
    llvm.initialize_all_targets()
    llvm.initialize_all_asmprinters()
    cpu = {"probe": "v3", "generic": "generic"}.get(options.mcpu, options.mcpu)
    target = llvm.Target.from_triple(TRIPLE)
    return target.create_target_machine(cpu=cpu, opt=min(options.opt_level, 3), reloc="static", codemodel="small")


def _run_llvm(ir_text: str, options: Options, output: str):
    """The child's work, piece by piece: each piece reaches the parent before the next starts."""
    module = llvm.parse_assembly(ir_text)
    module.verify()
    tm = target_machine(options)
    # -O0 runs LLVM's O0 pipeline, which inlines always_inline functions, as clang's does.
    tuning = llvm.create_pipeline_tuning_options(speed_level=min(options.opt_level, 3))
    builder = llvm.create_pass_builder(tm, tuning)
    with captured_stderr() as remarks:
        builder.getModulePassManager().run(module, builder)
    yield REMARKS, remarks.read().encode()
    yield OPTIMIZED, str(module).encode()
    if output == "asm":
        yield OUTPUT, tm.emit_assembly(module).encode()
    elif output == "object":
        yield OUTPUT, tm.emit_object(module)


@contextlib.contextmanager
def captured_stderr():
    """LLVM prints optimisation remarks to file descriptor 2; collect them instead."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        text = io.StringIO()
        try:
            yield text
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            text.write(sink.read().decode("utf-8", "replace"))
            text.seek(0)


def frames(data: bytes):
    """(tag, payload) of each complete piece; a piece cut short by the child's end is dropped."""
    at = 0
    while at + _FRAME.size <= len(data):
        tag, size = _FRAME.unpack_from(data, at)
        at += _FRAME.size
        if at + size > len(data):
            return
        yield tag, data[at:at + size]
        at += size


def in_child(produce) -> tuple[int, bytes, str]:
    """Run the generator function `produce` in a forked child, which frames each (tag, bytes)
    it yields onto a pipe; returns (exit status, the framed bytes, the child's stderr)."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 0
        faulthandler.disable()  # a crash here is reported through the exit status
        try:
            os.close(out_r)
            os.close(err_r)
            os.dup2(err_w, 2)
            for tag, payload in produce():
                view = memoryview(_FRAME.pack(tag, len(payload)) + payload)
                while view:
                    view = view[os.write(out_w, view):]
        except BaseException as exc:  # noqa: BLE001 - reported through the exit status and stderr
            os.write(2, f"error: {type(exc).__name__}: {exc}\n".encode())
            status = _FAILED
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
