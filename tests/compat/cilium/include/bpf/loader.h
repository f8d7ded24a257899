/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* BTF map definitions as libbpf reads them, without pulling in <bpf/bpf_helpers.h>. */
#pragma once

#define __uint(name, val)	int (*name)[val]
#define __type(name, val)	typeof(val) *name
#define __array(name, val)	typeof(val) *name[]

#define LIBBPF_PIN_NONE		0
#define LIBBPF_PIN_BY_NAME	1
