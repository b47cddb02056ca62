/* Native fast path of filnet.proofs.poseidon: Poseidon over BLS12-381 Fr with Montgomery arithmetic.
 *
 * Field elements are 4 x 64-bit limbs (little-endian limb order) in Montgomery form (a * 2^256 mod r).
 * Multiplication is CIOS Montgomery: portable C with unsigned __int128 everywhere, and on x86-64 CPUs with
 * BMI2 and ADX (chosen at run time) inline assembly, plus lazily reduced dot products for the MDS matrices.
 * Both paths run the same permutation code and are tested against each other and against the Python
 * reference.
 *
 * The permutation runs in the "sparse" order that poseidon_constants.sparse_params derives (and
 * poseidon.permute_sparse evaluates in Python). Every constant comes from Python once per arity through
 * load_constants(), so no table is pasted here; the only constant in this file is the modulus r itself, and
 * R^2 mod r and -r^-1 mod 2^64 are derived from it at import.
 *
 * Inputs and outputs are 32-byte little-endian canonical field elements. An input >= r is rejected with
 * ValueError(message, byte_offset) -- the Python wrapper turns it into filnet's DecodeError.
 * Batch functions release the GIL while hashing.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

typedef unsigned __int128 u128;
typedef struct { uint64_t l[4]; } fe;

#define MAX_ARITY 11
#define MAX_T (MAX_ARITY + 1)

/* r = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001 */
static const uint64_t P[4] = {0xffffffff00000001ULL, 0x53bda402fffe5bfeULL, 0x3339d80809a1d805ULL,
                              0x73eda753299d7d48ULL};
static uint64_t INV;   /* -r^-1 mod 2^64 */
static fe R2;          /* 2^512 mod r: multiplying by it converts into Montgomery form */
static fe ONE_PLAIN;   /* the integer 1: multiplying by it converts out of Montgomery form */

/* ---------------------------------------------------------------- field arithmetic */

/* a >= r ? (as integers) */
static inline int geq_p(const uint64_t a[4]) {
    for (int i = 3; i >= 0; i--) {
        if (a[i] != P[i]) return a[i] > P[i];
    }
    return 1;
}

#if defined(__x86_64__)
#include <x86intrin.h>
typedef unsigned long long ull;

/* out = a - r when a >= r (a < 2r). x86-64: explicit borrow chain (GCC keeps it in registers). */
static inline void reduce_once(fe *out, const uint64_t a[4]) {
    ull s0, s1, s2, s3;
    unsigned char borrow = _subborrow_u64(0, a[0], P[0], &s0);
    borrow = _subborrow_u64(borrow, a[1], P[1], &s1);
    borrow = _subborrow_u64(borrow, a[2], P[2], &s2);
    borrow = _subborrow_u64(borrow, a[3], P[3], &s3);
    /* A borrow means a < r: keep a. Branch-free select. */
    const uint64_t keep = (uint64_t)0 - borrow;
    out->l[0] = (a[0] & keep) | (s0 & ~keep);
    out->l[1] = (a[1] & keep) | (s1 & ~keep);
    out->l[2] = (a[2] & keep) | (s2 & ~keep);
    out->l[3] = (a[3] & keep) | (s3 & ~keep);
}

static inline void fe_add(fe *out, const fe *a, const fe *b) {
    ull t0, t1, t2, t3;
    unsigned char c = _addcarry_u64(0, a->l[0], b->l[0], &t0);
    c = _addcarry_u64(c, a->l[1], b->l[1], &t1);
    c = _addcarry_u64(c, a->l[2], b->l[2], &t2);
    _addcarry_u64(c, a->l[3], b->l[3], &t3);
    /* r < 2^255 so a + b < 2^256: no carry out of the top limb. */
    const uint64_t t[4] = {t0, t1, t2, t3};
    reduce_once(out, t);
}
#else
/* out = a - r when a >= r (a < 2r) */
static inline void reduce_once(fe *out, const uint64_t a[4]) {
    uint64_t s[4];
    u128 borrow = 0;
    for (int i = 0; i < 4; i++) {
        u128 d = (u128)a[i] - P[i] - borrow;
        s[i] = (uint64_t)d;
        borrow = (d >> 64) & 1;
    }
    /* borrow == 1 means a < r: keep a. Branch-free select. */
    uint64_t mask = (uint64_t)0 - (uint64_t)borrow;
    for (int i = 0; i < 4; i++) out->l[i] = (a[i] & mask) | (s[i] & ~mask);
}

static inline void fe_add(fe *out, const fe *a, const fe *b) {
    uint64_t t[4];
    u128 c = 0;
    for (int i = 0; i < 4; i++) {
        c += (u128)a->l[i] + b->l[i];
        t[i] = (uint64_t)c;
        c >>= 64;
    }
    /* r < 2^255 so a + b < 2^256: no carry out of the top limb. */
    reduce_once(out, t);
}
#endif

/* Montgomery product a * b / 2^256 mod r (CIOS). Needs a < 2^256 and b < r; the result is < r.
 * The running sum stays within 4 limbs plus a small top word because r's top limb is below 2^63. */
static inline void fe_mul_c(fe *out, const fe *a, const fe *b) {
    uint64_t t[6] = {0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        u128 c = 0;
        for (int j = 0; j < 4; j++) {
            c += (u128)a->l[j] * b->l[i] + t[j];
            t[j] = (uint64_t)c;
            c >>= 64;
        }
        c += t[4];
        t[4] = (uint64_t)c;
        t[5] = (uint64_t)(c >> 64);
        uint64_t m = t[0] * INV;
        c = ((u128)m * P[0] + t[0]) >> 64;
        for (int j = 1; j < 4; j++) {
            c += (u128)m * P[j] + t[j];
            t[j - 1] = (uint64_t)c;
            c >>= 64;
        }
        c += t[4];
        t[3] = (uint64_t)c;
        t[4] = t[5] + (uint64_t)(c >> 64);
    }
    reduce_once(out, t);
}

/* The same product with BMI2/ADX instructions (mulx, and two independent carry chains with adcx/adox), the
 * layout of gnark-crypto's "no-carry" CIOS. Inline assembly needs no -m flags: it is only called when
 * CPUID reports both extensions (see field_init), so other x86-64 CPUs never execute it. */
#if defined(__x86_64__)
#define HAVE_ADX_PATH 1
static uint64_t MONT_K[5]; /* r's limbs then INV, read by the assembly */

static inline uint64_t mul_lo_hi(uint64_t a, uint64_t b, uint64_t *hi) {
    u128 p = (u128)a * b;
    *hi = (uint64_t)(p >> 64);
    return (uint64_t)p;
}

#define MONT_REDUCE                                                                                            \
    "movq 32(%[k]), %%rdx\n\t"  /* m = t0 * INV */                                                            \
    "imulq %[t0], %%rdx\n\t"                                                                                   \
    "xorq %[lo], %[lo]\n\t"     /* clear CF and OF */                                                          \
    "mulxq 0(%[k]), %[lo], %[hi]\n\t"                                                                          \
    "adcxq %[t0], %[lo]\n\t"    /* low limb becomes 0; keep the carry */                                       \
    "movq %[hi], %[t0]\n\t"                                                                                    \
    "adcxq %[t1], %[t0]\n\t"                                                                                   \
    "mulxq 8(%[k]), %[lo], %[t1]\n\t"                                                                          \
    "adoxq %[lo], %[t0]\n\t"                                                                                   \
    "adcxq %[t2], %[t1]\n\t"                                                                                   \
    "mulxq 16(%[k]), %[lo], %[t2]\n\t"                                                                         \
    "adoxq %[lo], %[t1]\n\t"                                                                                   \
    "adcxq %[t3], %[t2]\n\t"                                                                                   \
    "mulxq 24(%[k]), %[lo], %[t3]\n\t"                                                                         \
    "adoxq %[lo], %[t2]\n\t"                                                                                   \
    "movq $0, %[lo]\n\t"                                                                                       \
    "adcxq %[lo], %[t3]\n\t"                                                                                   \
    "adoxq %[t4], %[t3]\n\t"

#define MONT_ROW(OFFSET)                                                                                       \
    "movq " #OFFSET "(%[b]), %%rdx\n\t" /* t += a * b[i] */                                                   \
    "xorq %[lo], %[lo]\n\t"                                                                                    \
    "mulxq 0(%[a]), %[lo], %[hi]\n\t"                                                                          \
    "adoxq %[lo], %[t0]\n\t"                                                                                   \
    "adcxq %[hi], %[t1]\n\t"                                                                                   \
    "mulxq 8(%[a]), %[lo], %[hi]\n\t"                                                                          \
    "adoxq %[lo], %[t1]\n\t"                                                                                   \
    "adcxq %[hi], %[t2]\n\t"                                                                                   \
    "mulxq 16(%[a]), %[lo], %[hi]\n\t"                                                                         \
    "adoxq %[lo], %[t2]\n\t"                                                                                   \
    "adcxq %[hi], %[t3]\n\t"                                                                                   \
    "mulxq 24(%[a]), %[lo], %[t4]\n\t"                                                                         \
    "adoxq %[lo], %[t3]\n\t"                                                                                   \
    "movq $0, %[lo]\n\t"                                                                                       \
    "adcxq %[lo], %[t4]\n\t"                                                                                   \
    "adoxq %[lo], %[t4]\n\t"

static inline void fe_mul_adx(fe *out, const fe *a, const fe *b) {
    uint64_t t0, t1, t2, t3, t4, lo, hi;
    __asm__("movq 0(%[b]), %%rdx\n\t" /* t = a * b[0] */
            "xorq %[lo], %[lo]\n\t"
            "mulxq 0(%[a]), %[t0], %[t1]\n\t"
            "mulxq 8(%[a]), %[lo], %[t2]\n\t"
            "adoxq %[lo], %[t1]\n\t"
            "mulxq 16(%[a]), %[lo], %[t3]\n\t"
            "adoxq %[lo], %[t2]\n\t"
            "mulxq 24(%[a]), %[lo], %[t4]\n\t"
            "adoxq %[lo], %[t3]\n\t"
            "movq $0, %[lo]\n\t"
            "adoxq %[lo], %[t4]\n\t" MONT_REDUCE MONT_ROW(8) MONT_REDUCE MONT_ROW(16) MONT_REDUCE MONT_ROW(24)
                MONT_REDUCE
            : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4), [lo] "=&r"(lo),
              [hi] "=&r"(hi)
            : [a] "r"(a->l), [b] "r"(b->l), [k] "r"(MONT_K), "m"(*(const uint64_t(*)[4])a->l),
              "m"(*(const uint64_t(*)[4])b->l), "m"(MONT_K)
            : "rdx", "cc");
    const uint64_t t[4] = {t0, t1, t2, t3};
    reduce_once(out, t);
}
#else
#define HAVE_ADX_PATH 0
static inline void fe_mul_adx(fe *out, const fe *a, const fe *b) { fe_mul_c(out, a, b); }
#endif

/* Lazy reduction for dot products (MDS rows): sum the full 512-bit products of up to MAX_T terms and run one
 * Montgomery reduction per output instead of one per term. */
#if HAVE_ADX_PATH
#define WIDE_ROW(OFFSET, A0, A1, A2, A3, A4) /* (A0..A3) += a * b[i], new top limb in A4 */                     \
    "movq " #OFFSET "(%[b]), %%rdx\n\t"                                                                        \
    "xorq %[lo], %[lo]\n\t"                                                                                    \
    "mulxq 0(%[a]), %[lo], %[hi]\n\t"                                                                          \
    "adoxq %[lo], %[" A0 "]\n\t"                                                                               \
    "adcxq %[hi], %[" A1 "]\n\t"                                                                               \
    "mulxq 8(%[a]), %[lo], %[hi]\n\t"                                                                          \
    "adoxq %[lo], %[" A1 "]\n\t"                                                                               \
    "adcxq %[hi], %[" A2 "]\n\t"                                                                               \
    "mulxq 16(%[a]), %[lo], %[hi]\n\t"                                                                         \
    "adoxq %[lo], %[" A2 "]\n\t"                                                                               \
    "adcxq %[hi], %[" A3 "]\n\t"                                                                               \
    "mulxq 24(%[a]), %[lo], %[" A4 "]\n\t"                                                                     \
    "adoxq %[lo], %[" A3 "]\n\t"                                                                               \
    "movq $0, %[lo]\n\t"                                                                                       \
    "adcxq %[lo], %[" A4 "]\n\t"                                                                               \
    "adoxq %[lo], %[" A4 "]\n\t"

/* w = a * b, the 512-bit product. */
static inline void fe_mul_wide_adx(uint64_t w[8], const fe *a, const fe *b) {
    uint64_t t0, t1, t2, t3, t4, lo, hi;
    __asm__("movq 0(%[b]), %%rdx\n\t"
            "xorq %[lo], %[lo]\n\t"
            "mulxq 0(%[a]), %[t0], %[t1]\n\t"
            "mulxq 8(%[a]), %[lo], %[t2]\n\t"
            "adoxq %[lo], %[t1]\n\t"
            "mulxq 16(%[a]), %[lo], %[t3]\n\t"
            "adoxq %[lo], %[t2]\n\t"
            "mulxq 24(%[a]), %[lo], %[t4]\n\t"
            "adoxq %[lo], %[t3]\n\t"
            "movq $0, %[lo]\n\t"
            "adoxq %[lo], %[t4]\n\t"
            "movq %[t0], 0(%[w])\n\t" WIDE_ROW(8, "t1", "t2", "t3", "t4", "t0") "movq %[t1], 8(%[w])\n\t"
            WIDE_ROW(16, "t2", "t3", "t4", "t0", "t1") "movq %[t2], 16(%[w])\n\t"
            WIDE_ROW(24, "t3", "t4", "t0", "t1", "t2") "movq %[t3], 24(%[w])\n\t"
            "movq %[t4], 32(%[w])\n\t"
            "movq %[t0], 40(%[w])\n\t"
            "movq %[t1], 48(%[w])\n\t"
            "movq %[t2], 56(%[w])\n\t"
            : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4), [lo] "=&r"(lo),
              [hi] "=&r"(hi), "=m"(*(uint64_t(*)[8])w)
            : [a] "r"(a->l), [b] "r"(b->l), [w] "r"(w), "m"(*(const uint64_t(*)[4])a->l),
              "m"(*(const uint64_t(*)[4])b->l)
            : "rdx", "cc");
}

/* acc (9 limbs) += w (8 limbs). */
static inline void add_wide(ull acc[9], const uint64_t w[8]) {
    unsigned char c = 0;
    for (int i = 0; i < 8; i++) c = _addcarry_u64(c, acc[i], w[i], &acc[i]);
    acc[8] += c;
}

static uint64_t R_MULT5[3][5]; /* 4r, 2r and r as 5-limb numbers, set by field_init */

/* out = T / 2^256 mod r for T < 12 r^2 (a sum of at most MAX_T products of elements below r).
 * Four Montgomery steps leave T / 2^256 + (something below r) < 6.5 r in five limbs; subtracting 4r, 2r and r
 * where they fit brings it below r. */
static inline void redc_wide(fe *out, ull T[9]) {
    for (int i = 0; i < 4; i++) {
        const uint64_t m = T[i] * INV;
        uint64_t h0, h1, h2, h3;
        const uint64_t l0 = mul_lo_hi(m, P[0], &h0), l1 = mul_lo_hi(m, P[1], &h1);
        const uint64_t l2 = mul_lo_hi(m, P[2], &h2), l3 = mul_lo_hi(m, P[3], &h3);
        unsigned char c = _addcarry_u64(0, T[i], l0, &T[i]);
        c = _addcarry_u64(c, T[i + 1], l1, &T[i + 1]);
        c = _addcarry_u64(c, T[i + 2], l2, &T[i + 2]);
        c = _addcarry_u64(c, T[i + 3], l3, &T[i + 3]);
        for (int j = i + 4; j < 9; j++) c = _addcarry_u64(c, T[j], 0, &T[j]);
        c = _addcarry_u64(0, T[i + 1], h0, &T[i + 1]);
        c = _addcarry_u64(c, T[i + 2], h1, &T[i + 2]);
        c = _addcarry_u64(c, T[i + 3], h2, &T[i + 3]);
        c = _addcarry_u64(c, T[i + 4], h3, &T[i + 4]);
        for (int j = i + 5; j < 9; j++) c = _addcarry_u64(c, T[j], 0, &T[j]);
    }
    ull *v = &T[4];
    for (int k = 0; k < 3; k++) {
        ull s[5];
        unsigned char borrow = 0;
        for (int i = 0; i < 5; i++) borrow = _subborrow_u64(borrow, v[i], R_MULT5[k][i], &s[i]);
        const uint64_t keep = (uint64_t)0 - borrow;
        for (int i = 0; i < 5; i++) v[i] = (v[i] & keep) | (s[i] & ~keep);
    }
    for (int i = 0; i < 4; i++) out->l[i] = v[i];
}

/* out = sum of row[j] * x[j] over j < t, lazily reduced. */
static inline void dot_adx(fe *out, const fe *row, const fe *x, const int t) {
    ull acc[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (int j = 0; j < t; j++) {
        uint64_t w[8];
        fe_mul_wide_adx(w, &row[j], &x[j]);
        add_wide(acc, w);
    }
    redc_wide(out, acc);
}
#endif

/* 1 when the BMI2/ADX assembly is in use (chosen once at import, or forced off for tests). */
static int USE_ADX;

/* `adx` is a compile-time constant at every call site, so each specialised permutation holds one kind. */
static inline __attribute__((always_inline)) void fe_mul_k(fe *out, const fe *a, const fe *b, const int adx) {
    if (adx) fe_mul_adx(out, a, b);
    else fe_mul_c(out, a, b);
}

/* Conversions into and out of Montgomery form, off the hot path, use the portable product. */
static inline void fe_mul(fe *out, const fe *a, const fe *b) { fe_mul_c(out, a, b); }

static inline __attribute__((always_inline)) void fe_sbox(fe *x, const int adx) {
    fe x2, x4;
    fe_mul_k(&x2, x, x, adx);
    fe_mul_k(&x4, &x2, &x2, adx);
    fe_mul_k(x, &x4, x, adx);
}

static inline void fe_load(uint64_t out[4], const unsigned char *b) {
    for (int i = 0; i < 4; i++) {
        uint64_t v = 0;
        for (int k = 7; k >= 0; k--) v = (v << 8) | b[8 * i + k];
        out[i] = v;
    }
}

static inline void fe_store(unsigned char *b, const fe *a) {
    for (int i = 0; i < 4; i++) {
        uint64_t v = a->l[i];
        for (int k = 0; k < 8; k++) { b[8 * i + k] = (unsigned char)v; v >>= 8; }
    }
}

/* Canonical bytes -> Montgomery form; returns 0 when the value is >= r. */
static inline int fe_from_bytes(fe *out, const unsigned char *b) {
    fe plain;
    fe_load(plain.l, b);
    if (geq_p(plain.l)) return 0;
    fe_mul(out, &plain, &R2);
    return 1;
}

static inline void fe_to_bytes(unsigned char *b, const fe *a) {
    fe plain;
    fe_mul(&plain, a, &ONE_PLAIN);
    fe_store(b, &plain);
}

#if defined(__x86_64__)
#include <cpuid.h>
/* CPUID leaf 7: EBX bit 8 = BMI2 (mulx), bit 19 = ADX (adcx/adox). */
static int cpu_has_bmi2_adx(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b & (1u << 8)) && (b & (1u << 19));
}

/* FILNET_POSEIDON_PORTABLE=1 keeps the portable C multiplication (tests and benchmarks use it). */
static int env_forces_portable(void) {
    const char *v = getenv("FILNET_POSEIDON_PORTABLE");
    return v && *v && strcmp(v, "0") != 0;
}
#endif

static void field_init(void) {
    /* Newton iteration for r^-1 mod 2^64: each step doubles the number of correct bits. */
    uint64_t inv = 1;
    for (int i = 0; i < 7; i++) inv *= 2 - P[0] * inv;
    INV = (uint64_t)0 - inv;
    /* 2^512 mod r by 512 modular doublings of 1. */
    fe x = {{1, 0, 0, 0}};
    for (int i = 0; i < 512; i++) fe_add(&x, &x, &x);
    R2 = x;
    ONE_PLAIN = (fe){{1, 0, 0, 0}};
#if HAVE_ADX_PATH
    for (int i = 0; i < 4; i++) MONT_K[i] = P[i];
    MONT_K[4] = INV;
    for (int k = 0; k < 3; k++) {
        /* r << (2 - k) as five limbs */
        const int shift = 2 - k;
        uint64_t carry = 0;
        for (int i = 0; i < 4; i++) {
            R_MULT5[k][i] = shift ? (P[i] << shift) | carry : P[i];
            carry = shift ? P[i] >> (64 - shift) : 0;
        }
        R_MULT5[k][4] = carry;
    }
    USE_ADX = cpu_has_bmi2_adx() && !env_forces_portable();
#endif
}

/* ---------------------------------------------------------------- Poseidon */

typedef struct {
    int loaded;
    int t, full_rounds, partial_rounds;
    fe tag;                      /* 2^arity - 1 */
    fe first[MAX_T];             /* added before round 0 */
    fe *full_post;               /* full_rounds x t, added after each full round's S-box */
    fe *partial_post;            /* partial_rounds scalars, added to x[0] after its S-box */
    fe mds[MAX_T * MAX_T];
    fe pre_sparse[MAX_T * MAX_T];
    fe *sparse;                  /* partial_rounds x (t row entries, t - 1 column entries) */
} params;

static params PARAMS[MAX_ARITY + 1];

/* y = M x for a dense t x t matrix (row-major). */
static inline __attribute__((always_inline)) void mat_vec(fe *y, const fe *m, const fe *x, const int t,
                                                          const int adx) {
#if HAVE_ADX_PATH
    if (adx) {
        for (int i = 0; i < t; i++) dot_adx(&y[i], &m[i * t], x, t);
        return;
    }
#endif
    for (int i = 0; i < t; i++) {
        fe acc, prod;
        fe_mul_k(&acc, &m[i * t], &x[0], adx);
        for (int j = 1; j < t; j++) {
            fe_mul_k(&prod, &m[i * t + j], &x[j], adx);
            fe_add(&acc, &acc, &prod);
        }
        y[i] = acc;
    }
}

static inline __attribute__((always_inline)) void full_round(fe *x, const fe *post, const fe *m, const int t,
                                                             const int adx) {
    fe y[MAX_T];
    for (int i = 0; i < t; i++) {
        fe_sbox(&x[i], adx);
        fe_add(&x[i], &x[i], &post[i]);
    }
    mat_vec(y, m, x, t, adx);
    memcpy(x, y, sizeof(fe) * (size_t)t);
}

/* The permutation in sparse order; `t` and `adx` are compile-time constants at every call site. */
static inline __attribute__((always_inline)) void permute_t(const params *p, fe *x, const int t, const int adx) {
    const int half = p->full_rounds / 2;
    for (int i = 0; i < t; i++) fe_add(&x[i], &x[i], &p->first[i]);
    for (int k = 0; k < half; k++)
        full_round(x, &p->full_post[k * t], k == half - 1 ? p->pre_sparse : p->mds, t, adx);
    for (int k = 0; k < p->partial_rounds; k++) {
        const fe *row = &p->sparse[k * (2 * t - 1)];
        const fe *column = row + t;
        fe_sbox(&x[0], adx);
        fe_add(&x[0], &x[0], &p->partial_post[k]);
        fe acc, prod;
#if HAVE_ADX_PATH
        if (adx) {
            dot_adx(&acc, row, x, t);
            for (int j = 1; j < t; j++) {
                fe_mul_k(&prod, &column[j - 1], &x[0], adx);
                fe_add(&x[j], &x[j], &prod);
            }
            x[0] = acc;
            continue;
        }
#endif
        fe_mul_k(&acc, &row[0], &x[0], adx);
        for (int j = 1; j < t; j++) {
            fe_mul_k(&prod, &row[j], &x[j], adx);
            fe_add(&acc, &acc, &prod);
            fe_mul_k(&prod, &column[j - 1], &x[0], adx);
            fe_add(&x[j], &x[j], &prod);
        }
        x[0] = acc;
    }
    for (int k = half; k < p->full_rounds; k++) full_round(x, &p->full_post[k * t], p->mds, t, adx);
}

static void permute_adx(const params *p, fe *x) {
    switch (p->t) {
    case 3: permute_t(p, x, 3, 1); break;
    case 5: permute_t(p, x, 5, 1); break;
    case 9: permute_t(p, x, 9, 1); break;
    case 12: permute_t(p, x, 12, 1); break;
    default: permute_t(p, x, p->t, 1); break;
    }
}

static void permute_portable(const params *p, fe *x) {
    switch (p->t) {
    case 3: permute_t(p, x, 3, 0); break;
    case 5: permute_t(p, x, 5, 0); break;
    case 9: permute_t(p, x, 9, 0); break;
    case 12: permute_t(p, x, 12, 0); break;
    default: permute_t(p, x, p->t, 0); break;
    }
}

static inline void permute(const params *p, fe *x) {
    if (USE_ADX) permute_adx(p, x);
    else permute_portable(p, x);
}

/* One slice of a batch: groups [start, end) of `in` (n * arity elements, hashed group by group), or, when
 * `layers` is set, columns [start, end) across `arity` layers. `bad` receives the byte offset of the first
 * non-canonical input (-1 if none): into `in`, or into layer `bad_layer`. */
typedef struct {
    const params *p;
    unsigned char *out;
    const unsigned char *in;
    const unsigned char *const *layers;
    size_t start, end;
    Py_ssize_t bad;
    int bad_layer;
} task;

static void run_task(task *job) {
    const params *p = job->p;
    const int arity = p->t - 1;
    job->bad = -1;
    for (size_t g = job->start; g < job->end; g++) {
        fe x[MAX_T];
        x[0] = p->tag;
        for (int i = 0; i < arity; i++) {
            const unsigned char *src = job->layers ? job->layers[i] + 32 * g : job->in + 32 * (g * (size_t)arity + (size_t)i);
            if (!fe_from_bytes(&x[i + 1], src)) {
                job->bad = job->layers ? (Py_ssize_t)(32 * g) : (Py_ssize_t)(32 * (g * (size_t)arity + (size_t)i));
                job->bad_layer = i;
                return;
            }
        }
        permute(p, x);
        fe_to_bytes(job->out + 32 * g, &x[1]);
    }
}

static void *task_thread(void *arg) {
    run_task(arg);
    return NULL;
}

#define MAX_THREADS 64
#define MIN_GROUPS_PER_THREAD 256

/* Run `proto` over [0, n) on up to `threads` threads (0 = one per online CPU); the first failing slice (in
 * input order) decides `proto->bad`. Called without the GIL. */
static void run_parallel(task *proto, size_t n, int threads) {
    if (threads <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus > 0 ? (int)cpus : 1;
    }
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    if ((size_t)threads > n / MIN_GROUPS_PER_THREAD) threads = (int)(n / MIN_GROUPS_PER_THREAD);
    if (threads <= 1) {
        proto->start = 0;
        proto->end = n;
        run_task(proto);
        return;
    }
    task jobs[MAX_THREADS];
    pthread_t ids[MAX_THREADS];
    int started[MAX_THREADS];
    for (int k = 0; k < threads; k++) {
        jobs[k] = *proto;
        jobs[k].start = n * (size_t)k / (size_t)threads;
        jobs[k].end = n * (size_t)(k + 1) / (size_t)threads;
    }
    /* Slice 0 runs on this thread; a slice whose thread cannot start runs here too. */
    for (int k = 1; k < threads; k++) started[k] = pthread_create(&ids[k], NULL, task_thread, &jobs[k]) == 0;
    run_task(&jobs[0]);
    for (int k = 1; k < threads; k++) {
        if (started[k]) pthread_join(ids[k], NULL);
        else run_task(&jobs[k]);
    }
    proto->bad = -1;
    for (int k = 0; k < threads; k++) {
        if (jobs[k].bad >= 0) {
            proto->bad = jobs[k].bad;
            proto->bad_layer = jobs[k].bad_layer;
            break;
        }
    }
}

/* ---------------------------------------------------------------- Python bindings */

static const params *params_for(int arity) {
    if (arity < 1 || arity > MAX_ARITY || !PARAMS[arity].loaded) {
        PyErr_Format(PyExc_RuntimeError, "Poseidon constants for arity %d are not loaded", arity);
        return NULL;
    }
    return &PARAMS[arity];
}

static int load_vector(fe *out, const Py_buffer *buf, Py_ssize_t count, const char *what) {
    if (buf->len != count * 32) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd bytes, got %zd", what, count * 32, buf->len);
        return 0;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        if (!fe_from_bytes(&out[i], (const unsigned char *)buf->buf + 32 * i)) {
            PyErr_Format(PyExc_ValueError, "%s: element %zd is not canonical", what, i);
            return 0;
        }
    }
    return 1;
}

PyDoc_STRVAR(load_constants_doc,
             "load_constants(arity, full_rounds, partial_rounds, first, full_post, partial_post, mds, pre_sparse,"
             " sparse)\n--\n\nLoad one arity's sparse-form constants (32-byte LE canonical elements).");

static PyObject *py_load_constants(PyObject *self, PyObject *args) {
    int arity, rf, rp;
    Py_buffer first, full_post, partial_post, mds, pre_sparse, sparse;
    if (!PyArg_ParseTuple(args, "iiiy*y*y*y*y*y*", &arity, &rf, &rp, &first, &full_post, &partial_post, &mds,
                          &pre_sparse, &sparse))
        return NULL;
    PyObject *result = NULL;
    params fresh;
    memset(&fresh, 0, sizeof fresh);
    if (arity < 1 || arity > MAX_ARITY || rf < 2 || rf % 2 || rp < 1 || rf > 64 || rp > 256) {
        PyErr_Format(PyExc_ValueError, "bad Poseidon shape: arity %d, %d full and %d partial rounds", arity, rf, rp);
        goto done;
    }
    const int t = arity + 1;
    fresh.t = t;
    fresh.full_rounds = rf;
    fresh.partial_rounds = rp;
    fresh.full_post = PyMem_RawCalloc((size_t)rf * (size_t)t, sizeof(fe));
    fresh.partial_post = PyMem_RawCalloc((size_t)rp, sizeof(fe));
    fresh.sparse = PyMem_RawCalloc((size_t)rp * (size_t)(2 * t - 1), sizeof(fe));
    if (!fresh.full_post || !fresh.partial_post || !fresh.sparse) {
        PyErr_NoMemory();
        goto fail;
    }
    if (!load_vector(fresh.first, &first, t, "first") || !load_vector(fresh.full_post, &full_post, rf * t, "full_post") ||
        !load_vector(fresh.partial_post, &partial_post, rp, "partial_post") ||
        !load_vector(fresh.mds, &mds, t * t, "mds") || !load_vector(fresh.pre_sparse, &pre_sparse, t * t, "pre_sparse") ||
        !load_vector(fresh.sparse, &sparse, rp * (2 * t - 1), "sparse"))
        goto fail;
    fe tag_plain = {{((uint64_t)1 << arity) - 1, 0, 0, 0}};
    fe_mul(&fresh.tag, &tag_plain, &R2);
    fresh.loaded = 1;
    params *slot = &PARAMS[arity];
    PyMem_RawFree(slot->full_post);
    PyMem_RawFree(slot->partial_post);
    PyMem_RawFree(slot->sparse);
    *slot = fresh;
    result = Py_None;
    Py_INCREF(result);
    goto done;
fail:
    PyMem_RawFree(fresh.full_post);
    PyMem_RawFree(fresh.partial_post);
    PyMem_RawFree(fresh.sparse);
done:
    PyBuffer_Release(&first);
    PyBuffer_Release(&full_post);
    PyBuffer_Release(&partial_post);
    PyBuffer_Release(&mds);
    PyBuffer_Release(&pre_sparse);
    PyBuffer_Release(&sparse);
    return result;
}

static PyObject *noncanonical_error(const char *what, Py_ssize_t offset) {
    PyObject *args = Py_BuildValue("(sn)", what, offset);
    if (args) {
        PyErr_SetObject(PyExc_ValueError, args);
        Py_DECREF(args);
    }
    return NULL;
}

PyDoc_STRVAR(hash_many_doc,
             "hash_many(arity, data, threads=0)\n--\n\nHash n groups of arity elements (n*arity*32 bytes) into n*32 "
             "bytes; threads=0 uses one thread per CPU for large batches.");

static PyObject *py_hash_many(PyObject *self, PyObject *args) {
    int arity, threads = 0;
    Py_buffer in;
    if (!PyArg_ParseTuple(args, "iy*|i", &arity, &in, &threads)) return NULL;
    PyObject *out = NULL;
    const params *p = params_for(arity);
    if (!p) goto done;
    const size_t group = (size_t)arity * 32;
    if ((size_t)in.len % group) {
        PyErr_Format(PyExc_ValueError, "input length %zd is not a multiple of %zu", in.len, group);
        goto done;
    }
    const size_t n = (size_t)in.len / group;
    out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * 32));
    if (!out) goto done;
    task job = {.p = p, .out = (unsigned char *)PyBytes_AS_STRING(out), .in = in.buf};
    Py_BEGIN_ALLOW_THREADS
    run_parallel(&job, n, threads);
    Py_END_ALLOW_THREADS
    if (job.bad >= 0) {
        Py_CLEAR(out);
        noncanonical_error("Poseidon input is not a canonical field element (>= r)", job.bad);
    }
done:
    PyBuffer_Release(&in);
    return out;
}

PyDoc_STRVAR(tree_levels_doc,
             "tree_levels(arity, leaves, threads=0)\n--\n\nAll levels above `leaves` (arity^k elements) up to the "
             "root, concatenated bottom-up.");

static PyObject *py_tree_levels(PyObject *self, PyObject *args) {
    int arity, threads = 0;
    Py_buffer in;
    if (!PyArg_ParseTuple(args, "iy*|i", &arity, &in, &threads)) return NULL;
    PyObject *out = NULL;
    const params *p = params_for(arity);
    if (!p) goto done;
    size_t leaves = (size_t)in.len / 32, above = 0;
    int ok = in.len % 32 == 0 && leaves >= (size_t)arity;
    for (size_t width = leaves; ok && width > 1; width /= (size_t)arity) {
        if (width % (size_t)arity) ok = 0;
        else above += width / (size_t)arity;
    }
    if (!ok) {
        PyErr_Format(PyExc_ValueError, "a tree of arity %d needs a power-of-%d number of leaves (>= %d), got %zd bytes",
                     arity, arity, arity, in.len);
        goto done;
    }
    out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(above * 32));
    if (!out) goto done;
    task job = {.p = p, .out = (unsigned char *)PyBytes_AS_STRING(out), .in = in.buf, .bad = -1};
    Py_BEGIN_ALLOW_THREADS
    for (size_t width = leaves; width > 1 && job.bad < 0; width /= (size_t)arity) {
        const size_t n = width / (size_t)arity;
        run_parallel(&job, n, threads);
        job.in = job.out;
        job.out += n * 32;
    }
    Py_END_ALLOW_THREADS
    if (job.bad >= 0) {
        /* Upper levels are our own canonical outputs, so a bad element can only be a leaf. */
        Py_CLEAR(out);
        noncanonical_error("tree leaf is not a canonical field element (>= r)", job.bad);
    }
done:
    PyBuffer_Release(&in);
    return out;
}

PyDoc_STRVAR(hash_columns_doc,
             "hash_columns(arity, layers, threads=0)\n--\n\nPoseidon over column i of `arity` equally long layers, "
             "for every i.");

static PyObject *py_hash_columns(PyObject *self, PyObject *args) {
    int arity, threads = 0;
    PyObject *seq;
    if (!PyArg_ParseTuple(args, "iO!|i", &arity, &PyTuple_Type, &seq, &threads)) return NULL;
    const params *p = params_for(arity);
    if (!p) return NULL;
    if (PyTuple_GET_SIZE(seq) != arity) {
        PyErr_Format(PyExc_ValueError, "expected %d layers, got %zd", arity, PyTuple_GET_SIZE(seq));
        return NULL;
    }
    Py_buffer bufs[MAX_ARITY];
    const unsigned char *layers[MAX_ARITY];
    int got = 0;
    PyObject *out = NULL;
    for (; got < arity; got++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(seq, got), &bufs[got], PyBUF_SIMPLE) < 0) goto done;
        layers[got] = bufs[got].buf;
        if (bufs[got].len != bufs[0].len || bufs[got].len % 32) {
            PyErr_SetString(PyExc_ValueError, "layers must have equal lengths that are multiples of 32");
            got++;
            goto done;
        }
    }
    const size_t n = (size_t)bufs[0].len / 32;
    out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * 32));
    if (!out) goto done;
    task job = {.p = p, .out = (unsigned char *)PyBytes_AS_STRING(out), .layers = layers};
    Py_BEGIN_ALLOW_THREADS
    run_parallel(&job, n, threads);
    Py_END_ALLOW_THREADS
    if (job.bad >= 0) {
        Py_CLEAR(out);
        char message[96];
        snprintf(message, sizeof message, "layer %d holds a non-canonical field element (>= r)", job.bad_layer);
        noncanonical_error(message, job.bad);
    }
done:
    for (int i = 0; i < got; i++) PyBuffer_Release(&bufs[i]);
    return out;
}

static PyObject *py_uses_adx(PyObject *self, PyObject *unused) { return PyBool_FromLong(USE_ADX); }

static PyObject *py_force_portable(PyObject *self, PyObject *flag) {
    int force = PyObject_IsTrue(flag);
    if (force < 0) return NULL;
#if HAVE_ADX_PATH
    USE_ADX = !force && cpu_has_bmi2_adx();
#endif
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"uses_adx", py_uses_adx, METH_NOARGS, "True when the BMI2/ADX multiplication is in use."},
    {"force_portable", py_force_portable, METH_O,
     "Use the portable multiplication (True) or the automatic choice (False). Not while hashing."},
    {"load_constants", py_load_constants, METH_VARARGS, load_constants_doc},
    {"hash_many", py_hash_many, METH_VARARGS, hash_many_doc},
    {"tree_levels", py_tree_levels, METH_VARARGS, tree_levels_doc},
    {"hash_columns", py_hash_columns, METH_VARARGS, hash_columns_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_poseidon_native",
    .m_doc = "Poseidon over BLS12-381 Fr (Montgomery arithmetic).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__poseidon_native(void) {
    field_init();
    return PyModule_Create(&module);
}
