/* SHA-256 for filnet's native extensions: SHA-NI when the CPU has it, else AVX2 (8 lanes) or portable C.
 *
 * Compile sha256.c into any extension that needs it (it has no Python dependency). The implementation is
 * chosen once, on first use: SHA-NI on x86-64 CPUs that report the SHA and SSE4.1 extensions, else AVX2
 * (eight node hashes at a time) where available, else portable C. The environment variable
 * FILNET_SHA256_PORTABLE set to a non-empty value other than "0" forces portable C; tests use it, or
 * fil_sha256_select, to exercise every path on one machine. Defining FILNET_SHA256_NO_SIMD at compile time
 * builds the portable path only (non-x86 targets get that automatically). The SIMD functions carry their
 * own target attributes, so the file builds for baseline x86-64 without -msha or -mavx2.
 *
 * All functions are thread-safe and never allocate.
 *
 * sha254 is Filecoin's node hash: SHA-256 with the two most significant bits of the last byte (byte 31)
 * cleared, so that the digest read as a little-endian integer is below 2^254 and fits a BLS12-381 field
 * element.
 */
#ifndef FILNET_SHA256_H
#define FILNET_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The SHA-256 initial hash value H(0) (FIPS 180-4 section 5.3.3). */
extern const uint32_t FIL_SHA256_IV[8];

/* Run the SHA-256 compression function over nblocks consecutive 64-byte blocks, updating state in place.
 * No padding is added: this is the raw primitive for callers that lay out their own message blocks. */
void fil_sha256_compress(uint32_t state[8], const uint8_t *blocks, size_t nblocks);

/* The SHA-256 digest of len bytes. */
void fil_sha256(uint8_t out[32], const uint8_t *data, size_t len);

/* sha254 of exactly 64 bytes (two 32-byte nodes): Filecoin's binary Merkle tree node hash. */
void fil_sha254_64(uint8_t out[32], const uint8_t in[64]);

/* n independent sha254 node hashes: out[32*i .. 32*i+32] = sha254(in[64*i .. 64*i+64]).
 * out may equal in (each group of inputs is read before its outputs are written), which lets a caller
 * reduce one level of a tree in place. Faster per node than fil_sha254_64: two hashes run interleaved. */
void fil_sha254_64_many(uint8_t *out, const uint8_t *in, size_t n);

/* Implementations. AVX2 runs eight node hashes at once in fil_sha254_64_many (and the portable code
 * elsewhere); it is chosen on CPUs with AVX2 but without SHA-NI. */
enum {
    FIL_SHA256_AUTO = 0,     /* the fastest the CPU supports (or portable when FILNET_SHA256_PORTABLE is set) */
    FIL_SHA256_PORTABLE = 1, /* plain C */
    FIL_SHA256_AVX2 = 2,
    FIL_SHA256_SHANI = 3,
};

/* Use implementation impl from now on (FIL_SHA256_AUTO: choose again); one the CPU or the build does not
 * support falls back to FIL_SHA256_PORTABLE. Returns the implementation now in use. Meant for start-up,
 * tests and benchmarks: do not call while other threads are hashing. */
int fil_sha256_select(int impl);

/* The implementation in use (chosen on first use). */
int fil_sha256_impl(void);

/* "portable", "avx2", "shani" (or "auto"). */
const char *fil_sha256_impl_name(int impl);

/* 1 when the SHA-NI path is in use. */
int fil_sha256_uses_shani(void);

/* Shorthand: fil_sha256_select(force ? FIL_SHA256_PORTABLE : FIL_SHA256_AUTO). */
void fil_sha256_force_portable(int force);

#ifdef __cplusplus
}
#endif

#endif /* FILNET_SHA256_H */
