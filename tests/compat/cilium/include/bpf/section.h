/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ELF sections of programs, maps and the license, Cilium-style.  The entry section follows
 * the context the object is built for: include bpf/ctx/skb.h or bpf/ctx/xdp.h first. */
#pragma once

#include "compiler.h"

#if !defined(PROG_TYPE)
# error "Include bpf/ctx/skb.h or bpf/ctx/xdp.h before bpf/section.h!"
#endif

#ifndef __section_entry
# define __section_entry	__section(PROG_TYPE)
#endif

#ifndef __section_tail
# define __section_tail(ID, KEY)	__section(__stringify(ID) "/" __stringify(KEY))
#endif

#ifndef __section_license
# define __section_license	__section("license")
#endif

#ifndef __section_maps_btf
# define __section_maps_btf	__section(".maps")
#endif

#ifndef BPF_LICENSE
# define BPF_LICENSE(NAME)				\
	char ____license[] __section_license = NAME
#endif
