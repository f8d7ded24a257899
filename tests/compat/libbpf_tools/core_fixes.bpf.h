/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Fields that moved between kernel versions, read through CO-RE flavors: the ___suffix
 * names are stripped by libbpf, which then picks the definition this kernel has. */
#ifndef __CORE_FIXES_BPF_H
#define __CORE_FIXES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

/* Kernel 5.14 renamed task_struct::state to __state. */
struct task_struct___o {
	volatile long int state;
} __attribute__((preserve_access_index));

struct task_struct___x {
	unsigned int __state;
} __attribute__((preserve_access_index));

static __always_inline __s64 get_task_state(void *task)
{
	struct task_struct___x *t = task;

	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___o *)task, state);
}

#endif /* __CORE_FIXES_BPF_H */
