/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* For programs whose context is neither an skb nor an XDP buffer (socket hooks). */
#pragma once

#define PROG_TYPE		"unspec"

#include <linux/bpf.h>

#include "../compiler.h"
#include "../helpers.h"
