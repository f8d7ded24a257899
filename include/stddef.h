/* <stddef.h> shipped with bpfcc for the BPF target (LP64, signed char).
 *
 * glibc's headers ask for single names with the __need_* protocol
 * (`#define __need_size_t` then `#include <stddef.h>`), so each name has its
 * own guard and only the requested ones are defined then; a plain include
 * defines them all. */
#if !defined(__need_size_t) && !defined(__need_ptrdiff_t) && \
    !defined(__need_wchar_t) && !defined(__need_wint_t) && \
    !defined(__need_NULL) && !defined(__need_offsetof) && \
    !defined(__need_max_align_t)
#define __need_size_t
#define __need_ptrdiff_t
#define __need_wchar_t
#define __need_NULL
#define __need_offsetof
#define __need_max_align_t
#endif

#if defined(__need_size_t) && !defined(__BPFCC_SIZE_T)
#define __BPFCC_SIZE_T
typedef unsigned long size_t;
#endif
#undef __need_size_t

#if defined(__need_ptrdiff_t) && !defined(__BPFCC_PTRDIFF_T)
#define __BPFCC_PTRDIFF_T
typedef long ptrdiff_t;
#endif
#undef __need_ptrdiff_t

#if defined(__need_wchar_t) && !defined(__BPFCC_WCHAR_T)
#define __BPFCC_WCHAR_T
typedef int wchar_t;
#endif
#undef __need_wchar_t

#if defined(__need_wint_t) && !defined(__BPFCC_WINT_T)
#define __BPFCC_WINT_T
typedef int wint_t;
#endif
#undef __need_wint_t

#ifdef __need_NULL
#undef NULL
#define NULL ((void *)0)
#endif
#undef __need_NULL

#ifdef __need_offsetof
#undef offsetof
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif
#undef __need_offsetof

/* The strictest fundamental alignment is 8 (long long, long double and
 * pointers); the members are integers so the type stays usable in BPF code. */
#if defined(__need_max_align_t) && !defined(__BPFCC_MAX_ALIGN_T)
#define __BPFCC_MAX_ALIGN_T
typedef struct {
	long long __max_align_a;
	long long __max_align_b;
} max_align_t;
#endif
#undef __need_max_align_t
