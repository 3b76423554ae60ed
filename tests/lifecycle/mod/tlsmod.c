/* A module with thread-local data for tests/lifecycle (dlopen-tls), built once per TLS model
 * (Makefile: build/tests/lifecycle/libtlsmod-{gd,ld,ie}.so).  TLSMOD_BIG bytes of __thread data,
 * 64-byte aligned: glibc gives each thread its own copy, allocated with malloc (or an aligned
 * variant) on the thread's first access for the dynamic models. */
#include <stdint.h>

#ifndef TLSMOD_BIG
#define TLSMOD_BIG 65536
#endif

static __thread unsigned char tls_data[TLSMOD_BIG] __attribute__((aligned(64)));
static __thread unsigned tls_owner;  /* 0 until this thread first wrote tls_data */

int tlsmod_touch(unsigned seed);

/* Writes a pattern of seed into this thread's copy (first call) or verifies it (later calls);
 * returns 0 when the copy is aligned, zeroed at first use and holds what this thread wrote. */
int tlsmod_touch(unsigned seed) {
    if (((uintptr_t)tls_data & 63) != 0) return 1;
    if (tls_owner == 0) {
        for (unsigned i = 0; i < TLSMOD_BIG; i++)
            if (tls_data[i] != 0) return 2;
        tls_owner = seed + 1;
        for (unsigned i = 0; i < TLSMOD_BIG; i++) tls_data[i] = (unsigned char)(i * 7 + seed);
        return 0;
    }
    if (tls_owner != seed + 1) return 3;
    for (unsigned i = 0; i < TLSMOD_BIG; i++)
        if (tls_data[i] != (unsigned char)(i * 7 + seed)) return 4;
    return 0;
}
