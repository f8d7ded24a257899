#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int counters SEC(".maps");

// expect-error: 4:5: map .counters. must be a struct of __uint/__type fields, not .int.
