/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Everything a datapath program needs from bpf/: include after bpf/ctx/skb.h or xdp.h. */
#pragma once

#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/if_packet.h>

#include "compiler.h"
#include "section.h"
#include "helpers.h"
#include "tailcall.h"
#include "loader.h"

#include <bpf/bpf_endian.h>
