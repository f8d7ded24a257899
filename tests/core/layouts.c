/* CO-RE through every kind of access clang relocates: anonymous unions, records defined inside a
 * preserve_access_index record (which inherit it), array members and pointer subscripts with
 * constant indices, bit-fields (BPF_CORE_READ_BITFIELD_PROBED), and records without the attribute
 * inside __builtin_preserve_access_index.  Only compared with clang-19's relocations. */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct inner___l {
	int a;
	int arr[4];
};

struct outer___l {
	int x;
	union {
		int u1;
		long u2;
	};
	struct { short s1; short s2; } named;
	struct inner___l in;		/* defined outside: not relocated past `in` */
	struct nested___l { int c; } ns[3];
	int grid[4][2];
	unsigned int bf1:3, bf2:5;
	int bf3:7;
} __attribute__((preserve_access_index));

struct plain___l {
	int a;
	int b[4];
	int grid[3][2];
};

SEC("raw_tp/sys_enter")
int members(void *ctx)
{
	struct outer___l *o = (void *)bpf_get_current_task();
	long v = 0;

	bpf_probe_read_kernel(&v, 4, &o->u1);
	bpf_probe_read_kernel(&v, 8, &o->u2);
	bpf_probe_read_kernel(&v, 2, &o->named.s2);
	bpf_probe_read_kernel(&v, 4, &o->in.arr[2]);
	bpf_probe_read_kernel(&v, 4, &o->ns[1].c);
	bpf_probe_read_kernel(&v, 4, &o->grid[2][1]);
	bpf_probe_read_kernel(&v, 4, &o[1].x);
	return v;
}

SEC("raw_tp/sys_enter")
int region(void *ctx)
{
	struct plain___l *p = (void *)bpf_get_current_task();
	int i = bpf_get_prandom_u32() & 3;
	long v = 0;

	bpf_probe_read_kernel(&v, 4, __builtin_preserve_access_index(&p[2].b[3]));
	bpf_probe_read_kernel(&v, 4, __builtin_preserve_access_index(&p->b[i]));
	bpf_probe_read_kernel(&v, 4, __builtin_preserve_access_index(&p->grid[2][1]));
	bpf_probe_read_kernel(&v, 4, &p->a);	/* not relocated */
	return v;
}

SEC("raw_tp/sys_enter")
int bitfields(void *ctx)
{
	struct outer___l *o = (void *)bpf_get_current_task();

	return BPF_CORE_READ_BITFIELD_PROBED(o, bf2) + BPF_CORE_READ_BITFIELD_PROBED(o, bf3)
	       + bpf_core_field_size(o->ns[1]) + bpf_core_field_exists(o->u2);
}

/* Plain reads of bit-fields: relocated as their storage unit, the same for bpfcc (the field's
 * type) and the backend (the record's alignment) here. */
struct bits___l {
	int a;
	unsigned short b:3;
	unsigned char narrow:2;
	union {
		unsigned int inner:4;
	};
} __attribute__((preserve_access_index));

SEC("raw_tp/sys_enter")
int plain_bitfields(void *ctx)
{
	struct bits___l *b = (void *)bpf_get_current_task();

	return b->b + b->narrow + b->inner;
}

char LICENSE[] SEC("license") = "GPL";
