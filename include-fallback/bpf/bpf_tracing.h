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

/* BPF_PROG2(name, type, a, type, b…): BPF_PROG with each argument's type and name apart, so
 * that a struct or union argument of up to 16 bytes can be passed by value: it takes two of
 * the context's u64 slots when larger than 8 bytes.  ___bpf_narg2 counts (type, name) pairs. */
#ifndef ___bpf_nth2
#define ___bpf_nth2(_, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18, \
		    _19, _20, _21, _22, _23, _24, N, ...) N
#endif
#ifndef ___bpf_narg2
#define ___bpf_narg2(...) \
	___bpf_nth2(_, ##__VA_ARGS__, 12, 12, 11, 11, 10, 10, 9, 9, 8, 8, 7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0)
#endif
/* How many u64 slots an argument of type t takes (anything but 1, 2, 4, 8 or 16 bytes is refused). */
#define ___bpf_slots(t) \
	__builtin_choose_expr(sizeof(t) <= 8 && (sizeof(t) & (sizeof(t) - 1)) == 0, 1, \
	__builtin_choose_expr(sizeof(t) == 16, 2, (void)0))
/* The argument of type t in slot n (and n + 1): the slots' low bytes, reinterpreted. */
#define ___bpf_slot_as(t, raw, init...) ({ union { raw; t value; } ___bpf_arg = { .bytes = { init } }; ___bpf_arg.value; })
#define ___bpf_slot_value(t, n) \
	__builtin_choose_expr(sizeof(t) == 1, ___bpf_slot_as(t, __u8 bytes[1], ctx[n]), \
	__builtin_choose_expr(sizeof(t) == 2, ___bpf_slot_as(t, __u16 bytes[1], ctx[n]), \
	__builtin_choose_expr(sizeof(t) == 4, ___bpf_slot_as(t, __u32 bytes[1], ctx[n]), \
	__builtin_choose_expr(sizeof(t) == 8, ___bpf_slot_as(t, __u64 bytes[1], ctx[n]), \
	__builtin_choose_expr(sizeof(t) == 16, ___bpf_slot_as(t, __u64 bytes[2], ctx[n], ctx[n + 1]), (void)0)))))
/* `, a, b…` from slot n on. */
#define ___bpf_prog2_args0(n)
#define ___bpf_prog2_args1(n, t, x) , ___bpf_slot_value(t, n)
#define ___bpf_prog2_args2(n, t, x, args...) , ___bpf_slot_value(t, n) ___bpf_prog2_args1(n + ___bpf_slots(t), args)
#define ___bpf_prog2_args3(n, t, x, args...) , ___bpf_slot_value(t, n) ___bpf_prog2_args2(n + ___bpf_slots(t), args)
#define ___bpf_prog2_args4(n, t, x, args...) , ___bpf_slot_value(t, n) ___bpf_prog2_args3(n + ___bpf_slots(t), args)
#define ___bpf_prog2_args5(n, t, x, args...) , ___bpf_slot_value(t, n) ___bpf_prog2_args4(n + ___bpf_slots(t), args)
#define ___bpf_prog2_args6(n, t, x, args...) , ___bpf_slot_value(t, n) ___bpf_prog2_args5(n + ___bpf_slots(t), args)
#define ___bpf_prog2_args7(n, t, x, args...) , ___bpf_slot_value(t, n) ___bpf_prog2_args6(n + ___bpf_slots(t), args)
#define ___bpf_prog2_args8(n, t, x, args...) , ___bpf_slot_value(t, n) ___bpf_prog2_args7(n + ___bpf_slots(t), args)
#define ___bpf_prog2_args9(n, t, x, args...) , ___bpf_slot_value(t, n) ___bpf_prog2_args8(n + ___bpf_slots(t), args)
#define ___bpf_prog2_args10(n, t, x, args...) , ___bpf_slot_value(t, n) ___bpf_prog2_args9(n + ___bpf_slots(t), args)
#define ___bpf_prog2_args11(n, t, x, args...) , ___bpf_slot_value(t, n) ___bpf_prog2_args10(n + ___bpf_slots(t), args)
#define ___bpf_prog2_args12(n, t, x, args...) , ___bpf_slot_value(t, n) ___bpf_prog2_args11(n + ___bpf_slots(t), args)
#define ___bpf_prog2_args(args...) ___bpf_apply(___bpf_prog2_args, ___bpf_narg2(args))(0, ##args)
/* `, type a, type b…`, the inner function's parameters. */
#define ___bpf_prog2_params0()
#define ___bpf_prog2_params1(t, x) , t x
#define ___bpf_prog2_params2(t, x, args...) , t x ___bpf_prog2_params1(args)
#define ___bpf_prog2_params3(t, x, args...) , t x ___bpf_prog2_params2(args)
#define ___bpf_prog2_params4(t, x, args...) , t x ___bpf_prog2_params3(args)
#define ___bpf_prog2_params5(t, x, args...) , t x ___bpf_prog2_params4(args)
#define ___bpf_prog2_params6(t, x, args...) , t x ___bpf_prog2_params5(args)
#define ___bpf_prog2_params7(t, x, args...) , t x ___bpf_prog2_params6(args)
#define ___bpf_prog2_params8(t, x, args...) , t x ___bpf_prog2_params7(args)
#define ___bpf_prog2_params9(t, x, args...) , t x ___bpf_prog2_params8(args)
#define ___bpf_prog2_params10(t, x, args...) , t x ___bpf_prog2_params9(args)
#define ___bpf_prog2_params11(t, x, args...) , t x ___bpf_prog2_params10(args)
#define ___bpf_prog2_params12(t, x, args...) , t x ___bpf_prog2_params11(args)
#define ___bpf_prog2_params(args...) ___bpf_apply(___bpf_prog2_params, ___bpf_narg2(args))(args)
#define BPF_PROG2(name, args...) \
name(unsigned long long *ctx); \
static __always_inline typeof(name(0)) ____##name(unsigned long long *ctx ___bpf_prog2_params(args)); \
typeof(name(0)) name(unsigned long long *ctx) \
{ \
	return ____##name(ctx ___bpf_prog2_args(args)); \
} \
static __always_inline typeof(name(0)) ____##name(unsigned long long *ctx ___bpf_prog2_params(args))

/* BPF_KSYSCALL(name, type a…), or BPF_KPROBE_SYSCALL: a kprobe on a system call's kernel
 * function (section "ksyscall/<syscall>"), with the system call's arguments.  Where the
 * kernel wraps system calls (CONFIG_ARCH_HAS_SYSCALL_WRAPPER: x86-64 and arm64 since 4.17),
 * the probed function's one argument is the user's struct pt_regs, read with probe reads
 * (needs <bpf/bpf_core_read.h>); elsewhere the arguments are the probe's own registers.
 * libbpf tells which at load time through the LINUX_HAS_SYSCALL_WRAPPER kconfig extern. */
#define ___bpf_syscall_args0() ctx
#define ___bpf_syscall_args1(x) ___bpf_syscall_args0(), (void *)PT_REGS_PARM1_SYSCALL(regs)
#define ___bpf_syscall_args2(x, args...) ___bpf_syscall_args1(args), (void *)PT_REGS_PARM2_SYSCALL(regs)
#define ___bpf_syscall_args3(x, args...) ___bpf_syscall_args2(args), (void *)PT_REGS_PARM3_SYSCALL(regs)
#define ___bpf_syscall_args4(x, args...) ___bpf_syscall_args3(args), (void *)PT_REGS_PARM4_SYSCALL(regs)
#define ___bpf_syscall_args5(x, args...) ___bpf_syscall_args4(args), (void *)PT_REGS_PARM5_SYSCALL(regs)
#define ___bpf_syscall_args(args...) ___bpf_apply(___bpf_syscall_args, ___bpf_narg(args))(args)
#define ___bpf_syswrap_args0() ctx
#define ___bpf_syswrap_args1(x) ___bpf_syswrap_args0(), (void *)PT_REGS_PARM1_CORE_SYSCALL(regs)
#define ___bpf_syswrap_args2(x, args...) ___bpf_syswrap_args1(args), (void *)PT_REGS_PARM2_CORE_SYSCALL(regs)
#define ___bpf_syswrap_args3(x, args...) ___bpf_syswrap_args2(args), (void *)PT_REGS_PARM3_CORE_SYSCALL(regs)
#define ___bpf_syswrap_args4(x, args...) ___bpf_syswrap_args3(args), (void *)PT_REGS_PARM4_CORE_SYSCALL(regs)
#define ___bpf_syswrap_args5(x, args...) ___bpf_syswrap_args4(args), (void *)PT_REGS_PARM5_CORE_SYSCALL(regs)
#define ___bpf_syswrap_args(args...) ___bpf_apply(___bpf_syswrap_args, ___bpf_narg(args))(args)
#define BPF_KSYSCALL(name, args...) \
name(struct pt_regs *ctx); \
extern _Bool LINUX_HAS_SYSCALL_WRAPPER __kconfig; \
static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args); \
typeof(name(0)) name(struct pt_regs *ctx) \
{ \
	struct pt_regs *regs = LINUX_HAS_SYSCALL_WRAPPER ? (struct pt_regs *)PT_REGS_PARM1(ctx) : ctx; \
	_Pragma("GCC diagnostic push") \
	_Pragma("GCC diagnostic ignored \"-Wint-conversion\"") \
	if (LINUX_HAS_SYSCALL_WRAPPER) \
		return ____##name(___bpf_syswrap_args(args)); \
	else \
		return ____##name(___bpf_syscall_args(args)); \
	_Pragma("GCC diagnostic pop") \
} \
static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args)
#define BPF_KPROBE_SYSCALL BPF_KSYSCALL

#endif
