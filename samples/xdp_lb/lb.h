// Configuration and map layouts shared by the balancer (xdp_lb.c) and the
// backends' decapsulator (xdp_decap.c).  User space writes the maps in exactly
// these layouts, so every field has a fixed size and explicit padding.
#ifndef LB_H
#define LB_H

#include <linux/types.h>
#include <bpf/bpf_endian.h>

/* An IPv4 address in network byte order, from its four octets. */
#define IPV4(a, b, c, d) bpf_htonl((__u32)(a) << 24 | (__u32)(b) << 16 | (__u32)(c) << 8 | (d))

/* The balancer's own address: the outer source of every encapsulated packet,
 * and the only outer source the backends accept. */
#ifndef LB_IPV4
#define LB_IPV4 IPV4(10, 201, 0, 2)
#endif
/* Seed of the flow hash; balancers that share a Maglev table share a seed. */
#ifndef LB_HASH_SEED
#define LB_HASH_SEED 0x4c42
#endif
/* Entries of a service's Maglev table: a prime, as Maglev needs (Cilium's
 * smallest choice). */
#ifndef LB_MAGLEV_SIZE
#define LB_MAGLEV_SIZE 251
#endif
#define LB_MAX_SERVICES 64
#define LB_MAX_BACKENDS 256
#define LB_OUTER_TTL 64

/* A service: (VIP, destination port, IP protocol).  The entry with port 0 and
 * protocol 0 marks the address as a VIP: the balancer answers pings to it and
 * drops traffic to its ports that have no service. */
struct lb_service_key {
	__be32 vip;
	__be16 dport;
	__u8 proto;
	__u8 pad;
};

struct lb_service {
	__u32 id;             /* index of the service's table in lb_maglev */
	__u16 backend_count;  /* 0: the service exists but has nowhere to go */
	__u16 pad;
};

/* Backend ids by Maglev slot; id 0 is never a backend. */
struct lb_maglev_table {
	__u32 backend_ids[LB_MAGLEV_SIZE];
};

struct lb_backend {
	__be32 address;
	__u32 pad;
};

struct lb_counter {
	__u64 packets;
	__u64 bytes;
};

/* Indexes of lb_stats: what happened to each packet the balancer kept. */
enum lb_stat {
	LB_STAT_FORWARDED,     /* encapsulated towards a backend */
	LB_STAT_ECHO_REPLY,    /* ping to a VIP, answered */
	LB_STAT_UNKNOWN_PORT,  /* to a VIP, but no service for its port and protocol */
	LB_STAT_FRAGMENT,      /* fragments carry no ports to hash on */
	LB_STAT_NO_BACKEND,    /* the service's table or backend entry is empty */
	LB_STAT_NO_ROUTE,      /* no route, neighbour or MTU for the backend on the ingress interface */
	LB_STAT_MAX,
};

/* Indexes of decap_stats. */
enum decap_stat {
	DECAP_STAT_DECAPSULATED,
	DECAP_STAT_UNTRUSTED,  /* IP-in-IP from a source other than the balancer: dropped */
	DECAP_STAT_MAX,
};

#endif
