struct __attribute__((packed, preserve_access_index)) wide {
	char tag;
	unsigned int bits:31;
};

unsigned int bits_offset(struct wide *w)
{
	return __builtin_preserve_field_info(w->bits, 0);
}

// A bit-field wider than its packed record's alignment: LLVM's BPF backend cannot relocate it.
// expect-error: 8:9: bit-field 'bits' cannot be relocated: LLVM's BPF backend needs it inside one 1-byte unit \(its record's alignment\)
