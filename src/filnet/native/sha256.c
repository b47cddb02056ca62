/* SHA-256 (FIPS 180-4): portable C, an x86-64 SHA-NI path and an AVX2 eight-lane path, chosen at run time.
 *
 * See sha256.h for the API. Three tricks make Filecoin's node hash (sha254 of 64 bytes) fast:
 *  - a 64-byte message is always followed by the same padding block (0x80, zeros, bit length 512), so
 *    that block's message schedule plus round constants (W[t] + K[t]) is computed once, at start-up;
 *  - with SHA-NI, independent node hashes run two at a time, so one hash's rounds fill the other's latency;
 *  - without SHA-NI but with AVX2, eight node hashes run in the eight 32-bit lanes of each vector.
 */
#include "sha256.h"

#include <stdlib.h>
#include <string.h>

#if (defined(__x86_64__) || defined(_M_X64)) && !defined(FILNET_SHA256_NO_SIMD)
#define FIL_HAVE_X86 1
#include <cpuid.h>
#include <immintrin.h>
#else
#define FIL_HAVE_X86 0
#endif

const uint32_t FIL_SHA256_IV[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static const uint32_t K[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* W[t] + K[t] for the padding block that follows every 64-byte message: W[0] = 0x80000000,
 * W[1..14] = 0, W[15] = 512 (the message length in bits), W[16..63] by the usual schedule.
 * Filled once by init_pad_wk() (cheap, and keeps the table verifiably derived rather than pasted). */
static uint32_t PAD64_WK[64] __attribute__((aligned(16)));

/* -- portable C ------------------------------------------------------------------------------------ */

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define BSIG0(x) (ROTR(x, 2) ^ ROTR(x, 13) ^ ROTR(x, 22))
#define BSIG1(x) (ROTR(x, 6) ^ ROTR(x, 11) ^ ROTR(x, 25))
#define SSIG0(x) (ROTR(x, 7) ^ ROTR(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ROTR(x, 17) ^ ROTR(x, 19) ^ ((x) >> 10))
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))

static inline uint32_t load_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* One round with the variables renamed instead of shifted: the caller rotates the argument order. */
#define ROUND(a, b, c, d, e, f, g, h, wk)                                  \
    do {                                                                   \
        uint32_t t1 = (h) + BSIG1(e) + CH(e, f, g) + (wk);                 \
        uint32_t t2 = BSIG0(a) + MAJ(a, b, c);                             \
        (d) += t1;                                                         \
        (h) = t1 + t2;                                                     \
    } while (0)

/* The 64 rounds over a schedule already summed with the round constants. */
static inline void rounds_wk(uint32_t state[8], const uint32_t wk[64]) {
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int t = 0; t < 64; t += 8) {
        ROUND(a, b, c, d, e, f, g, h, wk[t + 0]);
        ROUND(h, a, b, c, d, e, f, g, wk[t + 1]);
        ROUND(g, h, a, b, c, d, e, f, wk[t + 2]);
        ROUND(f, g, h, a, b, c, d, e, wk[t + 3]);
        ROUND(e, f, g, h, a, b, c, d, wk[t + 4]);
        ROUND(d, e, f, g, h, a, b, c, wk[t + 5]);
        ROUND(c, d, e, f, g, h, a, b, wk[t + 6]);
        ROUND(b, c, d, e, f, g, h, a, wk[t + 7]);
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
}

static void schedule_wk(uint32_t wk[64], const uint8_t block[64]) {
    uint32_t w[64];
    for (int t = 0; t < 16; t++) w[t] = load_be32(block + 4 * t);
    for (int t = 16; t < 64; t++) w[t] = SSIG1(w[t - 2]) + w[t - 7] + SSIG0(w[t - 15]) + w[t - 16];
    for (int t = 0; t < 64; t++) wk[t] = w[t] + K[t];
}

static void compress_portable(uint32_t state[8], const uint8_t *blocks, size_t nblocks) {
    uint32_t wk[64];
    for (size_t i = 0; i < nblocks; i++) {
        schedule_wk(wk, blocks + 64 * i);
        rounds_wk(state, wk);
    }
}

static void sha254_64_portable(uint8_t out[32], const uint8_t in[64]) {
    uint32_t state[8];
    memcpy(state, FIL_SHA256_IV, sizeof state);
    compress_portable(state, in, 1);
    rounds_wk(state, PAD64_WK);
    for (int i = 0; i < 8; i++) store_be32(out + 4 * i, state[i]);
    out[31] &= 0x3f;
}

static void sha254_64_many_portable(uint8_t *out, const uint8_t *in, size_t n) {
    uint8_t tmp[32];
    for (size_t i = 0; i < n; i++) {
        /* Through tmp: out[i] may overlap in[i] when reducing a tree level in place. */
        sha254_64_portable(tmp, in + 64 * i);
        memcpy(out + 32 * i, tmp, 32);
    }
}

static void init_pad_wk(void) {
    uint8_t pad[64] = {0x80};
    pad[62] = 0x02; /* 512 bits, big-endian in the last 8 bytes */
    schedule_wk(PAD64_WK, pad);
}

/* -- SHA-NI ------------------------------------------------------------------------------------------ */

#if FIL_HAVE_X86
#define SHANI __attribute__((target("sha,sse4.1,ssse3")))

/* The SHA-NI round instruction keeps the state as two vectors, ABEF and CDGH (most significant lane
 * first); these helpers convert from and to the a..h word order of state[8]. */
SHANI static inline void shani_load_state(const uint32_t state[8], __m128i *abef, __m128i *cdgh) {
    __m128i dcba = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&state[4]);
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    *abef = _mm_alignr_epi8(cdab, efgh, 8);
    *cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
}

SHANI static inline void shani_store_state(uint32_t state[8], __m128i abef, __m128i cdgh) {
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}

/* Four rounds with the four scheduled words (plus constants) in wk. */
#define SHANI_4ROUNDS(abef, cdgh, wk)                                          \
    do {                                                                       \
        (cdgh) = _mm_sha256rnds2_epu32((cdgh), (abef), (wk));                  \
        (abef) = _mm_sha256rnds2_epu32((abef), (cdgh), _mm_shuffle_epi32((wk), 0x0E)); \
    } while (0)

/* W[t..t+3] from the previous sixteen words held as w0 = W[t-16..], w1 = W[t-12..], w2 = W[t-8..],
 * w3 = W[t-4..]; the result replaces w0. */
#define SHANI_SCHEDULE(w0, w1, w2, w3)                                                             \
    do {                                                                                           \
        (w0) = _mm_sha256msg1_epu32((w0), (w1));                                                   \
        (w0) = _mm_add_epi32((w0), _mm_alignr_epi8((w3), (w2), 4));                                \
        (w0) = _mm_sha256msg2_epu32((w0), (w3));                                                   \
    } while (0)

#define KV(i) _mm_load_si128((const __m128i *)&K[4 * (i)])

SHANI static inline __m128i bswap_mask(void) {
    return _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
}

/* One block into (abef, cdgh), feed-forward included. */
SHANI static inline void shani_block(__m128i *abef, __m128i *cdgh, const uint8_t *block) {
    const __m128i mask = bswap_mask();
    __m128i s0 = *abef, s1 = *cdgh;
    __m128i w0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 0)), mask);
    __m128i w1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 16)), mask);
    __m128i w2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 32)), mask);
    __m128i w3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 48)), mask);
    SHANI_4ROUNDS(s0, s1, _mm_add_epi32(w0, KV(0)));
    SHANI_4ROUNDS(s0, s1, _mm_add_epi32(w1, KV(1)));
    SHANI_4ROUNDS(s0, s1, _mm_add_epi32(w2, KV(2)));
    SHANI_4ROUNDS(s0, s1, _mm_add_epi32(w3, KV(3)));
    for (int i = 4; i < 16; i += 4) {
        SHANI_SCHEDULE(w0, w1, w2, w3);
        SHANI_4ROUNDS(s0, s1, _mm_add_epi32(w0, KV(i)));
        SHANI_SCHEDULE(w1, w2, w3, w0);
        SHANI_4ROUNDS(s0, s1, _mm_add_epi32(w1, KV(i + 1)));
        SHANI_SCHEDULE(w2, w3, w0, w1);
        SHANI_4ROUNDS(s0, s1, _mm_add_epi32(w2, KV(i + 2)));
        SHANI_SCHEDULE(w3, w0, w1, w2);
        SHANI_4ROUNDS(s0, s1, _mm_add_epi32(w3, KV(i + 3)));
    }
    *abef = _mm_add_epi32(s0, *abef);
    *cdgh = _mm_add_epi32(s1, *cdgh);
}

SHANI static void compress_shani(uint32_t state[8], const uint8_t *blocks, size_t nblocks) {
    __m128i abef, cdgh;
    shani_load_state(state, &abef, &cdgh);
    for (size_t i = 0; i < nblocks; i++) shani_block(&abef, &cdgh, blocks + 64 * i);
    shani_store_state(state, abef, cdgh);
}

/* Big-endian digest bytes with the sha254 truncation. */
SHANI static inline void shani_store_sha254(uint8_t out[32], __m128i abef, __m128i cdgh) {
    uint32_t state[8];
    shani_store_state(state, abef, cdgh);
    const __m128i mask = bswap_mask();
    __m128i lo = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)&state[0]), mask);
    __m128i hi = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)&state[4]), mask);
    _mm_storeu_si128((__m128i *)out, lo);
    _mm_storeu_si128((__m128i *)(out + 16), hi);
    out[31] &= 0x3f;
}

/* Two independent sha254 node hashes, interleaved round by round: SHA256RNDS2 has a latency of several
 * cycles but a throughput of about one per cycle or two, so a second dependency chain runs almost free. */
SHANI static void sha254_64_x2_shani(uint8_t *out_a, uint8_t *out_b, const uint8_t *in_a, const uint8_t *in_b) {
    const __m128i mask = bswap_mask();
    __m128i iv_abef, iv_cdgh;
    shani_load_state(FIL_SHA256_IV, &iv_abef, &iv_cdgh);
    __m128i a0 = iv_abef, a1 = iv_cdgh, b0 = iv_abef, b1 = iv_cdgh;
    __m128i aw0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(in_a + 0)), mask);
    __m128i aw1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(in_a + 16)), mask);
    __m128i aw2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(in_a + 32)), mask);
    __m128i aw3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(in_a + 48)), mask);
    __m128i bw0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(in_b + 0)), mask);
    __m128i bw1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(in_b + 16)), mask);
    __m128i bw2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(in_b + 32)), mask);
    __m128i bw3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(in_b + 48)), mask);

    /* First block: the 64 message bytes. */
    SHANI_4ROUNDS(a0, a1, _mm_add_epi32(aw0, KV(0)));
    SHANI_4ROUNDS(b0, b1, _mm_add_epi32(bw0, KV(0)));
    SHANI_4ROUNDS(a0, a1, _mm_add_epi32(aw1, KV(1)));
    SHANI_4ROUNDS(b0, b1, _mm_add_epi32(bw1, KV(1)));
    SHANI_4ROUNDS(a0, a1, _mm_add_epi32(aw2, KV(2)));
    SHANI_4ROUNDS(b0, b1, _mm_add_epi32(bw2, KV(2)));
    SHANI_4ROUNDS(a0, a1, _mm_add_epi32(aw3, KV(3)));
    SHANI_4ROUNDS(b0, b1, _mm_add_epi32(bw3, KV(3)));
    for (int i = 4; i < 16; i += 4) {
        SHANI_SCHEDULE(aw0, aw1, aw2, aw3);
        SHANI_SCHEDULE(bw0, bw1, bw2, bw3);
        SHANI_4ROUNDS(a0, a1, _mm_add_epi32(aw0, KV(i)));
        SHANI_4ROUNDS(b0, b1, _mm_add_epi32(bw0, KV(i)));
        SHANI_SCHEDULE(aw1, aw2, aw3, aw0);
        SHANI_SCHEDULE(bw1, bw2, bw3, bw0);
        SHANI_4ROUNDS(a0, a1, _mm_add_epi32(aw1, KV(i + 1)));
        SHANI_4ROUNDS(b0, b1, _mm_add_epi32(bw1, KV(i + 1)));
        SHANI_SCHEDULE(aw2, aw3, aw0, aw1);
        SHANI_SCHEDULE(bw2, bw3, bw0, bw1);
        SHANI_4ROUNDS(a0, a1, _mm_add_epi32(aw2, KV(i + 2)));
        SHANI_4ROUNDS(b0, b1, _mm_add_epi32(bw2, KV(i + 2)));
        SHANI_SCHEDULE(aw3, aw0, aw1, aw2);
        SHANI_SCHEDULE(bw3, bw0, bw1, bw2);
        SHANI_4ROUNDS(a0, a1, _mm_add_epi32(aw3, KV(i + 3)));
        SHANI_4ROUNDS(b0, b1, _mm_add_epi32(bw3, KV(i + 3)));
    }
    a0 = _mm_add_epi32(a0, iv_abef);
    a1 = _mm_add_epi32(a1, iv_cdgh);
    b0 = _mm_add_epi32(b0, iv_abef);
    b1 = _mm_add_epi32(b1, iv_cdgh);

    /* Second block: the constant padding block, schedule precomputed. */
    __m128i sa0 = a0, sa1 = a1, sb0 = b0, sb1 = b1;
    for (int i = 0; i < 16; i++) {
        __m128i wk = _mm_load_si128((const __m128i *)&PAD64_WK[4 * i]);
        SHANI_4ROUNDS(a0, a1, wk);
        SHANI_4ROUNDS(b0, b1, wk);
    }
    a0 = _mm_add_epi32(a0, sa0);
    a1 = _mm_add_epi32(a1, sa1);
    b0 = _mm_add_epi32(b0, sb0);
    b1 = _mm_add_epi32(b1, sb1);
    shani_store_sha254(out_a, a0, a1);
    shani_store_sha254(out_b, b0, b1);
}

SHANI static void sha254_64_shani(uint8_t out[32], const uint8_t in[64]) {
    __m128i abef, cdgh;
    shani_load_state(FIL_SHA256_IV, &abef, &cdgh);
    shani_block(&abef, &cdgh, in);
    __m128i s0 = abef, s1 = cdgh;
    for (int i = 0; i < 16; i++) SHANI_4ROUNDS(abef, cdgh, _mm_load_si128((const __m128i *)&PAD64_WK[4 * i]));
    shani_store_sha254(out, _mm_add_epi32(abef, s0), _mm_add_epi32(cdgh, s1));
}

static void sha254_64_many_shani(uint8_t *out, const uint8_t *in, size_t n) {
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        /* Both inputs (in[i], in[i+1]) are loaded before either output is stored, and out[i], out[i+1]
         * lie at or before in[i] when out == in, so in-place reduction is safe. */
        sha254_64_x2_shani(out + 32 * i, out + 32 * (i + 1), in + 64 * i, in + 64 * (i + 1));
    }
    if (i < n) {
        uint8_t tmp[32];
        sha254_64_shani(tmp, in + 64 * i);
        memcpy(out + 32 * i, tmp, 32);
    }
}

/* -- AVX2: eight node hashes at once, one per 32-bit lane ------------------------------------------- */

/* For CPUs without SHA-NI (e.g. Intel before Ice Lake): the rounds run on 8 independent messages in the
 * lanes of 256-bit vectors, so each vector instruction advances eight hashes. */
#define AVX2 __attribute__((target("avx2")))

#define V_ADD(x, y) _mm256_add_epi32((x), (y))
#define V_ROTR(x, n) _mm256_or_si256(_mm256_srli_epi32((x), (n)), _mm256_slli_epi32((x), 32 - (n)))
#define V_BSIG0(x) _mm256_xor_si256(_mm256_xor_si256(V_ROTR(x, 2), V_ROTR(x, 13)), V_ROTR(x, 22))
#define V_BSIG1(x) _mm256_xor_si256(_mm256_xor_si256(V_ROTR(x, 6), V_ROTR(x, 11)), V_ROTR(x, 25))
#define V_SSIG0(x) _mm256_xor_si256(_mm256_xor_si256(V_ROTR(x, 7), V_ROTR(x, 18)), _mm256_srli_epi32((x), 3))
#define V_SSIG1(x) _mm256_xor_si256(_mm256_xor_si256(V_ROTR(x, 17), V_ROTR(x, 19)), _mm256_srli_epi32((x), 10))
#define V_CH(x, y, z) _mm256_xor_si256((z), _mm256_and_si256((x), _mm256_xor_si256((y), (z))))
#define V_MAJ(x, y, z) \
    _mm256_or_si256(_mm256_and_si256((x), (y)), _mm256_and_si256((z), _mm256_or_si256((x), (y))))

#define V_ROUND(a, b, c, d, e, f, g, h, wk)                                                 \
    do {                                                                                    \
        __m256i t1 = V_ADD(V_ADD(V_ADD((h), V_BSIG1(e)), V_CH(e, f, g)), (wk));             \
        __m256i t2 = V_ADD(V_BSIG0(a), V_MAJ(a, b, c));                                     \
        (d) = V_ADD((d), t1);                                                               \
        (h) = V_ADD(t1, t2);                                                                \
    } while (0)

/* 64 rounds on s[0..7] with the round inputs W[t] + K[t] from wk_at(t), then the feed-forward. */
#define V_COMPRESS(s, wk_at)                                                                \
    do {                                                                                    \
        __m256i a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7]; \
        for (int t = 0; t < 64; t += 8) {                                                   \
            V_ROUND(a, b, c, d, e, f, g, h, wk_at(t + 0));                                  \
            V_ROUND(h, a, b, c, d, e, f, g, wk_at(t + 1));                                  \
            V_ROUND(g, h, a, b, c, d, e, f, wk_at(t + 2));                                  \
            V_ROUND(f, g, h, a, b, c, d, e, wk_at(t + 3));                                  \
            V_ROUND(e, f, g, h, a, b, c, d, wk_at(t + 4));                                  \
            V_ROUND(d, e, f, g, h, a, b, c, wk_at(t + 5));                                  \
            V_ROUND(c, d, e, f, g, h, a, b, wk_at(t + 6));                                  \
            V_ROUND(b, c, d, e, f, g, h, a, wk_at(t + 7));                                  \
        }                                                                                   \
        s[0] = V_ADD(s[0], a);                                                              \
        s[1] = V_ADD(s[1], b);                                                              \
        s[2] = V_ADD(s[2], c);                                                              \
        s[3] = V_ADD(s[3], d);                                                              \
        s[4] = V_ADD(s[4], e);                                                              \
        s[5] = V_ADD(s[5], f);                                                              \
        s[6] = V_ADD(s[6], g);                                                              \
        s[7] = V_ADD(s[7], h);                                                              \
    } while (0)

/* Eight sha254 node hashes: out[32*i ..] = sha254(in[64*i .. 64*i+64]) for i in 0..7. All input is read
 * before any output is written, so out may equal in. */
AVX2 static void sha254_64_x8_avx2(uint8_t *out, const uint8_t *in) {
    __m256i wk[64];
    /* Message words, transposed: lane i of w[t] is word t of message i. */
    for (int t = 0; t < 16; t++) {
        wk[t] = _mm256_set_epi32((int)load_be32(in + 448 + 4 * t), (int)load_be32(in + 384 + 4 * t),
                                 (int)load_be32(in + 320 + 4 * t), (int)load_be32(in + 256 + 4 * t),
                                 (int)load_be32(in + 192 + 4 * t), (int)load_be32(in + 128 + 4 * t),
                                 (int)load_be32(in + 64 + 4 * t), (int)load_be32(in + 4 * t));
    }
    for (int t = 16; t < 64; t++) {
        wk[t] = V_ADD(V_ADD(V_SSIG1(wk[t - 2]), wk[t - 7]), V_ADD(V_SSIG0(wk[t - 15]), wk[t - 16]));
    }
    for (int t = 0; t < 64; t++) wk[t] = V_ADD(wk[t], _mm256_set1_epi32((int)K[t]));

    __m256i s[8];
    for (int j = 0; j < 8; j++) s[j] = _mm256_set1_epi32((int)FIL_SHA256_IV[j]);
#define WK_MESSAGE(t) wk[t]
#define WK_PADDING(t) _mm256_set1_epi32((int)PAD64_WK[t])
    V_COMPRESS(s, WK_MESSAGE);
    V_COMPRESS(s, WK_PADDING);
#undef WK_MESSAGE
#undef WK_PADDING

    uint32_t words[8][8];
    for (int j = 0; j < 8; j++) _mm256_storeu_si256((__m256i *)words[j], s[j]);
    for (int i = 0; i < 8; i++) {
        for (int j = 0; j < 8; j++) store_be32(out + 32 * i + 4 * j, words[j][i]);
        out[32 * i + 31] &= 0x3f;
    }
}

static void sha254_64_many_avx2(uint8_t *out, const uint8_t *in, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) sha254_64_x8_avx2(out + 32 * i, in + 64 * i);
    sha254_64_many_portable(out + 32 * i, in + 64 * i, n - i);
}

static int cpu_has_avx2(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    /* The OS must save the YMM registers (OSXSAVE, then XCR0 bits 1 and 2). */
    if (!((c >> 27) & 1)) return 0;
    unsigned int xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & 6) != 6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 5) & 1;
}

static int cpu_has_shani(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int sha = (b >> 29) & 1;
    return ssse3 && sse41 && sha;
}
#endif /* FIL_HAVE_X86 */

/* -- dispatch ---------------------------------------------------------------------------------------- */

static int g_impl = FIL_SHA256_AUTO; /* the implementation in use; AUTO until the first call chooses */

static int env_forces_portable(void) {
    const char *v = getenv("FILNET_SHA256_PORTABLE");
    return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

static int supported(int impl) {
#if FIL_HAVE_X86
    if (impl == FIL_SHA256_SHANI) return cpu_has_shani();
    if (impl == FIL_SHA256_AVX2) return cpu_has_avx2();
#endif
    return impl == FIL_SHA256_PORTABLE;
}

int fil_sha256_select(int impl) {
    init_pad_wk();
    if (impl == FIL_SHA256_AUTO) {
        impl = env_forces_portable() ? FIL_SHA256_PORTABLE
               : supported(FIL_SHA256_SHANI) ? FIL_SHA256_SHANI
               : supported(FIL_SHA256_AVX2)  ? FIL_SHA256_AVX2
                                             : FIL_SHA256_PORTABLE;
    } else if (!supported(impl)) {
        impl = FIL_SHA256_PORTABLE;
    }
    __atomic_store_n(&g_impl, impl, __ATOMIC_RELEASE);
    return impl;
}

int fil_sha256_impl(void) {
    int impl = __atomic_load_n(&g_impl, __ATOMIC_ACQUIRE);
    return impl != FIL_SHA256_AUTO ? impl : fil_sha256_select(FIL_SHA256_AUTO);
}

const char *fil_sha256_impl_name(int impl) {
    switch (impl) {
        case FIL_SHA256_PORTABLE: return "portable";
        case FIL_SHA256_AVX2: return "avx2";
        case FIL_SHA256_SHANI: return "shani";
        default: return "auto";
    }
}

void fil_sha256_force_portable(int force) { fil_sha256_select(force ? FIL_SHA256_PORTABLE : FIL_SHA256_AUTO); }

int fil_sha256_uses_shani(void) { return fil_sha256_impl() == FIL_SHA256_SHANI; }

void fil_sha256_compress(uint32_t state[8], const uint8_t *blocks, size_t nblocks) {
#if FIL_HAVE_X86
    if (fil_sha256_impl() == FIL_SHA256_SHANI) {
        compress_shani(state, blocks, nblocks);
        return;
    }
#else
    (void)fil_sha256_impl();
#endif
    compress_portable(state, blocks, nblocks);
}

void fil_sha256(uint8_t out[32], const uint8_t *data, size_t len) {
    uint32_t state[8];
    memcpy(state, FIL_SHA256_IV, sizeof state);
    size_t full = len / 64;
    fil_sha256_compress(state, data, full);
    /* Padding: 0x80, zeros, then the bit length as a big-endian u64; one or two final blocks. */
    uint8_t tail[128] = {0};
    size_t rest = len - 64 * full;
    memcpy(tail, data + 64 * full, rest);
    tail[rest] = 0x80;
    size_t tail_blocks = rest + 9 <= 64 ? 1 : 2;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++) tail[64 * tail_blocks - 1 - i] = (uint8_t)(bits >> (8 * i));
    fil_sha256_compress(state, tail, tail_blocks);
    for (int i = 0; i < 8; i++) store_be32(out + 4 * i, state[i]);
}

void fil_sha254_64(uint8_t out[32], const uint8_t in[64]) {
#if FIL_HAVE_X86
    if (fil_sha256_impl() == FIL_SHA256_SHANI) {
        sha254_64_shani(out, in);
        return;
    }
#else
    (void)fil_sha256_impl();
#endif
    sha254_64_portable(out, in);
}

void fil_sha254_64_many(uint8_t *out, const uint8_t *in, size_t n) {
#if FIL_HAVE_X86
    int impl = fil_sha256_impl();
    if (impl == FIL_SHA256_SHANI) {
        sha254_64_many_shani(out, in, n);
        return;
    }
    if (impl == FIL_SHA256_AVX2) {
        sha254_64_many_avx2(out, in, n);
        return;
    }
#else
    (void)fil_sha256_impl();
#endif
    sha254_64_many_portable(out, in, n);
}
