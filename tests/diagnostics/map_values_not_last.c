struct prog_array {
	int (*type)[3];
	int (*max_entries)[4];
	int (*key_size)[4];
	int (*values[])(void *);
	int (*map_flags)[0];
} progs __attribute__((section(".maps"), used));

// libbpf's `__array(values, …)` must be the last field of a map definition: it is a flexible
// array member, so this is C's error before it is libbpf's (clang-19 says the same).
// expect-error: 5:8: flexible array member 'values' with type 'int \(\*\[\]\)\(void \*\)' is not at the end of struct
