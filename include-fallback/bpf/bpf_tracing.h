/* bpfcc's <bpf/bpf_tracing.h>: kprobe and tracing program arguments, as libbpf 1.x's header
 * gives them, for x86-64 and arm64.
 *
 * A BPF program does not run on the machine it was compiled for in any sense the compiler
 * knows (-target bpf), so the architecture whose registers a kprobe reads comes from
 * -D__TARGET_ARCH_x86 or -D__TARGET_ARCH_arm64. */
#ifndef __BPF_TRACING_H__
#define __BPF_TRACING_H__

#include "bpf_helpers.h"

#if defined(__TARGET_ARCH_x86) || (!defined(__TARGET_ARCH_arm64) && defined(__x86_64__))
#define bpf_target_x86
#define bpf_target_defined
#elif defined(__TARGET_ARCH_arm64) || defined(__aarch64__)
#define bpf_target_arm64
#define bpf_target_defined
#endif

#ifndef __BPF_TARGET_MISSING
#define __BPF_TARGET_MISSING "GCC error \"Must specify a BPF target arch via __TARGET_ARCH_xxx\""
#endif

/* Which member of struct pt_regs holds each argument register, the return address, frame
 * pointer, return value, stack pointer and instruction pointer. */
#if defined(bpf_target_x86)
#if defined(__KERNEL__) || defined(__VMLINUX_H__)
/* The kernel's own struct pt_regs (vmlinux.h) */
#define __PT_PARM1_REG di
#define __PT_PARM2_REG si
#define __PT_PARM3_REG dx
#define __PT_PARM4_REG cx
#define __PT_PARM5_REG r8
#define __PT_PARM6_REG r9
#define __PT_RET_REG sp
#define __PT_FP_REG bp
#define __PT_RC_REG ax
#define __PT_SP_REG sp
#define __PT_IP_REG ip
#define __PT_SYSCALL_PARM4_REG r10
#else
/* <asm/ptrace.h>'s for user space */
#define __PT_PARM1_REG rdi
#define __PT_PARM2_REG rsi
#define __PT_PARM3_REG rdx
#define __PT_PARM4_REG rcx
#define __PT_PARM5_REG r8
#define __PT_PARM6_REG r9
#define __PT_RET_REG rsp
#define __PT_FP_REG rbp
#define __PT_RC_REG rax
#define __PT_SP_REG rsp
#define __PT_IP_REG rip
#define __PT_SYSCALL_PARM4_REG r10
#endif
/* System calls pass their fourth argument in r10, not rcx. */
#define PT_REGS_PARM4_SYSCALL(x) (__PT_REGS_CAST(x)->__PT_SYSCALL_PARM4_REG)
#define PT_REGS_PARM4_CORE_SYSCALL(x) BPF_CORE_READ(__PT_REGS_CAST(x), __PT_SYSCALL_PARM4_REG)

#elif defined(bpf_target_arm64)
/* The kernel's struct pt_regs starts with user space's struct user_pt_regs. */
struct pt_regs___arm64 {
	unsigned long orig_x0;
};
#define __PT_REGS_CAST(x) ((const struct user_pt_regs *)(x))
#define __PT_PARM1_REG regs[0]
#define __PT_PARM2_REG regs[1]
#define __PT_PARM3_REG regs[2]
#define __PT_PARM4_REG regs[3]
#define __PT_PARM5_REG regs[4]
#define __PT_PARM6_REG regs[5]
#define __PT_RET_REG regs[30]
#define __PT_FP_REG regs[29]	/* with CONFIG_FRAME_POINTER */
#define __PT_RC_REG regs[0]
#define __PT_SP_REG sp
#define __PT_IP_REG pc
/* A system call's first argument register is also its return value: orig_x0 keeps it. */
#define PT_REGS_PARM1_SYSCALL(x) PT_REGS_PARM1_CORE_SYSCALL(x)
#define PT_REGS_PARM1_CORE_SYSCALL(x) BPF_CORE_READ((const struct pt_regs___arm64 *)(x), orig_x0)
#endif

#if defined(bpf_target_defined)

struct pt_regs;

#ifndef __PT_REGS_CAST
#define __PT_REGS_CAST(x) (x)
#endif

/* Direct loads, for the program's own context. */
#define PT_REGS_PARM1(x) (__PT_REGS_CAST(x)->__PT_PARM1_REG)
#define PT_REGS_PARM2(x) (__PT_REGS_CAST(x)->__PT_PARM2_REG)
#define PT_REGS_PARM3(x) (__PT_REGS_CAST(x)->__PT_PARM3_REG)
#define PT_REGS_PARM4(x) (__PT_REGS_CAST(x)->__PT_PARM4_REG)
#define PT_REGS_PARM5(x) (__PT_REGS_CAST(x)->__PT_PARM5_REG)
#define PT_REGS_PARM6(x) (__PT_REGS_CAST(x)->__PT_PARM6_REG)
#define PT_REGS_RET(x) (__PT_REGS_CAST(x)->__PT_RET_REG)
#define PT_REGS_FP(x) (__PT_REGS_CAST(x)->__PT_FP_REG)
#define PT_REGS_RC(x) (__PT_REGS_CAST(x)->__PT_RC_REG)
#define PT_REGS_SP(x) (__PT_REGS_CAST(x)->__PT_SP_REG)
#define PT_REGS_IP(x) (__PT_REGS_CAST(x)->__PT_IP_REG)

/* Probe reads (need <bpf/bpf_core_read.h>), for a struct pt_regs elsewhere in the kernel. */
#define PT_REGS_PARM1_CORE(x) BPF_CORE_READ(__PT_REGS_CAST(x), __PT_PARM1_REG)
#define PT_REGS_PARM2_CORE(x) BPF_CORE_READ(__PT_REGS_CAST(x), __PT_PARM2_REG)
#define PT_REGS_PARM3_CORE(x) BPF_CORE_READ(__PT_REGS_CAST(x), __PT_PARM3_REG)
#define PT_REGS_PARM4_CORE(x) BPF_CORE_READ(__PT_REGS_CAST(x), __PT_PARM4_REG)
#define PT_REGS_PARM5_CORE(x) BPF_CORE_READ(__PT_REGS_CAST(x), __PT_PARM5_REG)
#define PT_REGS_PARM6_CORE(x) BPF_CORE_READ(__PT_REGS_CAST(x), __PT_PARM6_REG)
#define PT_REGS_RET_CORE(x) BPF_CORE_READ(__PT_REGS_CAST(x), __PT_RET_REG)
#define PT_REGS_FP_CORE(x) BPF_CORE_READ(__PT_REGS_CAST(x), __PT_FP_REG)
#define PT_REGS_RC_CORE(x) BPF_CORE_READ(__PT_REGS_CAST(x), __PT_RC_REG)
#define PT_REGS_SP_CORE(x) BPF_CORE_READ(__PT_REGS_CAST(x), __PT_SP_REG)
#define PT_REGS_IP_CORE(x) BPF_CORE_READ(__PT_REGS_CAST(x), __PT_IP_REG)

/* The caller's address: on entry at the top of the stack, on return above the frame pointer. */
#define BPF_KPROBE_READ_RET_IP(ip, ctx) \
	({ bpf_probe_read_kernel(&(ip), sizeof(ip), (void *)PT_REGS_RET(ctx)); })
#define BPF_KRETPROBE_READ_RET_IP(ip, ctx) \
	({ bpf_probe_read_kernel(&(ip), sizeof(ip), (void *)(PT_REGS_FP(ctx) + sizeof(ip))); })

/* A system call's arguments in the registers of the struct pt_regs it was called with. */
#ifndef PT_REGS_PARM1_SYSCALL
#define PT_REGS_PARM1_SYSCALL(x) PT_REGS_PARM1(x)
#define PT_REGS_PARM1_CORE_SYSCALL(x) PT_REGS_PARM1_CORE(x)
#endif
#define PT_REGS_PARM2_SYSCALL(x) PT_REGS_PARM2(x)
#define PT_REGS_PARM3_SYSCALL(x) PT_REGS_PARM3(x)
#ifndef PT_REGS_PARM4_SYSCALL
#define PT_REGS_PARM4_SYSCALL(x) PT_REGS_PARM4(x)
#define PT_REGS_PARM4_CORE_SYSCALL(x) PT_REGS_PARM4_CORE(x)
#endif
#define PT_REGS_PARM5_SYSCALL(x) PT_REGS_PARM5(x)
#define PT_REGS_PARM2_CORE_SYSCALL(x) PT_REGS_PARM2_CORE(x)
#define PT_REGS_PARM3_CORE_SYSCALL(x) PT_REGS_PARM3_CORE(x)
#define PT_REGS_PARM5_CORE_SYSCALL(x) PT_REGS_PARM5_CORE(x)

#else /* no target */

#define ___bpf_target_missing ({ _Pragma(__BPF_TARGET_MISSING); 0l; })
#define PT_REGS_PARM1(x) ___bpf_target_missing
#define PT_REGS_PARM2(x) ___bpf_target_missing
#define PT_REGS_PARM3(x) ___bpf_target_missing
#define PT_REGS_PARM4(x) ___bpf_target_missing
#define PT_REGS_PARM5(x) ___bpf_target_missing
#define PT_REGS_PARM6(x) ___bpf_target_missing
#define PT_REGS_RET(x) ___bpf_target_missing
#define PT_REGS_FP(x) ___bpf_target_missing
#define PT_REGS_RC(x) ___bpf_target_missing
#define PT_REGS_SP(x) ___bpf_target_missing
#define PT_REGS_IP(x) ___bpf_target_missing
#define PT_REGS_PARM1_CORE(x) ___bpf_target_missing
#define PT_REGS_PARM2_CORE(x) ___bpf_target_missing
#define PT_REGS_PARM3_CORE(x) ___bpf_target_missing
#define PT_REGS_PARM4_CORE(x) ___bpf_target_missing
#define PT_REGS_PARM5_CORE(x) ___bpf_target_missing
#define PT_REGS_PARM6_CORE(x) ___bpf_target_missing
#define PT_REGS_RET_CORE(x) ___bpf_target_missing
#define PT_REGS_FP_CORE(x) ___bpf_target_missing
#define PT_REGS_RC_CORE(x) ___bpf_target_missing
#define PT_REGS_SP_CORE(x) ___bpf_target_missing
#define PT_REGS_IP_CORE(x) ___bpf_target_missing
#define BPF_KPROBE_READ_RET_IP(ip, ctx) ___bpf_target_missing
#define BPF_KRETPROBE_READ_RET_IP(ip, ctx) ___bpf_target_missing
#define PT_REGS_PARM1_SYSCALL(x) ___bpf_target_missing
#define PT_REGS_PARM2_SYSCALL(x) ___bpf_target_missing
#define PT_REGS_PARM3_SYSCALL(x) ___bpf_target_missing
#define PT_REGS_PARM4_SYSCALL(x) ___bpf_target_missing
#define PT_REGS_PARM5_SYSCALL(x) ___bpf_target_missing
#define PT_REGS_PARM1_CORE_SYSCALL(x) ___bpf_target_missing
#define PT_REGS_PARM2_CORE_SYSCALL(x) ___bpf_target_missing
#define PT_REGS_PARM3_CORE_SYSCALL(x) ___bpf_target_missing
#define PT_REGS_PARM4_CORE_SYSCALL(x) ___bpf_target_missing
#define PT_REGS_PARM5_CORE_SYSCALL(x) ___bpf_target_missing

#endif /* bpf_target_defined */

/* The wrappers below define `name(ctx)` as the program, which unpacks its context into typed
 * arguments and calls the body the macro's user writes, an always-inline function
 * ____name(ctx, args…).  An argument arrives as a 64-bit value of any type, hence the
 * silenced int-conversion. */
#define ___bpf_wrap(name, ctx_type, unpack, args...) \
name(ctx_type ctx); \
static __always_inline typeof(name(0)) ____##name(ctx_type ctx, ##args); \
typeof(name(0)) name(ctx_type ctx) \
{ \
	_Pragma("GCC diagnostic push") \
	_Pragma("GCC diagnostic ignored \"-Wint-conversion\"") \
	return ____##name(unpack); \
	_Pragma("GCC diagnostic pop") \
} \
static __always_inline typeof(name(0)) ____##name(ctx_type ctx, ##args)

/* BPF_PROG(name, type a, type b…): fentry, fexit, tp_btf, lsm…, whose context is an
 * array of u64, one per argument. */
#define ___bpf_ctx_cast0() ctx
#define ___bpf_ctx_cast1(x) ___bpf_ctx_cast0(), (void *)ctx[0]
#define ___bpf_ctx_cast2(x, args...) ___bpf_ctx_cast1(args), (void *)ctx[1]
#define ___bpf_ctx_cast3(x, args...) ___bpf_ctx_cast2(args), (void *)ctx[2]
#define ___bpf_ctx_cast4(x, args...) ___bpf_ctx_cast3(args), (void *)ctx[3]
#define ___bpf_ctx_cast5(x, args...) ___bpf_ctx_cast4(args), (void *)ctx[4]
#define ___bpf_ctx_cast6(x, args...) ___bpf_ctx_cast5(args), (void *)ctx[5]
#define ___bpf_ctx_cast7(x, args...) ___bpf_ctx_cast6(args), (void *)ctx[6]
#define ___bpf_ctx_cast8(x, args...) ___bpf_ctx_cast7(args), (void *)ctx[7]
#define ___bpf_ctx_cast9(x, args...) ___bpf_ctx_cast8(args), (void *)ctx[8]
#define ___bpf_ctx_cast10(x, args...) ___bpf_ctx_cast9(args), (void *)ctx[9]
#define ___bpf_ctx_cast11(x, args...) ___bpf_ctx_cast10(args), (void *)ctx[10]
#define ___bpf_ctx_cast12(x, args...) ___bpf_ctx_cast11(args), (void *)ctx[11]
#define ___bpf_ctx_cast(args...) ___bpf_apply(___bpf_ctx_cast, ___bpf_narg(args))(args)
#define BPF_PROG(name, args...) ___bpf_wrap(name, unsigned long long *, ___bpf_ctx_cast(args), ##args)

/* BPF_KPROBE(name, type a…): up to five arguments, from the registers; BPF_KRETPROBE(name,
 * type ret): the return value.  Uprobes read user-space registers the same way. */
#define ___bpf_kprobe_args0() ctx
#define ___bpf_kprobe_args1(x) ___bpf_kprobe_args0(), (void *)PT_REGS_PARM1(ctx)
#define ___bpf_kprobe_args2(x, args...) ___bpf_kprobe_args1(args), (void *)PT_REGS_PARM2(ctx)
#define ___bpf_kprobe_args3(x, args...) ___bpf_kprobe_args2(args), (void *)PT_REGS_PARM3(ctx)
#define ___bpf_kprobe_args4(x, args...) ___bpf_kprobe_args3(args), (void *)PT_REGS_PARM4(ctx)
#define ___bpf_kprobe_args5(x, args...) ___bpf_kprobe_args4(args), (void *)PT_REGS_PARM5(ctx)
#define ___bpf_kprobe_args(args...) ___bpf_apply(___bpf_kprobe_args, ___bpf_narg(args))(args)
#define BPF_KPROBE(name, args...) ___bpf_wrap(name, struct pt_regs *, ___bpf_kprobe_args(args), ##args)

#define ___bpf_kretprobe_args0() ctx
#define ___bpf_kretprobe_args1(x) ___bpf_kretprobe_args0(), (void *)PT_REGS_RC(ctx)
#define ___bpf_kretprobe_args(args...) ___bpf_apply(___bpf_kretprobe_args, ___bpf_narg(args))(args)
#define BPF_KRETPROBE(name, args...) ___bpf_wrap(name, struct pt_regs *, ___bpf_kretprobe_args(args), ##args)

#define BPF_UPROBE(name, args...) BPF_KPROBE(name, ##args)
#define BPF_URETPROBE(name, args...) BPF_KRETPROBE(name, ##args)

#endif
