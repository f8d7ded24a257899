/* <stdarg.h> shipped with bpfcc.  BPF has no variable arguments at run time,
 * but headers declare variadic prototypes with these names, so they exist and
 * name the compiler's __builtin_va_* forms.  glibc asks for __gnuc_va_list
 * alone with `#define __need___va_list`. */
#ifndef __GNUC_VA_LIST
#define __GNUC_VA_LIST
typedef __builtin_va_list __gnuc_va_list;
#endif

#ifdef __need___va_list
#undef __need___va_list
#elif !defined(__BPFCC_STDARG_H)
#define __BPFCC_STDARG_H

typedef __builtin_va_list va_list;
#define va_start(ap, param) __builtin_va_start(ap, param)
#define va_end(ap) __builtin_va_end(ap)
#define va_arg(ap, type) __builtin_va_arg(ap, type)
#define va_copy(dest, src) __builtin_va_copy(dest, src)
#define __va_copy(dest, src) __builtin_va_copy(dest, src)

#endif
