/* LD_PRELOAD shim that makes the eflomal binary seedable.
 *
 * eflomal seeds its samplers from /dev/urandom and has no seed option. When
 * WEAMLIB_EFLOMAL_SEED is set, fopen("/dev/urandom") returns a memory stream of
 * bytes derived from that seed (splitmix64) instead; every other fopen is passed
 * through. The n-th open of /dev/urandom gets its own stream, so a single-threaded
 * run is fully reproducible.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t n_opens = 0;
static uint64_t streams[256][32];

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

FILE *fopen(const char *path, const char *mode) {
    static FILE *(*real_fopen)(const char *, const char *) = NULL;
    if (real_fopen == NULL) real_fopen = (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "fopen");
    const char *seed = getenv("WEAMLIB_EFLOMAL_SEED");
    if (seed != NULL && path != NULL && strcmp(path, "/dev/urandom") == 0) {
        uint64_t *buf = streams[n_opens % 256];
        uint64_t x = strtoull(seed, NULL, 10) * 0xD1B54A32D192ED03ULL + n_opens;
        n_opens++;
        for (int k = 0; k < 32; k++) {
            buf[k] = splitmix64(&x);
            if (buf[k] == 0) buf[k] = 1; /* xorshift states must be non-zero */
        }
        return fmemopen(buf, sizeof(streams[0]), "rb");
    }
    return real_fopen(path, mode);
}
