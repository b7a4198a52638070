/* The 8-bit lane's per-pixel loop in C: the same table lookups as film/fast8.py (colour, light, grain/paper),
 * fused so each pixel is read and written once. Optional: built when a C compiler is present at install time;
 * film/fast8.py falls back to numpy otherwise, and the tests check the two agree bit for bit.
 *
 * render_strip(src, src_px, y0, y1, w, out, colour, cells, offsets, light, noise[, pre])   (src may be out)
 *   src:     uint8 frame, rows of w pixels of src_px (3: RGB, 4: RGBX) bytes, C-contiguous
 *   out:     uint8 frame (H, w, 4) RGBX, C-contiguous; rows y0..y1 are written
 *   pre:     uint8 (3, 256) per-channel table applied to the source first (a video frame's exposure), or None
 *   colour:  uint32[2^24] packed table (R | G << 8 | B << 16) or None
 *   cells:   int32 (y1 - y0, w) map cell of each pixel of the strip, offsets: uint32 (cells, 4), light: uint8
 *            table; or all None
 *   noise:   sequence of (levels uint8 (P, P, 3), table uint8 [level << 8 | value], oy, ox, P): a texture
 *            periodic in P both ways, read at (y + oy, x + ox) modulo P
 * The GIL is released for the loop, so strips run in parallel threads.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include "_prefetch.h"

#define MAX_NOISE 4

typedef struct {
    const uint8_t *levels;
    const uint8_t *table;
    Py_ssize_t oy, ox, period, table_len;
} Noise;

static int get_buffer(PyObject *obj, Py_buffer *view, int writable, const char *name) {
    if (obj == Py_None) {
        view->buf = NULL;
        view->obj = NULL;
        return 0;
    }
    if (PyObject_GetBuffer(obj, view, writable ? (PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) : PyBUF_C_CONTIGUOUS) < 0) {
        PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous%s buffer", name, writable ? " writable" : "");
        return -1;
    }
    return 0;
}

static void release(Py_buffer *view) {
    if (view->obj != NULL) PyBuffer_Release(view);
}

/* A row of the finishing pass (no colour table, no exposure; light where cell is given, then one noise stage):
 * render_strip's loop for the case every grainy look's second pass takes, with the texture read in runs between
 * its wraps and each pixel stored as one word. Returns 1 on an out-of-range cell, offset or level, as that loop. */
static int finish_row(const uint8_t *ip, Py_ssize_t src_px, uint8_t *op, Py_ssize_t w, const int32_t *cell,
                      Py_ssize_t n_cells, const uint32_t *offs, const uint8_t *ltab, Py_ssize_t n_light,
                      const Noise *nz, const uint8_t *nrow, Py_ssize_t col) {
    const uint8_t *table = nz->table;
    Py_ssize_t len = nz->table_len;
    for (Py_ssize_t x = 0; x < w;) {
        Py_ssize_t run = nz->period - col < w - x ? nz->period - col : w - x, end = x + run;
        const uint8_t *lv = nrow + col * 3;
        for (; x < end; x++, ip += src_px, op += 4, lv += 3) {
            uint32_t r = ip[0], g = ip[1], b = ip[2];
            if (cell) {
                uint32_t c = (uint32_t)cell[x];
                if (c >= (uint32_t)n_cells) return 1;
                const uint32_t *o = offs + 4 * (Py_ssize_t)c;
                if (o[0] + 255 >= n_light || o[1] + 255 >= n_light || o[2] + 255 >= n_light) return 1;
                r = ltab[o[0] + r]; g = ltab[o[1] + g]; b = ltab[o[2] + b];
            }
            uint32_t ir = ((uint32_t)lv[0] << 8) | r, ig = ((uint32_t)lv[1] << 8) | g, ib = ((uint32_t)lv[2] << 8) | b;
            if ((Py_ssize_t)ir >= len || (Py_ssize_t)ig >= len || (Py_ssize_t)ib >= len) return 1;
            uint32_t word = (uint32_t)table[ir] | ((uint32_t)table[ig] << 8) | ((uint32_t)table[ib] << 16) | 0xFF000000u;
            memcpy(op, &word, 4);
        }
        col = 0;
    }
    return 0;
}

static PyObject *render_strip(PyObject *self, PyObject *args) {
    PyObject *src_o, *out_o, *colour_o, *cells_o, *offsets_o, *light_o, *noise_o, *pre_o = Py_None;
    Py_ssize_t src_px, y0, y1, w;
    if (!PyArg_ParseTuple(args, "OnnnnOOOOOO|O", &src_o, &src_px, &y0, &y1, &w, &out_o, &colour_o, &cells_o,
                          &offsets_o, &light_o, &noise_o, &pre_o))
        return NULL;
    if (src_px != 3 && src_px != 4) {
        PyErr_SetString(PyExc_ValueError, "src_px must be 3 or 4");
        return NULL;
    }
    Py_buffer src = {0}, out = {0}, colour = {0}, cells = {0}, offsets = {0}, light = {0}, pre = {0};
    Py_buffer nlev[MAX_NOISE] = {{0}}, ntab[MAX_NOISE] = {{0}};
    Noise noise[MAX_NOISE];
    Py_ssize_t n_noise = 0;
    PyObject *result = NULL;
    PyObject *seq = PySequence_Fast(noise_o, "noise must be a sequence");
    if (seq == NULL) return NULL;
    n_noise = PySequence_Fast_GET_SIZE(seq);
    if (n_noise > MAX_NOISE) {
        PyErr_SetString(PyExc_ValueError, "too many noise stages");
        n_noise = 0;
        goto done;
    }
    if (get_buffer(src_o, &src, 0, "src") || get_buffer(out_o, &out, 1, "out") ||
        get_buffer(colour_o, &colour, 0, "colour") || get_buffer(cells_o, &cells, 0, "cells") ||
        get_buffer(offsets_o, &offsets, 0, "offsets") || get_buffer(light_o, &light, 0, "light") ||
        get_buffer(pre_o, &pre, 0, "pre"))
        goto done;
    for (Py_ssize_t i = 0; i < n_noise; i++) {
        PyObject *lv, *tb;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "OOnnn", &lv, &tb, &noise[i].oy, &noise[i].ox,
                              &noise[i].period) ||
            get_buffer(lv, &nlev[i], 0, "levels") || get_buffer(tb, &ntab[i], 0, "noise table")) {
            n_noise = i + 1;
            goto done;
        }
        if (noise[i].period <= 0 || nlev[i].len < noise[i].period * noise[i].period * 3 ||
            ntab[i].len < 256) {
            PyErr_SetString(PyExc_ValueError, "noise levels or table too small");
            n_noise = i + 1;
            goto done;
        }
        if (noise[i].oy < 0 || noise[i].ox < 0) {
            PyErr_SetString(PyExc_ValueError, "noise offsets must not be negative");
            n_noise = i + 1;
            goto done;
        }
        noise[i].levels = (const uint8_t *)nlev[i].buf;
        noise[i].table = (const uint8_t *)ntab[i].buf;
        noise[i].table_len = ntab[i].len;
    }
    if (y0 < 0 || y1 < y0 || w <= 0 || src.len < y1 * w * src_px || out.len < y1 * w * 4 ||
        (colour.buf != NULL && colour.len < (Py_ssize_t)(1 << 24) * 4) || (pre.buf != NULL && pre.len < 3 * 256) ||
        (cells.buf != NULL && (cells.len < (y1 - y0) * w * 4 || offsets.buf == NULL || light.buf == NULL))) {
        PyErr_SetString(PyExc_ValueError, "buffer sizes do not match the strip");
        goto done;
    }
    {
        const uint8_t *in = (const uint8_t *)src.buf;
        uint8_t *dst = (uint8_t *)out.buf;
        const uint32_t *ctab = (const uint32_t *)colour.buf;
        const uint8_t *ptab = (const uint8_t *)pre.buf;
        const int32_t *cell = (const int32_t *)cells.buf;
        const uint32_t *offs = (const uint32_t *)offsets.buf;
        const uint8_t *ltab = (const uint8_t *)light.buf;
        Py_ssize_t n_cells = offsets.buf ? offsets.len / 16 : 0, n_light = light.len;
        int bad = 0;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t y = y0; y < y1 && !bad; y++) {
            const uint8_t *ip = in + y * w * src_px;
            uint8_t *op = dst + y * w * 4;
            const uint8_t *rows[MAX_NOISE];
            Py_ssize_t col[MAX_NOISE];
            for (Py_ssize_t i = 0; i < n_noise; i++) {
                rows[i] = noise[i].levels + ((y + noise[i].oy) % noise[i].period) * (noise[i].period * 3);
                col[i] = noise[i].ox % noise[i].period;
            }
            if (!ctab && !ptab && n_noise == 1) {
                bad = finish_row(ip, src_px, op, w, cell ? cell + (y - y0) * w : NULL, n_cells, offs, ltab, n_light,
                                 &noise[0], rows[0], col[0]);
                continue;
            }
            for (Py_ssize_t x = 0; x < w; x++, ip += src_px, op += 4) {
                if (ctab && x + PREFETCH < w) {  /* the colour table is 64 MB: ask for a later pixel's entry now */
                    const uint8_t *q = ip + PREFETCH * src_px;
                    uint32_t pr = q[0], pg = q[1], pb = q[2];
                    if (ptab) {
                        pr = ptab[pr]; pg = ptab[256 + pg]; pb = ptab[512 + pb];
                    }
                    PREFETCH_READ(ctab + (pr | (pg << 8) | (pb << 16)));
                }
                uint32_t r = ip[0], g = ip[1], b = ip[2];
                if (ptab) {
                    r = ptab[r]; g = ptab[256 + g]; b = ptab[512 + b];
                }
                if (ctab) {
                    uint32_t v = ctab[r | (g << 8) | (b << 16)];
                    r = v & 255u; g = (v >> 8) & 255u; b = (v >> 16) & 255u;
                }
                if (cell) {
                    int32_t c = cell[(y - y0) * w + x];
                    if (c < 0 || c >= n_cells) { bad = 1; break; }
                    const uint32_t *o = offs + 4 * (Py_ssize_t)c;
                    if (o[0] + 255 >= n_light || o[1] + 255 >= n_light || o[2] + 255 >= n_light) { bad = 1; break; }
                    r = ltab[o[0] + r]; g = ltab[o[1] + g]; b = ltab[o[2] + b];
                }
                for (Py_ssize_t i = 0; i < n_noise; i++) {
                    const uint8_t *lv = rows[i] + col[i] * 3;
                    if (++col[i] == noise[i].period) col[i] = 0;
                    uint32_t ir = ((uint32_t)lv[0] << 8) | r, ig = ((uint32_t)lv[1] << 8) | g,
                             ib = ((uint32_t)lv[2] << 8) | b;
                    if (ir >= noise[i].table_len || ig >= noise[i].table_len || ib >= noise[i].table_len) {
                        bad = 1;
                        break;
                    }
                    r = noise[i].table[ir]; g = noise[i].table[ig]; b = noise[i].table[ib];
                }
                if (bad) break;
                op[0] = (uint8_t)r; op[1] = (uint8_t)g; op[2] = (uint8_t)b; op[3] = 255;
            }
        }
        Py_END_ALLOW_THREADS
        if (bad) {
            PyErr_SetString(PyExc_ValueError, "a light-map cell, offset or noise level is out of range");
            goto done;
        }
    }
    result = Py_None;
    Py_INCREF(result);
done:
    for (Py_ssize_t i = 0; i < n_noise; i++) {
        release(&nlev[i]);
        release(&ntab[i]);
    }
    release(&src); release(&out); release(&colour); release(&cells); release(&offsets); release(&light);
    release(&pre);
    Py_DECREF(seq);
    return result;
}

static PyMethodDef methods[] = {
    {"render_strip", render_strip, METH_VARARGS, "Render rows y0..y1 of the 8-bit lane (see the module source)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastpath", "The 8-bit lane's fused per-pixel loop.", -1,
                                    methods};

PyMODINIT_FUNC PyInit__fastpath(void) { return PyModule_Create(&module); }
