/* Native fast path of filnet.piece: Fr32 padding and the CommP sha254 tree.
 *
 * The readable references are filnet/piece/fr32.py and filnet/piece/commp_ref.py; tests check that both
 * give identical results. Every hashing function releases the GIL, so CommP(workers=N) runs N subtrees
 * on N threads.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

#include "../native/sha256.h"

#define QUAD_IN 127  /* unpadded bytes per Fr32 quad */
#define QUAD_OUT 128 /* padded bytes per quad: four 32-byte field elements */

/* Quads padded and reduced per step of commp_subtree: 128 quads = 16 KiB of leaves, so a step's tree
 * levels stay in the L1 cache while they are hashed in place. */
#define STEP_QUADS 128
#define MAX_LEVELS 64

/* -- Fr32 ------------------------------------------------------------------------------------------ */

static inline uint64_t load64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v; /* x86-64 and aarch64 targets are little-endian, as Fr32's bit order is */
}

static inline void store64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* One 32-byte output chunk taken from bit offset 8*byte+shift of the quad (shift in {0, 2, 4, 6}),
 * keeping 254 bits. The last word of the last chunk reads only what is left of the 127 input bytes. */
static inline void fr32_chunk(uint8_t *out, const uint8_t *in, int byte, int shift, int last) {
    for (int w = 0; w < 4; w++) {
        const uint8_t *p = in + byte + 8 * w;
        uint64_t v;
        if (shift == 0) {
            v = load64(p);
        } else if (last && w == 3) {
            /* bytes 119..126: the word's high bits would come from a 128th byte, which is zero */
            v = load64(p) >> shift;
        } else {
            v = (load64(p) >> shift) | ((uint64_t)p[8] << (64 - shift));
        }
        store64(out + 8 * w, v);
    }
    out[31] &= 0x3f;
}

/* 127 bytes -> 128 bytes: chunk k holds bits [254k, 254k+254) of the quad read as a little-endian integer. */
static inline void fr32_pad_quad(uint8_t out[QUAD_OUT], const uint8_t in[QUAD_IN]) {
    fr32_chunk(out, in, 0, 0, 0);
    fr32_chunk(out + 32, in, 31, 6, 0);
    fr32_chunk(out + 64, in, 63, 4, 0);
    fr32_chunk(out + 96, in, 95, 2, 1);
}

/* 128 bytes -> 127 bytes, the inverse of fr32_pad_quad; returns the index (0..3) of the first chunk whose
 * top two bits are set, or -1 when the quad is valid. */
static inline int fr32_unpad_quad(uint8_t out[QUAD_IN], const uint8_t in[QUAD_OUT]) {
    for (int k = 0; k < 4; k++) {
        if (in[32 * k + 31] & 0xc0) return k;
    }
    /* Reassemble the 1016-bit integer chunk by chunk: each chunk contributes 254 bits at offset 254k. */
    memset(out, 0, QUAD_IN);
    for (int k = 0; k < 4; k++) {
        int bit = 254 * k;
        int byte = bit / 8, shift = bit % 8;
        for (int i = 0; i < 32; i++) {
            unsigned v = (unsigned)in[32 * k + i] << shift;
            if (byte + i < QUAD_IN) out[byte + i] |= (uint8_t)v;
            if (byte + i + 1 < QUAD_IN) out[byte + i + 1] |= (uint8_t)(v >> 8);
        }
    }
    return -1;
}

static PyObject *py_fr32_pad(PyObject *self, PyObject *arg) {
    Py_buffer in;
    if (PyObject_GetBuffer(arg, &in, PyBUF_SIMPLE) < 0) return NULL;
    if (in.len % QUAD_IN != 0) {
        PyBuffer_Release(&in);
        return PyErr_Format(PyExc_ValueError, "Fr32 input length %zd is not a multiple of 127", in.len);
    }
    Py_ssize_t quads = in.len / QUAD_IN;
    PyObject *out = PyBytes_FromStringAndSize(NULL, quads * QUAD_OUT);
    if (out == NULL) {
        PyBuffer_Release(&in);
        return NULL;
    }
    uint8_t *dst = (uint8_t *)PyBytes_AS_STRING(out);
    const uint8_t *src = (const uint8_t *)in.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t q = 0; q < quads; q++) fr32_pad_quad(dst + q * QUAD_OUT, src + q * QUAD_IN);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&in);
    return out;
}

/* Raises ValueError(message, offset) for a chunk with its top bits set; offset is that chunk's last byte. */
static PyObject *py_fr32_unpad(PyObject *self, PyObject *arg) {
    Py_buffer in;
    if (PyObject_GetBuffer(arg, &in, PyBUF_SIMPLE) < 0) return NULL;
    if (in.len % QUAD_OUT != 0) {
        PyBuffer_Release(&in);
        return PyErr_Format(PyExc_ValueError, "Fr32 padded length %zd is not a multiple of 128", in.len);
    }
    Py_ssize_t quads = in.len / QUAD_OUT;
    PyObject *out = PyBytes_FromStringAndSize(NULL, quads * QUAD_IN);
    if (out == NULL) {
        PyBuffer_Release(&in);
        return NULL;
    }
    uint8_t *dst = (uint8_t *)PyBytes_AS_STRING(out);
    const uint8_t *src = (const uint8_t *)in.buf;
    Py_ssize_t bad = -1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t q = 0; q < quads; q++) {
        int k = fr32_unpad_quad(dst + q * QUAD_IN, src + q * QUAD_OUT);
        if (k >= 0) {
            bad = q * QUAD_OUT + 32 * k + 31;
            break;
        }
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&in);
    if (bad >= 0) {
        Py_DECREF(out);
        PyObject *err = Py_BuildValue("(sn)", "Fr32 chunk has its top two bits set", bad);
        if (err != NULL) {
            PyErr_SetObject(PyExc_ValueError, err);
            Py_DECREF(err);
        }
        return NULL;
    }
    return out;
}

/* -- CommP subtrees -------------------------------------------------------------------------------- */

/* Reduce n (a power of two) 32-byte nodes in buf to one, level by level, in place. */
static void reduce_in_place(uint8_t *buf, size_t n) {
    for (; n > 1; n /= 2) fil_sha254_64_many(buf, buf, n / 2);
}

/* Root of the CommP subtree over quads * 127 bytes (quads a power of two). Pending nodes wait in stack,
 * one per level, as in any streaming Merkle tree: each step's root merges with the left siblings. */
static void subtree_root(uint8_t root[32], const uint8_t *src, size_t quads) {
    uint8_t buf[STEP_QUADS * QUAD_OUT];
    uint8_t stack[MAX_LEVELS][64];
    int filled[MAX_LEVELS] = {0};
    size_t step = quads < STEP_QUADS ? quads : STEP_QUADS;
    int level = 0;
    for (size_t n = 4 * step; n > 1; n /= 2) level++;

    for (size_t done = 0; done < quads; done += step) {
        for (size_t q = 0; q < step; q++) fr32_pad_quad(buf + q * QUAD_OUT, src + (done + q) * QUAD_IN);
        reduce_in_place(buf, 4 * step);
        uint8_t node[32];
        memcpy(node, buf, 32);
        int l = level;
        while (filled[l]) {
            memcpy(stack[l] + 32, node, 32);
            fil_sha254_64(node, stack[l]);
            filled[l] = 0;
            l++;
        }
        memcpy(stack[l], node, 32);
        filled[l] = 1;
    }
    for (int l = 0; l < MAX_LEVELS; l++) {
        if (filled[l]) {
            memcpy(root, stack[l], 32);
            return;
        }
    }
}

static PyObject *py_commp_subtree(PyObject *self, PyObject *arg) {
    Py_buffer in;
    if (PyObject_GetBuffer(arg, &in, PyBUF_SIMPLE) < 0) return NULL;
    size_t quads = (size_t)in.len / QUAD_IN;
    if (in.len == 0 || in.len % QUAD_IN != 0 || (quads & (quads - 1)) != 0) {
        PyBuffer_Release(&in);
        return PyErr_Format(PyExc_ValueError, "subtree input length %zd is not 127 * 2^k", in.len);
    }
    uint8_t root[32];
    Py_BEGIN_ALLOW_THREADS
    subtree_root(root, (const uint8_t *)in.buf, quads);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&in);
    return PyBytes_FromStringAndSize((const char *)root, 32);
}

static PyObject *py_sha254_pairs(PyObject *self, PyObject *arg) {
    Py_buffer in;
    if (PyObject_GetBuffer(arg, &in, PyBUF_SIMPLE) < 0) return NULL;
    if (in.len % 64 != 0) {
        PyBuffer_Release(&in);
        return PyErr_Format(PyExc_ValueError, "sha254 input length %zd is not a multiple of 64", in.len);
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, in.len / 2);
    if (out != NULL) {
        uint8_t *dst = (uint8_t *)PyBytes_AS_STRING(out);
        Py_BEGIN_ALLOW_THREADS
        fil_sha254_64_many(dst, (const uint8_t *)in.buf, (size_t)in.len / 64);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&in);
    return out;
}

static PyObject *py_sha256(PyObject *self, PyObject *arg) {
    Py_buffer in;
    if (PyObject_GetBuffer(arg, &in, PyBUF_SIMPLE) < 0) return NULL;
    uint8_t digest[32];
    Py_BEGIN_ALLOW_THREADS
    fil_sha256(digest, (const uint8_t *)in.buf, (size_t)in.len);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&in);
    return PyBytes_FromStringAndSize((const char *)digest, 32);
}

static PyObject *py_sha256_impl(PyObject *self, PyObject *unused) {
    return PyUnicode_FromString(fil_sha256_impl_name(fil_sha256_impl()));
}

static PyObject *py_select_sha256(PyObject *self, PyObject *arg) {
    static const int impls[] = {FIL_SHA256_AUTO, FIL_SHA256_PORTABLE, FIL_SHA256_AVX2, FIL_SHA256_SHANI};
    const char *name = PyUnicode_AsUTF8(arg);
    if (name == NULL) return NULL;
    for (size_t i = 0; i < sizeof impls / sizeof impls[0]; i++) {
        if (strcmp(name, fil_sha256_impl_name(impls[i])) == 0) {
            return PyUnicode_FromString(fil_sha256_impl_name(fil_sha256_select(impls[i])));
        }
    }
    return PyErr_Format(PyExc_ValueError, "unknown SHA-256 implementation %R (auto, portable, avx2, shani)", arg);
}

static PyMethodDef methods[] = {
    {"fr32_pad", py_fr32_pad, METH_O, "Fr32-pad a buffer whose length is a multiple of 127."},
    {"fr32_unpad", py_fr32_unpad, METH_O, "Undo Fr32 padding of a buffer whose length is a multiple of 128."},
    {"commp_subtree", py_commp_subtree, METH_O, "CommP root of an aligned 127 * 2^k byte subtree."},
    {"sha254_pairs", py_sha254_pairs, METH_O, "sha254 of each 64-byte group of a buffer, concatenated."},
    {"sha256", py_sha256, METH_O, "SHA-256 digest of a buffer (the shared native implementation)."},
    {"sha256_impl", py_sha256_impl, METH_NOARGS, "The SHA-256 implementation in use: portable, avx2 or shani."},
    {"select_sha256", py_select_sha256, METH_O,
     "Use a SHA-256 implementation (auto, portable, avx2, shani); returns the one in use (portable if the "
     "CPU lacks the one asked for). For tests and benchmarks: not while other threads hash."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "filnet.piece._native",
    .m_doc = "Native Fr32 and CommP (see filnet.piece).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__native(void) {
    /* Choose the SHA-256 implementation now, while only one thread can be hashing. */
    (void)fil_sha256_impl();
    return PyModule_Create(&module);
}
