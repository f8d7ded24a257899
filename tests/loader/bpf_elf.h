/* iproute2's contract with its ELF loader (include/bpf_elf.h there): a map is a
 * `struct bpf_elf_map` in section "maps", named by its global symbol. */
#ifndef BPF_ELF_H
#define BPF_ELF_H

#include <linux/types.h>

#define PIN_NONE      0
#define PIN_OBJECT_NS 1
#define PIN_GLOBAL_NS 2

struct bpf_elf_map {
	__u32 type;
	__u32 size_key;
	__u32 size_value;
	__u32 max_elem;
	__u32 flags;
	__u32 id;
	__u32 pinning;
	__u32 inner_id;
	__u32 inner_idx;
};

#define __section(name) __attribute__((section(name), used))
/* iproute2's examples put tail-called programs in sections "<prog array id>/<key>". */
#define __stringify(x) #x
#define __section_tail(id, key) __section(__stringify(id) "/" __stringify(key))

#endif
