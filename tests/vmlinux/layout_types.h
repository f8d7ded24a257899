/* Types the BTF route reads from a BTF file of their own (clang-19's .BTF of layout_btf.c),
 * as `--btf` gives one: layout.c includes "vmlinux.h", which is this header for clang and the
 * BTF for bpfcc.  Bit-fields across storage units, a packed struct, a one-byte and a 64-bit
 * enum, a signed enum, anonymous members, a function-pointer typedef, a flexible array. */
typedef unsigned int widget_id_t;

enum colour { RED = 1, GREEN = 2, NO_COLOUR = -1 };
enum big_flags { BIG_LOW = 1, BIG_HIGH = 0x100000000ULL };
enum __attribute__((packed)) tiny { TINY_A, TINY_B = 200 };

struct flags {
	unsigned int a: 3, b: 5;
	unsigned short c: 9;
	unsigned char d;
	long long e: 40;
	int f: 12;
	enum tiny t;
};

struct __attribute__((packed)) packed_hdr {
	unsigned char kind;
	unsigned int len;
	unsigned short port: 12, flags: 4;
};

struct nested {
	struct flags f;
	union {
		int i;
		char bytes[6];
	};
	struct packed_hdr h;
	enum colour c;
	enum big_flags big;
};

typedef struct {
	widget_id_t id;
	int (*callback)(struct nested *, int);
	const char *name;
} widget_t;

struct message {
	unsigned short len;
	unsigned char data[];
};
