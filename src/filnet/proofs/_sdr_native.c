/*
 * Native fast path of the SDR graph: ChaCha8 bucket sampling, the blake2b Feistel permutation and the
 * parent cache fill. Pure-Python references: filnet/proofs/{chacha,feistel,graph}.py; tests check that
 * both give identical caches.
 *
 * The functions take writable buffers from Python and release the GIL, so callers can fill disjoint node
 * ranges from several threads.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../native/sha256.h"

#define BASE_DEGREE 6
#define EXP_DEGREE 8
#define DEGREE (BASE_DEGREE + EXP_DEGREE)

/* ---- ChaCha8 (rand_chacha: 64-bit counter in words 12-13, zero stream id) ------------------------- */

static inline uint32_t rotl32(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

#define QR(a, b, c, d)                                                                          \
    do {                                                                                        \
        a += b; d = rotl32(d ^ a, 16); c += d; b = rotl32(b ^ c, 12);                           \
        a += b; d = rotl32(d ^ a, 8);  c += d; b = rotl32(b ^ c, 7);                            \
    } while (0)

static void chacha8_block(const uint32_t key[8], uint64_t counter, uint32_t out[16]) {
    uint32_t in[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, key[0], key[1], key[2], key[3],
                       key[4], key[5], key[6], key[7], (uint32_t)counter, (uint32_t)(counter >> 32), 0, 0};
    uint32_t x[16];
    memcpy(x, in, sizeof x);
    for (int i = 0; i < 4; i++) {
        QR(x[0], x[4], x[8], x[12]);
        QR(x[1], x[5], x[9], x[13]);
        QR(x[2], x[6], x[10], x[14]);
        QR(x[3], x[7], x[11], x[15]);
        QR(x[0], x[5], x[10], x[15]);
        QR(x[1], x[6], x[11], x[12]);
        QR(x[2], x[7], x[8], x[13]);
        QR(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) out[i] = x[i] + in[i];
}

static inline uint32_t load32_le(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- blake2b-512 of one 16-byte message (the Feistel round input) ----------------------------------- */

static const uint64_t B2B_IV[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static const uint8_t B2B_SIGMA[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

static inline uint64_t rotr64(uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }

#define G(a, b, c, d, x, y)                                                                     \
    do {                                                                                        \
        a = a + b + (x); d = rotr64(d ^ a, 32); c = c + d; b = rotr64(b ^ c, 24);               \
        a = a + b + (y); d = rotr64(d ^ a, 16); c = c + d; b = rotr64(b ^ c, 63);               \
    } while (0)

static inline uint64_t bswap64(uint64_t x) { return __builtin_bswap64(x); }

/* First 8 bytes (big-endian) of blake2b-512(BE64(a) ‖ BE64(b)): unkeyed, 64-byte output, one final block. */
static uint64_t blake2b_16_first8(uint64_t a, uint64_t b) {
    uint64_t m[16] = {bswap64(a), bswap64(b)};
    uint64_t h0 = B2B_IV[0] ^ 0x01010040ULL; /* digest length 64, fanout 1, depth 1 */
    uint64_t v[16] = {h0,        B2B_IV[1], B2B_IV[2], B2B_IV[3], B2B_IV[4],        B2B_IV[5],
                      B2B_IV[6], B2B_IV[7], B2B_IV[0], B2B_IV[1], B2B_IV[2],        B2B_IV[3],
                      B2B_IV[4] ^ 16,       B2B_IV[5], ~B2B_IV[6], B2B_IV[7]};
    for (int r = 0; r < 12; r++) {
        const uint8_t *s = B2B_SIGMA[r];
        G(v[0], v[4], v[8], v[12], m[s[0]], m[s[1]]);
        G(v[1], v[5], v[9], v[13], m[s[2]], m[s[3]]);
        G(v[2], v[6], v[10], v[14], m[s[4]], m[s[5]]);
        G(v[3], v[7], v[11], v[15], m[s[6]], m[s[7]]);
        G(v[0], v[5], v[10], v[15], m[s[8]], m[s[9]]);
        G(v[1], v[6], v[11], v[12], m[s[10]], m[s[11]]);
        G(v[2], v[7], v[8], v[13], m[s[12]], m[s[13]]);
        G(v[3], v[4], v[9], v[14], m[s[14]], m[s[15]]);
    }
    /* h'[0] is little-endian in the digest; its first 8 bytes read big-endian are its byte swap. */
    return bswap64(h0 ^ v[0] ^ v[8]);
}

/* ---- graph ------------------------------------------------------------------------------------------ */

typedef struct {
    uint32_t key[8]; /* seed (28 bytes) as words 0..6; word 7 is the node */
    uint64_t fkeys[3];
    uint64_t num_elements; /* 8 * nodes */
    int half_bits;
    uint64_t right_mask;
    int v1_1;
} graph_t;

static void base_parents(const graph_t *g, uint32_t node, uint32_t *out) {
    if (node < 2) {
        for (int i = 0; i < BASE_DEGREE; i++) out[i] = 0;
        return;
    }
    uint32_t key[8];
    memcpy(key, g->key, sizeof key);
    key[7] = node;
    uint32_t words[32];
    chacha8_block(key, 0, words);
    chacha8_block(key, 1, words + 16); /* 5 parents x 2 draws x 2 words = 20 words */
    const uint64_t m_prime = BASE_DEGREE - 1;
    const uint64_t meta = (uint64_t)node * m_prime;
    const uint64_t n_buckets = (uint64_t)ceil(log2((double)meta));
    uint32_t *sampled = g->v1_1 ? out + 1 : out;
    int w = 0;
    for (uint64_t i = 0; i < m_prime; i++) {
        uint64_t r1 = (uint64_t)words[w] | (uint64_t)words[w + 1] << 32;
        uint64_t r2 = (uint64_t)words[w + 2] | (uint64_t)words[w + 3] << 32;
        w += 4;
        uint64_t bucket = r1 % n_buckets + 1;
        uint64_t largest = meta < (1ULL << bucket) ? meta : (1ULL << bucket);
        uint64_t smallest = (largest >> 1) > 2 ? (largest >> 1) : 2;
        uint64_t distance = smallest + r2 % (largest - smallest + 1);
        uint32_t parent = (uint32_t)((meta - distance) / m_prime);
        sampled[i] = parent == node ? node - 1 : parent;
    }
    out[g->v1_1 ? 0 : BASE_DEGREE - 1] = node - 1;
}

static uint64_t feistel_encrypt(const graph_t *g, uint64_t index) {
    uint64_t left = (index >> g->half_bits) & g->right_mask, right = index & g->right_mask;
    for (int i = 0; i < 3; i++) {
        uint64_t t = left ^ (blake2b_16_first8(right, g->fkeys[i]) & g->right_mask);
        left = right;
        right = t;
    }
    return (left << g->half_bits) | right;
}

static void expander_parents(const graph_t *g, uint32_t node, uint32_t *out) {
    for (uint64_t i = 0; i < EXP_DEGREE; i++) {
        uint64_t u = feistel_encrypt(g, (uint64_t)node * EXP_DEGREE + i);
        while (u >= g->num_elements) u = feistel_encrypt(g, u);
        if (!g->v1_1) u &= 0xffffffffULL; /* V1_0_0 truncates to u32 before dividing */
        out[i] = (uint32_t)(u / EXP_DEGREE);
    }
}

static inline void store32_le(uint8_t *p, uint32_t x) {
    p[0] = (uint8_t)x;
    p[1] = (uint8_t)(x >> 8);
    p[2] = (uint8_t)(x >> 16);
    p[3] = (uint8_t)(x >> 24);
}

/* fill_parent_cache(buffer, nodes, first_node, seed28, k0, k1, k2, v1_1): entries for nodes
 * first_node .. first_node + len(buffer)/56 - 1, written into buffer (14 u32 LE each). */
static PyObject *fill_parent_cache(PyObject *self, PyObject *args) {
    Py_buffer buf, seed;
    unsigned long long nodes, first, k0, k1, k2;
    int v1_1;
    if (!PyArg_ParseTuple(args, "w*KKy*KKKp", &buf, &nodes, &first, &seed, &k0, &k1, &k2, &v1_1)) return NULL;
    PyObject *result = NULL;
    const Py_ssize_t entry = DEGREE * 4;
    if (seed.len != 28) {
        PyErr_SetString(PyExc_ValueError, "seed must be 28 bytes");
        goto done;
    }
    if (buf.len % entry != 0 || nodes < 2 || nodes > 0xffffffffULL ||
        first + (unsigned long long)(buf.len / entry) > nodes) {
        PyErr_SetString(PyExc_ValueError, "buffer does not hold whole entries of nodes inside the graph");
        goto done;
    }
    graph_t g;
    for (int i = 0; i < 7; i++) g.key[i] = load32_le((const uint8_t *)seed.buf + 4 * i);
    g.key[7] = 0;
    g.fkeys[0] = k0;
    g.fkeys[1] = k1;
    g.fkeys[2] = k2;
    g.num_elements = nodes * EXP_DEGREE;
    g.half_bits = 1;
    while ((1ULL << (2 * g.half_bits)) < g.num_elements) g.half_bits++;
    g.right_mask = (1ULL << g.half_bits) - 1;
    g.v1_1 = v1_1;
    uint8_t *out = buf.buf;
    Py_ssize_t count = buf.len / entry;
    Py_BEGIN_ALLOW_THREADS;
    for (Py_ssize_t n = 0; n < count; n++) {
        uint32_t parents[DEGREE];
        uint32_t node = (uint32_t)(first + (unsigned long long)n);
        base_parents(&g, node, parents);
        expander_parents(&g, node, parents + BASE_DEGREE);
        for (int i = 0; i < DEGREE; i++) store32_le(out + n * entry + 4 * i, parents[i]);
    }
    Py_END_ALLOW_THREADS;
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&buf);
    PyBuffer_Release(&seed);
    return result;
}

/* ---- labels (create_label / create_label_exp of storage-proofs-porep) --------------------------------- */

#define NODE 32
#define LABEL_BLOCKS 20 /* 64-byte prefix + 37 parents of 32 bytes + padding = 1280 bytes */

/* label_layer(labels, prev, cache, replica_id, layer, first, count): compute the labels of nodes
 * first..first+count-1 of `layer` into `labels` (the whole layer, nodes*32 bytes; earlier nodes must be
 * done). `prev` is the previous layer (ignored for layer 1), `cache` the parent cache (nodes*56 bytes). */
static PyObject *label_layer(PyObject *self, PyObject *args) {
    Py_buffer out, prev, cache, rid;
    unsigned int layer;
    unsigned long long first, count;
    if (!PyArg_ParseTuple(args, "w*y*y*y*IKK", &out, &prev, &cache, &rid, &layer, &first, &count)) return NULL;
    PyObject *result = NULL;
    const unsigned long long nodes = (unsigned long long)out.len / NODE;
    const char *error = NULL;
    if (out.len % NODE || nodes == 0) error = "labels buffer must hold whole 32-byte nodes";
    else if (rid.len != 32) error = "replica id must be 32 bytes";
    else if (layer < 1) error = "layers are numbered from 1";
    else if (layer > 1 && prev.len != out.len) error = "previous layer must have the size of this layer";
    else if ((unsigned long long)cache.len != nodes * DEGREE * 4) error = "parent cache size does not match the layer";
    else if (first > nodes || count > nodes - first) error = "node range outside the layer";
    if (error) {
        PyErr_SetString(PyExc_ValueError, error);
        goto done;
    }
    uint8_t *labels = out.buf;
    const uint8_t *exp = prev.buf, *entries = cache.buf;
    int bad_parent = 0;
    Py_BEGIN_ALLOW_THREADS;
    uint8_t buf[64 * LABEL_BLOCKS];
    memset(buf, 0, sizeof buf);
    memcpy(buf, rid.buf, 32);
    buf[32] = (uint8_t)(layer >> 24);
    buf[33] = (uint8_t)(layer >> 16);
    buf[34] = (uint8_t)(layer >> 8);
    buf[35] = (uint8_t)layer;
    /* SHA-256 padding of the 1248-byte message (64 + 37*32 bytes = 9984 bits = 0x2700), fixed for all nodes. */
    buf[64 + 37 * NODE] = 0x80;
    buf[64 * LABEL_BLOCKS - 2] = 0x27;
    for (unsigned long long node = first; node < first + count; node++) {
        for (int i = 0; i < 8; i++) buf[36 + i] = (uint8_t)(node >> (56 - 8 * i));
        uint32_t state[8];
        memcpy(state, FIL_SHA256_IV, sizeof state);
        if (node == 0) {
            /* No parents: the 64-byte prefix alone, then a padding block (length 512 bits). */
            uint8_t pad[64] = {0x80};
            pad[62] = 0x02;
            fil_sha256_compress(state, buf, 1);
            fil_sha256_compress(state, pad, 1);
        } else {
            const uint8_t *e = entries + node * DEGREE * 4;
            if (node + 1 < nodes) {
                /* Parents are scattered over the layers: start loading the next node's while hashing. */
                const uint8_t *next = e + DEGREE * 4;
                for (int i = 0; i < (layer == 1 ? BASE_DEGREE : DEGREE); i++) {
                    uint32_t parent = load32_le(next + 4 * i);
                    if (parent < nodes) __builtin_prefetch((i < BASE_DEGREE ? labels : exp) + (size_t)parent * NODE);
                }
            }
            const uint8_t *src[DEGREE];
            int n = layer == 1 ? BASE_DEGREE : DEGREE;
            for (int i = 0; i < n; i++) {
                uint32_t parent = load32_le(e + 4 * i);
                /* Base parents come before the node in its own layer; expander parents anywhere in prev. */
                if (i < BASE_DEGREE ? parent >= node : parent >= nodes) {
                    bad_parent = 1;
                    break;
                }
                src[i] = (i < BASE_DEGREE ? labels : exp) + (size_t)parent * NODE;
            }
            if (bad_parent) break;
            /* 37 parent labels: the n parents repeated cyclically. */
            uint8_t *dst = buf + 64;
            for (int k = 0; k < 37; k++) memcpy(dst + k * NODE, src[k % n], NODE);
            fil_sha256_compress(state, buf, LABEL_BLOCKS);
        }
        uint8_t *label = labels + node * NODE;
        for (int i = 0; i < 8; i++) {
            label[4 * i] = (uint8_t)(state[i] >> 24);
            label[4 * i + 1] = (uint8_t)(state[i] >> 16);
            label[4 * i + 2] = (uint8_t)(state[i] >> 8);
            label[4 * i + 3] = (uint8_t)state[i];
        }
        label[31] &= 0x3f; /* truncate to 254 bits so the label is a field element */
    }
    Py_END_ALLOW_THREADS;
    if (bad_parent) {
        PyErr_SetString(PyExc_ValueError, "parent cache names a parent outside the nodes already labelled");
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&out);
    PyBuffer_Release(&prev);
    PyBuffer_Release(&cache);
    PyBuffer_Release(&rid);
    return result;
}

/* ---- encoding: node-wise addition / subtraction mod r on little-endian 256-bit values ------------------ */

static const uint64_t FR_R[4] = {0xffffffff00000001ULL, 0x53bda402fffe5bfeULL, 0x3339d80809a1d805ULL,
                                 0x73eda753299d7d48ULL};

static inline void load_limbs(uint64_t x[4], const uint8_t *p) {
    for (int i = 0; i < 4; i++) {
        uint64_t v = 0;
        for (int j = 7; j >= 0; j--) v = v << 8 | p[8 * i + j];
        x[i] = v;
    }
}

static inline void store_limbs(uint8_t *p, const uint64_t x[4]) {
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++) p[8 * i + j] = (uint8_t)(x[i] >> (8 * j));
}

static inline int geq_r(const uint64_t x[4]) {
    for (int i = 3; i >= 0; i--) {
        if (x[i] != FR_R[i]) return x[i] > FR_R[i];
    }
    return 1;
}

/* x = a + s*b (s = +1 or -1) reduced mod r, for a, b < r. */
static void fr_addsub(uint64_t x[4], const uint64_t a[4], const uint64_t b[4], int subtract) {
    unsigned __int128 acc;
    if (!subtract) {
        uint64_t carry = 0;
        for (int i = 0; i < 4; i++) {
            acc = (unsigned __int128)a[i] + b[i] + carry;
            x[i] = (uint64_t)acc;
            carry = (uint64_t)(acc >> 64);
        }
        /* a + b < 2r < 2^256, so no carry out; subtract r once if needed. */
        if (geq_r(x)) {
            uint64_t borrow = 0;
            for (int i = 0; i < 4; i++) {
                acc = (unsigned __int128)x[i] - FR_R[i] - borrow;
                x[i] = (uint64_t)acc;
                borrow = (uint64_t)(acc >> 64) & 1;
            }
        }
    } else {
        uint64_t borrow = 0;
        for (int i = 0; i < 4; i++) {
            acc = (unsigned __int128)a[i] - b[i] - borrow;
            x[i] = (uint64_t)acc;
            borrow = (uint64_t)(acc >> 64) & 1;
        }
        if (borrow) {
            uint64_t carry = 0;
            for (int i = 0; i < 4; i++) {
                acc = (unsigned __int128)x[i] + FR_R[i] + carry;
                x[i] = (uint64_t)acc;
                carry = (uint64_t)(acc >> 64);
            }
        }
    }
}

/* encode_nodes(out, a, b, subtract) -> index of the first node of a or b that is not below r, or -1.
 * out[i] = a[i] + b[i] (or a[i] - b[i]) mod r, node by node; out may alias a. */
static PyObject *encode_nodes(PyObject *self, PyObject *args) {
    Py_buffer out, a, b;
    int subtract;
    if (!PyArg_ParseTuple(args, "w*y*y*p", &out, &a, &b, &subtract)) return NULL;
    PyObject *result = NULL;
    if (out.len % NODE || a.len != out.len || b.len != out.len) {
        PyErr_SetString(PyExc_ValueError, "buffers must have equal lengths, whole 32-byte nodes");
        goto done;
    }
    Py_ssize_t n = out.len / NODE, bad = -1;
    Py_BEGIN_ALLOW_THREADS;
    for (Py_ssize_t i = 0; i < n; i++) {
        uint64_t x[4], y[4], z[4];
        load_limbs(x, (const uint8_t *)a.buf + i * NODE);
        load_limbs(y, (const uint8_t *)b.buf + i * NODE);
        if (geq_r(x) || geq_r(y)) {
            bad = i;
            break;
        }
        fr_addsub(z, x, y, subtract);
        store_limbs((uint8_t *)out.buf + i * NODE, z);
    }
    Py_END_ALLOW_THREADS;
    result = PyLong_FromSsize_t(bad);
done:
    PyBuffer_Release(&out);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return result;
}

static PyObject *sha256_uses_shani(PyObject *self, PyObject *args) {
    return PyBool_FromLong(fil_sha256_uses_shani());
}

static PyMethodDef methods[] = {
    {"fill_parent_cache", fill_parent_cache, METH_VARARGS,
     "fill_parent_cache(buffer, nodes, first_node, seed28, k0, k1, k2, v1_1): write parent cache entries."},
    {"label_layer", label_layer, METH_VARARGS,
     "label_layer(labels, prev, cache, replica_id, layer, first, count): compute SDR labels of a node range."},
    {"encode_nodes", encode_nodes, METH_VARARGS,
     "encode_nodes(out, a, b, subtract): node-wise a + b (or a - b) mod r; index of a non-field node or -1."},
    {"sha256_uses_shani", sha256_uses_shani, METH_NOARGS, "Whether SHA-256 runs on SHA-NI."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_sdr_native", "SDR graph fast path.", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__sdr_native(void) { return PyModule_Create(&module); }
