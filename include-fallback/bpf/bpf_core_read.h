/* bpfcc's <bpf/bpf_core_read.h>: CO-RE (compile once, run everywhere) reads, as libbpf 1.x's
 * header gives them.
 *
 * A CO-RE access is a plain C access wrapped in one of the compiler's BPF builtins, which
 * record it (type, member path) in .BTF.ext so that the loader can fix the offsets for the
 * running kernel's layout.  The enumerations below are the values those builtins take;
 * LLVM and libbpf agree on them. */
#ifndef __BPF_CORE_READ_H__
#define __BPF_CORE_READ_H__

#include "bpf_helpers.h"

/* __builtin_preserve_field_info(field, kind) */
enum bpf_field_info_kind {
	BPF_FIELD_BYTE_OFFSET = 0,	/* offset of the field's first byte */
	BPF_FIELD_BYTE_SIZE = 1,	/* bytes to load to read the field */
	BPF_FIELD_EXISTS = 2,		/* whether the running kernel has the field */
	BPF_FIELD_SIGNED = 3,
	BPF_FIELD_LSHIFT_U64 = 4,	/* bit-field: shifts of the loaded u64 that extract it */
	BPF_FIELD_RSHIFT_U64 = 5,
};

/* __builtin_btf_type_id(*(type *)0, kind) */
enum bpf_type_id_kind {
	BPF_TYPE_ID_LOCAL = 0,		/* in the program's BTF */
	BPF_TYPE_ID_TARGET = 1,		/* in the running kernel's BTF */
};

/* __builtin_preserve_type_info(*(type *)0, kind) */
enum bpf_type_info_kind {
	BPF_TYPE_EXISTS = 0,
	BPF_TYPE_SIZE = 1,
	BPF_TYPE_MATCHES = 2,
};

/* __builtin_preserve_enum_value(*(enum_type *)value, kind) */
enum bpf_enum_value_kind {
	BPF_ENUMVAL_EXISTS = 0,
	BPF_ENUMVAL_VALUE = 1,
};

#define __CORE_RELO(src, field, info) __builtin_preserve_field_info((src)->field, BPF_FIELD_##info)

/* A bit-field of *s: the bytes holding it loaded into a u64 (at its low end on a little-endian
 * target, its high end on a big-endian one), then shifted left and right by the kernel's
 * amounts, arithmetically if it is signed. */
#define ___core_bitfield_extract(s, field, val) ({ \
	val <<= __CORE_RELO(s, field, LSHIFT_U64); \
	if (__CORE_RELO(s, field, SIGNED)) \
		val = ((long long)val) >> __CORE_RELO(s, field, RSHIFT_U64); \
	else \
		val = val >> __CORE_RELO(s, field, RSHIFT_U64); \
	val; \
})
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ___core_bitfield_dst(dst, s, field) ((void *)(dst))
#else
#define ___core_bitfield_dst(dst, s, field) ((void *)(dst) + (8 - __CORE_RELO(s, field, BYTE_SIZE)))
#endif

/* Through bpf_probe_read_kernel, for kernel memory the program may not load directly. */
#define BPF_CORE_READ_BITFIELD_PROBED(s, field) ({ \
	unsigned long long ___val = 0; \
	bpf_probe_read_kernel(___core_bitfield_dst(&___val, s, field), __CORE_RELO(s, field, BYTE_SIZE), \
			      (const void *)(s) + __CORE_RELO(s, field, BYTE_OFFSET)); \
	___core_bitfield_extract(s, field, ___val); \
})

/* With a direct load (BTF-typed pointers, context structures). */
#define BPF_CORE_READ_BITFIELD(s, field) ({ \
	const void *___p = (const void *)(s) + __CORE_RELO(s, field, BYTE_OFFSET); \
	unsigned long long ___val; \
	/* one relocated address for the four loads below */ \
	asm volatile("" : "+r"(___p)); \
	switch (__CORE_RELO(s, field, BYTE_SIZE)) { \
	case 1: ___val = *(const unsigned char *)___p; break; \
	case 2: ___val = *(const unsigned short *)___p; break; \
	case 4: ___val = *(const unsigned int *)___p; break; \
	case 8: ___val = *(const unsigned long long *)___p; break; \
	} \
	___core_bitfield_extract(s, field, ___val); \
})

/* A field named as `expr->field` or as `type, field`. */
#define ___bpf_field_ref1(field) (field)
#define ___bpf_field_ref2(type, field) (((typeof(type) *)0)->field)
#define ___bpf_field_ref(args...) ___bpf_apply(___bpf_field_ref, ___bpf_narg(args))(args)

#define bpf_core_field_exists(field...) \
	__builtin_preserve_field_info(___bpf_field_ref(field), BPF_FIELD_EXISTS)
#define bpf_core_field_size(field...) \
	__builtin_preserve_field_info(___bpf_field_ref(field), BPF_FIELD_BYTE_SIZE)
#define bpf_core_field_offset(field...) \
	__builtin_preserve_field_info(___bpf_field_ref(field), BPF_FIELD_BYTE_OFFSET)

#define bpf_core_type_id_local(type) __builtin_btf_type_id(*(typeof(type) *)0, BPF_TYPE_ID_LOCAL)
#define bpf_core_type_id_kernel(type) __builtin_btf_type_id(*(typeof(type) *)0, BPF_TYPE_ID_TARGET)
#define bpf_core_type_exists(type) __builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_EXISTS)
#define bpf_core_type_matches(type) __builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_MATCHES)
#define bpf_core_type_size(type) __builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_SIZE)

#define bpf_core_enum_value_exists(enum_type, enum_value) \
	__builtin_preserve_enum_value(*(typeof(enum_type) *)enum_value, BPF_ENUMVAL_EXISTS)
#define bpf_core_enum_value(enum_type, enum_value) \
	__builtin_preserve_enum_value(*(typeof(enum_type) *)enum_value, BPF_ENUMVAL_VALUE)

/* One relocatable read of sz bytes at src (an address such as &t->field). */
#define bpf_core_read(dst, sz, src) \
	bpf_probe_read_kernel(dst, sz, (const void *)__builtin_preserve_access_index(src))
#define bpf_core_read_user(dst, sz, src) \
	bpf_probe_read_user(dst, sz, (const void *)__builtin_preserve_access_index(src))
#define bpf_core_read_str(dst, sz, src) \
	bpf_probe_read_kernel_str(dst, sz, (const void *)__builtin_preserve_access_index(src))
#define bpf_core_read_user_str(dst, sz, src) \
	bpf_probe_read_user_str(dst, sz, (const void *)__builtin_preserve_access_index(src))

/* Chains of pointers, s->a->b->c, each link read into a temporary ___t with `link`, the last
 * member into *dst with `last`.  ___core_chainN(s, f1…fN) is the C expression s->f1…->fN,
 * used for its type; ___core_linksN(link, s, f1…fN) leaves s->f1…->fN in ___t. */
#define ___core_chain1(s, a) (s)->a
#define ___core_chain2(s, a, b) (s)->a->b
#define ___core_chain3(s, a, b, c) (s)->a->b->c
#define ___core_chain4(s, a, b, c, d) (s)->a->b->c->d
#define ___core_chain5(s, a, b, c, d, e) (s)->a->b->c->d->e
#define ___core_chain6(s, a, b, c, d, e, f) (s)->a->b->c->d->e->f
#define ___core_chain7(s, a, b, c, d, e, f, g) (s)->a->b->c->d->e->f->g
#define ___core_chain8(s, a, b, c, d, e, f, g, h) (s)->a->b->c->d->e->f->g->h
#define ___core_chain9(s, a, b, c, d, e, f, g, h, i) (s)->a->b->c->d->e->f->g->h->i
#define ___core_chain(s, fields...) ___bpf_apply(___core_chain, ___bpf_narg(fields))(s, fields)

#define ___core_read_member(fn, dst, base, member) \
	fn((void *)(dst), sizeof(*(dst)), &((typeof(base))(___t))->member)
#define ___core_links1(link, s, a) \
	const void *___t; link((void *)&___t, sizeof(___t), &(s)->a);
#define ___core_links2(link, s, a, b) \
	___core_links1(link, s, a) ___core_read_member(link, &___t, (s)->a, b);
#define ___core_links3(link, s, a, b, c) \
	___core_links2(link, s, a, b) ___core_read_member(link, &___t, (s)->a->b, c);
#define ___core_links4(link, s, a, b, c, d) \
	___core_links3(link, s, a, b, c) ___core_read_member(link, &___t, (s)->a->b->c, d);
#define ___core_links5(link, s, a, b, c, d, e) \
	___core_links4(link, s, a, b, c, d) ___core_read_member(link, &___t, (s)->a->b->c->d, e);
#define ___core_links6(link, s, a, b, c, d, e, f) \
	___core_links5(link, s, a, b, c, d, e) ___core_read_member(link, &___t, (s)->a->b->c->d->e, f);
#define ___core_links7(link, s, a, b, c, d, e, f, g) \
	___core_links6(link, s, a, b, c, d, e, f) ___core_read_member(link, &___t, (s)->a->b->c->d->e->f, g);
#define ___core_links8(link, s, a, b, c, d, e, f, g, h) \
	___core_links7(link, s, a, b, c, d, e, f, g) \
	___core_read_member(link, &___t, (s)->a->b->c->d->e->f->g, h);

#define ___core_read1(last, link, dst, s, a) \
	last((void *)(dst), sizeof(*(dst)), &(s)->a);
#define ___core_read2(last, link, dst, s, a, b) \
	___core_links1(link, s, a) ___core_read_member(last, dst, (s)->a, b);
#define ___core_read3(last, link, dst, s, a, b, c) \
	___core_links2(link, s, a, b) ___core_read_member(last, dst, (s)->a->b, c);
#define ___core_read4(last, link, dst, s, a, b, c, d) \
	___core_links3(link, s, a, b, c) ___core_read_member(last, dst, (s)->a->b->c, d);
#define ___core_read5(last, link, dst, s, a, b, c, d, e) \
	___core_links4(link, s, a, b, c, d) ___core_read_member(last, dst, (s)->a->b->c->d, e);
#define ___core_read6(last, link, dst, s, a, b, c, d, e, f) \
	___core_links5(link, s, a, b, c, d, e) ___core_read_member(last, dst, (s)->a->b->c->d->e, f);
#define ___core_read7(last, link, dst, s, a, b, c, d, e, f, g) \
	___core_links6(link, s, a, b, c, d, e, f) ___core_read_member(last, dst, (s)->a->b->c->d->e->f, g);
#define ___core_read8(last, link, dst, s, a, b, c, d, e, f, g, h) \
	___core_links7(link, s, a, b, c, d, e, f, g) \
	___core_read_member(last, dst, (s)->a->b->c->d->e->f->g, h);
#define ___core_read9(last, link, dst, s, a, b, c, d, e, f, g, h, i) \
	___core_links8(link, s, a, b, c, d, e, f, g, h) \
	___core_read_member(last, dst, (s)->a->b->c->d->e->f->g->h, i);
#define ___core_read(last, link, dst, s, fields...) \
	___bpf_apply(___core_read, ___bpf_narg(fields))(last, link, dst, s, fields)

/* BPF_CORE_READ_INTO(&x, s, a, b) reads s->a->b into x, with up to nine members; the _STR
 * forms read a string at the end of the chain into a char array. */
#define BPF_CORE_READ_INTO(dst, src, a, ...) \
	({ ___core_read(bpf_core_read, bpf_core_read, dst, (src), a, ##__VA_ARGS__) })
#define BPF_CORE_READ_USER_INTO(dst, src, a, ...) \
	({ ___core_read(bpf_core_read_user, bpf_core_read_user, dst, (src), a, ##__VA_ARGS__) })
#define BPF_CORE_READ_STR_INTO(dst, src, a, ...) \
	({ ___core_read(bpf_core_read_str, bpf_core_read, dst, (src), a, ##__VA_ARGS__) })
#define BPF_CORE_READ_USER_STR_INTO(dst, src, a, ...) \
	({ ___core_read(bpf_core_read_user_str, bpf_core_read_user, dst, (src), a, ##__VA_ARGS__) })
/* The same without CO-RE relocations. */
#define BPF_PROBE_READ_INTO(dst, src, a, ...) \
	({ ___core_read(bpf_probe_read_kernel, bpf_probe_read_kernel, dst, (src), a, ##__VA_ARGS__) })
#define BPF_PROBE_READ_USER_INTO(dst, src, a, ...) \
	({ ___core_read(bpf_probe_read_user, bpf_probe_read_user, dst, (src), a, ##__VA_ARGS__) })
#define BPF_PROBE_READ_STR_INTO(dst, src, a, ...) \
	({ ___core_read(bpf_probe_read_kernel_str, bpf_probe_read_kernel, dst, (src), a, ##__VA_ARGS__) })
#define BPF_PROBE_READ_USER_STR_INTO(dst, src, a, ...) \
	({ ___core_read(bpf_probe_read_user_str, bpf_probe_read_user, dst, (src), a, ##__VA_ARGS__) })

/* BPF_CORE_READ(s, a, b) is the value of s->a->b, read as above. */
#define ___core_read_value(into, src, fields...) ({ \
	typeof(___core_chain((src), fields)) ___r; \
	into(&___r, (src), fields); \
	___r; \
})
#define BPF_CORE_READ(src, a, ...) ___core_read_value(BPF_CORE_READ_INTO, src, a, ##__VA_ARGS__)
#define BPF_CORE_READ_USER(src, a, ...) ___core_read_value(BPF_CORE_READ_USER_INTO, src, a, ##__VA_ARGS__)
#define BPF_PROBE_READ(src, a, ...) ___core_read_value(BPF_PROBE_READ_INTO, src, a, ##__VA_ARGS__)
#define BPF_PROBE_READ_USER(src, a, ...) ___core_read_value(BPF_PROBE_READ_USER_INTO, src, a, ##__VA_ARGS__)

#endif
