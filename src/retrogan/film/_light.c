/* The light maps' Gaussian blur (film/light.py's blur) in C: the same float32 products, summed in the same order
 * from 0, so the result is bit for bit numpy's sum of shifted copies. Optional, like the other C lanes: light.py
 * keeps the numpy code for installs without a C compiler, and the tests compare the two.
 *
 * correlate(src, planes, rows, cols, k, taps, axis, out)
 *   src:  float32 (planes, rows, cols), C-contiguous, already padded along `axis`
 *   k:    float32 (taps,)
 *   axis: 2 (along a row: out is (planes, rows, cols - taps + 1)) or 1 (down a column: out is
 *         (planes, rows - taps + 1, cols))
 *   out[.., j, ..] = ((0 + k[0] src[.., j, ..]) + k[1] src[.., j + 1, ..]) + ...
 *
 * cells(by, ty, bx, tx, jit, period, mw, y0, out)
 *   by, ty: int32 / float32 (rows,): each row's map cell below and its jitter threshold (fast8._axis)
 *   bx, tx: int32 / float32 (width,): the same across
 *   jit:    float32 (2, period, width): the fixed jitter, periodic in rows (fast8._jitter)
 *   out:    int32 (rows, width): (by + [jit0 >= ty]) * mw + bx + [jit1 >= tx], frame row y0 first
 *   fast8.cell_index in one pass, without its int64 temporaries.
 * The GIL is released for the loops.
 */
#include "_buffers.h"
#include <stdint.h>

static PyObject *correlate(PyObject *self, PyObject *args) {
    PyObject *src_o, *k_o, *out_o;
    Py_ssize_t planes, rows, cols, taps, axis;
    if (!PyArg_ParseTuple(args, "OnnnOnnO", &src_o, &planes, &rows, &cols, &k_o, &taps, &axis, &out_o)) return NULL;
    if (planes <= 0 || rows <= 0 || cols <= 0 || taps <= 0 || (axis != 1 && axis != 2) ||
        (axis == 2 && taps > cols) || (axis == 1 && taps > rows)) {
        PyErr_SetString(PyExc_ValueError, "bad sizes: planes, rows, cols, taps > 0, axis 1 or 2, taps <= that axis");
        return NULL;
    }
    const Py_ssize_t out_rows = axis == 1 ? rows - taps + 1 : rows, out_cols = axis == 2 ? cols - taps + 1 : cols;
    Buf src = {0}, k = {0}, out = {0};
    PyObject *result = NULL;
    if (take(src_o, &src, 0, planes * rows * cols * 4, "src") || take(k_o, &k, 0, taps * 4, "k") ||
        take(out_o, &out, 1, planes * out_rows * out_cols * 4, "out"))
        goto done;
    {
        const float *in = (const float *)src.view.buf, *kk = (const float *)k.view.buf;
        float *dst = (float *)out.view.buf;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t p = 0; p < planes; p++) {
            const float *ip = in + p * rows * cols;
            float *op = dst + p * out_rows * out_cols;
            for (Py_ssize_t j = 0; j < out_rows; j++) {
                float *o = op + j * out_cols;
                for (Py_ssize_t x = 0; x < out_cols; x++) o[x] = 0.0f;
                for (Py_ssize_t i = 0; i < taps; i++) {
                    const float w = kk[i];
                    const float *s = axis == 2 ? ip + j * cols + i : ip + (j + i) * cols;
                    for (Py_ssize_t x = 0; x < out_cols; x++) o[x] += w * s[x];
                }
            }
        }
        Py_END_ALLOW_THREADS
        result = none_unless_failed(0);
    }
done:
    drop(&src); drop(&k); drop(&out);
    return result;
}

static PyObject *cells(PyObject *self, PyObject *args) {
    PyObject *by_o, *ty_o, *bx_o, *tx_o, *jit_o, *out_o;
    Py_ssize_t period, mw, y0;
    if (!PyArg_ParseTuple(args, "OOOOOnnnO", &by_o, &ty_o, &bx_o, &tx_o, &jit_o, &period, &mw, &y0, &out_o))
        return NULL;
    Buf by = {0}, ty = {0}, bx = {0}, tx = {0}, jit = {0}, out = {0};
    PyObject *result = NULL;
    if (take(by_o, &by, 0, 4, "by") || take(ty_o, &ty, 0, by.view.len, "ty") || take(bx_o, &bx, 0, 4, "bx") ||
        take(tx_o, &tx, 0, bx.view.len, "tx"))
        goto done;
    {
        const Py_ssize_t rows = by.view.len / 4, width = bx.view.len / 4;
        if (period <= 0 || mw <= 0 || y0 < 0) {
            PyErr_SetString(PyExc_ValueError, "period and mw must be positive, y0 >= 0");
            goto done;
        }
        if (take(jit_o, &jit, 0, 2 * period * width * 4, "jit") || take(out_o, &out, 1, rows * width * 4, "out"))
            goto done;
        const int32_t *byp = (const int32_t *)by.view.buf, *bxp = (const int32_t *)bx.view.buf;
        const float *typ = (const float *)ty.view.buf, *txp = (const float *)tx.view.buf;
        const float *j0 = (const float *)jit.view.buf, *j1 = j0 + period * width;
        int32_t *o = (int32_t *)out.view.buf;
        const int32_t m = (int32_t)mw;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < rows; i++) {
            const Py_ssize_t jr = ((y0 + i) % period) * width;
            const float t = typ[i];
            const int32_t base = byp[i] * m;
            int32_t *row = o + i * width;
            for (Py_ssize_t x = 0; x < width; x++)
                row[x] = base + (j0[jr + x] >= t ? m : 0) + bxp[x] + (j1[jr + x] >= txp[x] ? 1 : 0);
        }
        Py_END_ALLOW_THREADS
        result = none_unless_failed(0);
    }
done:
    drop(&by); drop(&ty); drop(&bx); drop(&tx); drop(&jit); drop(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"correlate", correlate, METH_VARARGS, "A float32 correlation along one axis (see the module source)."},
    {"cells", cells, METH_VARARGS, "The light maps' jittered cell index of frame rows (see the module source)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_light", "The light maps' blur in C.", -1, methods};

PyMODINIT_FUNC PyInit__light(void) { return PyModule_Create(&module); }
