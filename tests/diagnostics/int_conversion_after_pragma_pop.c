#define AS_INT(p) ({ _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wint-conversion\"") int v_ = (p); _Pragma("GCC diagnostic pop") v_; })

int f(int *p)
{
	int a = AS_INT(p);
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wconversion"
	int b = p;
#pragma clang diagnostic pop
	int c = p;

	return a + b + c;
}

// A `GCC|clang diagnostic` pragma changes warnings from where it stands until its `pop`, in a
// macro's expansion too (libbpf's BPF_PROG); -Wconversion contains -Wint-conversion.  Only the
// conversion after the regions is an error, as in clang-19.
// expect-error: 10:6: incompatible pointer to integer conversion initializing 'int' with an expression of type 'int \*'; dereference with \*
