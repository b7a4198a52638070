/* Dust, hairs, scratches, cracks and creases composited into an 8-bit frame in C: the same coverage and the same
 * float32 arithmetic as film/fast8.py's draw_marks (which stays as the fallback where no C compiler was present at
 * install time; the tests compare the two bit for bit).
 *
 * composite(frame, px, h, w, box, pieces, short)
 *   frame:  uint8 (h, w, px), px 3 (RGB) or 4 (RGBX), C-contiguous; changed in place inside box
 *   box:    int32 (4,): y0, y1, x0, x1, a box no other call of the same frame touches (threads may run boxes at once)
 *   pieces: float32 (n, 13): sy0, sy1, sx0, sx1 (a piece's pixel box inside `box`); au, av (its start in frame
 *           units, u across and v down, short side = 1), du, dv (its direction), len2 (du^2 + dv^2, at least
 *           1e-12; du, dv and len2 rounded from double precision as draw_marks does); radius, opacity; light (1: the
 *           mark lightens, 0: it darkens); speck (1: a point at (au, av), no segment)
 *   short:  the frame's short side in pixels (frame units -> pixels)
 * A pixel's darkening is the largest coverage of the dark pieces over it, its lightening that of the light ones:
 *   y = x (1 - dark);  y += light (1 - y);  out = (uint8)(clip(y, 0, 1) * 255 + 0.5)
 * and a pixel no piece covers is left as it is. The GIL is released for the loop.
 */
#include "_buffers.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FIELDS 13

static float clip01(float v) { return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v); }

static PyObject *composite(PyObject *self, PyObject *args) {
    PyObject *frame_o, *box_o, *pieces_o;
    Py_ssize_t px, h, w;
    double short_side;
    if (!PyArg_ParseTuple(args, "OnnnOOd", &frame_o, &px, &h, &w, &box_o, &pieces_o, &short_side)) return NULL;
    if ((px != 3 && px != 4) || h <= 0 || w <= 0 || !(short_side > 0.0)) {
        PyErr_SetString(PyExc_ValueError, "bad sizes: px 3 or 4, h and w and short > 0");
        return NULL;
    }
    Buf frame = {0}, box = {0}, pieces = {0};
    PyObject *result = NULL;
    if (take(frame_o, &frame, 1, h * w * px, "frame") || take(box_o, &box, 0, 4 * 4, "box") ||
        take(pieces_o, &pieces, 0, 0, "pieces"))
        goto done;
    {
        const int32_t *b = (const int32_t *)box.view.buf;
        const Py_ssize_t y0 = b[0], y1 = b[1], x0 = b[2], x1 = b[3];
        const Py_ssize_t n = pieces.view.len / (FIELDS * 4);
        const float *pc = (const float *)pieces.view.buf;
        if (y0 < 0 || y1 > h || y0 >= y1 || x0 < 0 || x1 > w || x0 >= x1) {
            PyErr_SetString(PyExc_ValueError, "the box must lie inside the frame");
            goto done;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            const float *q = pc + i * FIELDS;
            if (!(q[0] >= (float)y0 && q[1] <= (float)y1 && q[2] >= (float)x0 && q[3] <= (float)x1)) {
                PyErr_SetString(PyExc_ValueError, "a piece lies outside its box");
                goto done;
            }
        }
        const Py_ssize_t bh = y1 - y0, bw = x1 - x0;
        uint8_t *dst = (uint8_t *)frame.view.buf;
        const float s = (float)short_side, pxu = 1.0f / s;
        float *dark = NULL, *light = NULL, *pu = NULL;
        int failed;
        Py_BEGIN_ALLOW_THREADS
        dark = (float *)calloc((size_t)(bh * bw), sizeof(float));
        light = (float *)calloc((size_t)(bh * bw), sizeof(float));
        pu = (float *)malloc(sizeof(float) * (size_t)bw);
        failed = dark == NULL || light == NULL || pu == NULL;
        if (!failed) {
            for (Py_ssize_t x = 0; x < bw; x++) pu[x] = ((float)(x0 + x) + 0.5f) / s;
            for (Py_ssize_t i = 0; i < n; i++) {
                const float *q = pc + i * FIELDS;
                const Py_ssize_t sy0 = (Py_ssize_t)q[0], sy1 = (Py_ssize_t)q[1];
                const Py_ssize_t sx0 = (Py_ssize_t)q[2], sx1 = (Py_ssize_t)q[3];
                const float au = q[4], av = q[5], du = q[6], dv = q[7], len2 = q[8];
                const float radius = q[9], opacity = q[10];
                float *target = q[11] != 0.0f ? light : dark;
                const int speck = q[12] != 0.0f;
                for (Py_ssize_t y = sy0; y < sy1; y++) {
                    const float v = ((float)y + 0.5f) / s;
                    float *row = target + (y - y0) * bw;
                    for (Py_ssize_t x = sx0; x < sx1; x++) {
                        const float u = pu[x - x0];
                        float d;
                        if (speck) {
                            d = hypotf(u - au, v - av);
                        } else {
                            float t = ((u - au) * du + (v - av) * dv) / len2;
                            t = clip01(t);
                            d = hypotf(u - (au + t * du), v - (av + t * dv));
                        }
                        const float cover = opacity * clip01((radius + pxu / 2.0f - d) / pxu);
                        if (cover > row[x - x0]) row[x - x0] = cover;
                    }
                }
            }
            for (Py_ssize_t y = 0; y < bh; y++) {
                uint8_t *op = dst + ((y0 + y) * w + x0) * px;
                const float *dr = dark + y * bw, *lr = light + y * bw;
                for (Py_ssize_t x = 0; x < bw; x++, op += px) {
                    const float k = dr[x], l = lr[x];
                    if (!(k > 0.0f) && !(l > 0.0f)) continue;
                    for (int c = 0; c < 3; c++) {
                        float v = (float)op[c] / 255.0f;
                        v = v * (1.0f - k);
                        v += l * (1.0f - v);
                        op[c] = (uint8_t)(clip01(v) * 255.0f + 0.5f);
                    }
                }
            }
        }
        free(dark);
        free(light);
        free(pu);
        Py_END_ALLOW_THREADS
        result = none_unless_failed(failed);
    }
done:
    drop(&frame); drop(&box); drop(&pieces);
    return result;
}

static PyMethodDef methods[] = {
    {"composite", composite, METH_VARARGS, "Composite marks into a box of an 8-bit frame (see the module source)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_marks", "Film damage composited in C.", -1, methods};

PyMODINIT_FUNC PyInit__marks(void) { return PyModule_Create(&module); }
