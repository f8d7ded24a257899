"""Test support for bpfcc: run BPF objects in the kernel (bpf), build and check frames
(packets), real traffic through network namespaces (netns), clang-19 as the oracle (clang).

Compiler-agnostic: everything takes ELF bytes or a path, whoever produced them.
"""
