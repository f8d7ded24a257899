"""LLVM runs in a child forked per compile (bpfcc/backend.py): IR that LLVM rejects, crashes or
exits on becomes a diagnostic, and the process that called bpfcc goes on."""
from __future__ import annotations

import ctypes

import llvmlite.ir as ir

import bpfcc
from bpfcc import backend
from bpfcc.lower.bpf import BpfBuilder

SOURCE = """
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("tc") int prog(struct __sk_buff *skb)
{
	return bpf_ktime_get_ns() & 1;
}
char _license[] SEC("license") = "GPL";
"""


def compile_survives(**kwargs):
    result = bpfcc.compile(SOURCE, "prog.c", **kwargs)
    assert result.output is None and result.errors
    return result.errors


def test_helper_call_with_wrong_operand_count(monkeypatch):
    """A helper call given six operands: LLVM's BPF back end ends its process on it."""
    lower_call = BpfBuilder.helper_call

    def six_operands(self, helper_id, fnty, args, name=""):
        call = lower_call(self, helper_id, fnty, args, name)
        call.operands.extend(ir.Constant(ir.IntType(64), k) for k in range(6 - len(call.args)))
        return call

    monkeypatch.setattr(BpfBuilder, "helper_call", six_operands)
    errors = compile_survives()
    assert any("BPF code generation failed" in e.message and "too many arguments" in e.message for e in errors), errors


def test_ir_llvm_cannot_parse(monkeypatch):
    """A helper call given an operand of another function: invalid IR, rejected by LLVM's parser."""
    lower_call = BpfBuilder.helper_call

    def foreign_operand(self, helper_id, fnty, args, name=""):
        call = lower_call(self, helper_id, fnty, args, name)
        stranger = ir.Function(ir.Module(), ir.FunctionType(ir.IntType(64), [ir.IntType(64)]), "stranger")
        call.operands.append(stranger.args[0])
        return call

    monkeypatch.setattr(BpfBuilder, "helper_call", foreign_operand)
    errors = compile_survives()
    assert len(errors) == 1 and errors[0].message.startswith("internal compiler error: LLVM failed on the IR"), errors
    assert "parsing error" in errors[0].message


def test_llvm_crash(monkeypatch):
    """A segmentation fault where LLVM runs (as LLVM 22 has on some invalid IR) ends only the child."""
    monkeypatch.setattr(backend, "target_machine", lambda options: ctypes.string_at(0))
    errors = compile_survives()
    assert [e.message for e in errors] == ["internal compiler error: LLVM failed on the IR bpfcc generated: "
                                           "LLVM crashed (SIGSEGV)"]


def test_one_child_per_compile(monkeypatch):
    calls = []
    real = backend.in_child
    monkeypatch.setattr(backend, "in_child", lambda produce: calls.append(1) or real(produce))
    for output in ("object", "asm", "ir"):
        assert bpfcc.compile(SOURCE, "prog.c", output=output).output
    assert len(calls) == 3
