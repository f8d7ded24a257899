struct flow {
	__u32 saddr;
	__u32 daddr;
};

// __u32 is not declared (a missing #include <linux/types.h>).
// expect-error: 2:2: unknown type name '__u32'
