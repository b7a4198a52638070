/* A learned look's per-image colour on 8-bit frames in C: its 3D LUT (trilinear) and its local gain / offset grid
 * (bilinear over the frame), fused so that each pixel is read and written once. Optional, like _fastpath: built when
 * a C compiler is present at install time; looks/gan.py falls back to Pillow's LUT and numpy otherwise, and the
 * tests compare the two.
 *
 * lut_local(src, src_px, h, w, table, n, local, g, out, y0, y1[, table_px[, planes]])
 *   src:   uint8 (h, w, src_px), src_px 3 (RGB) or 4 (RGBX), C-contiguous
 *   table: float32 (n, n, n, table_px) indexed [b][g][r] (luts/apply.py's convention); table_px 3, or 4 (padded)
 *   planes: float32 (n, n, 256, 4) from lut_planes of the padded table, or None: each pixel then reads 4 plane
 *          values and interpolates all three channels at once (row_planes), with each channel's arithmetic the
 *          corner loop's, so the same result
 *   local: float32 (6, g, g): per channel gain then per channel offset, bilinear over the frame as torch's
 *          grid_sample (align_corners=False, border), or None
 *   out:   uint8 (h, w, 4) RGBX; rows y0..y1 are written: clip(lut(x) * (1 + gain) + offset) * 255, rounded
 * The GIL is released for the loop, so strips run in parallel threads.
 */
#include "_buffers.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define HAVE_V4 1
typedef float v4 __attribute__((vector_size(16)));
static inline v4 load4(const float *p) {
    v4 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline v4 splat(float x) {
    v4 v = {x, x, x, x};
    return v;
}
#else
#define HAVE_V4 0
#endif

/* the bilinear position of pixel i of n over a lattice of `cells` (looks/gan.py's _bilinear_weights) */
static void cell_of(Py_ssize_t i, Py_ssize_t n, Py_ssize_t cells, Py_ssize_t *c0, Py_ssize_t *c1, float *t) {
    float pos = ((float)i + 0.5f) / (float)n * (float)cells - 0.5f;
    if (pos < 0.0f) pos = 0.0f;
    if (pos > (float)(cells - 1)) pos = (float)(cells - 1);
    Py_ssize_t a = (Py_ssize_t)floorf(pos);
    if (a > cells - 1) a = cells - 1;
    *c0 = a;
    *c1 = a + 1 < cells ? a + 1 : cells - 1;
    *t = pos - (float)a;
}

static inline uint8_t to8(float v) {
    if (!(v > 0.0f)) return 0;
    if (v >= 1.0f) return 255;
    return (uint8_t)(v * 255.0f + 0.5f);
}

#if HAVE_V4
typedef int32_t vi4 __attribute__((vector_size(16)));
/* A pixel's interpolated colour v through the local grid (il: this row's grid, interleaved; NULL: none) and to8
 * on all three lanes (a clamp to [0, 1], then the same truncation of v * 255 + 0.5), stored as RGBX. */
static inline void store(v4 v, const float *il, const Py_ssize_t *xc, const float *xt, Py_ssize_t x, Py_ssize_t w,
                         uint8_t *op) {
    const v4 one = splat(1.0f), zero = splat(0.0f), s255 = splat(255.0f), half = splat(0.5f);
    if (il) {
        const float *ea = il + xc[x] * 8, *eb = il + xc[w + x] * 8;
        v4 t = splat(xt[x]), ga = load4(ea), gb = load4(eb), oa = load4(ea + 4), ob = load4(eb + 4);
        v4 gv = ga + t * (gb - ga), ov = oa + t * (ob - oa);
        v = v * (one + gv) + ov;
    }
    vi4 m = v > zero;  /* NaN -> 0, as to8 */
    v = (v4)((vi4)v & m);
    m = v < one;
    v = (v4)(((vi4)v & m) | ((vi4)one & ~m));
    vi4 q = __builtin_convertvector(v * s255 + half, vi4);
    op[0] = (uint8_t)q[0];
    op[1] = (uint8_t)q[1];
    op[2] = (uint8_t)q[2];
    op[3] = 255;
}

/* One row through the table's r-interpolated planes: planes[b][g][v] = the first lerp of the trilinear
 * interpolation (along r, at the 8-bit value v) for lattice row (b, g), made once per table by lut_planes. The
 * interpolation reads 4 of them instead of 8 corners and does 3 lerps instead of 7, on all three channels at once;
 * each value is the same float the corner loop computes, so the result is bit for bit the corner loop's. */
static void row_planes(const uint8_t *ip, Py_ssize_t px, Py_ssize_t w, const float *pl, Py_ssize_t n,
                       const int *idx, const float *frac, const float *il, const Py_ssize_t *xc, const float *xt,
                       uint8_t *op) {
    const Py_ssize_t sg = 256 * 4, sb = n * 256 * 4;
    for (Py_ssize_t x = 0; x < w; x++, ip += px, op += 4) {
        int r = ip[0], gg = ip[1], b = ip[2];
        v4 vg = splat(frac[gg]), vb = splat(frac[b]);
        const float *p = pl + idx[b] * sb + idx[gg] * sg + r * 4;
        v4 c00 = load4(p), c01 = load4(p + sg), c10 = load4(p + sb), c11 = load4(p + sb + sg);
        v4 c0 = c00 + vg * (c01 - c00), c1 = c10 + vg * (c11 - c10);
        v4 v = c0 + vb * (c1 - c0);
        store(v, il, xc, xt, x, w, op);
    }
}
#endif

static PyObject *lut_local(PyObject *self, PyObject *args) {
    PyObject *src_o, *table_o, *local_o, *out_o, *planes_o = Py_None;
    Py_ssize_t px, h, w, n, g, y0, y1, tpx = 3;
    if (!PyArg_ParseTuple(args, "OnnnOnOnOnn|nO", &src_o, &px, &h, &w, &table_o, &n, &local_o, &g, &out_o, &y0, &y1,
                          &tpx, &planes_o))
        return NULL;
    if ((px != 3 && px != 4) || (tpx != 3 && tpx != 4) || h <= 0 || w <= 0 || n < 2 || y0 < 0 || y1 < y0 ||
        y1 > h || (local_o != Py_None && g < 1)) {
        PyErr_SetString(PyExc_ValueError,
                        "bad sizes: src_px and table_px 3 or 4, n >= 2, g >= 1, 0 <= y0 <= y1 <= h");
        return NULL;
    }
    Buf src = {0}, table = {0}, local = {0}, out = {0}, planes = {0};
    PyObject *result = NULL;
    if (take(src_o, &src, 0, h * w * px, "src") || take(table_o, &table, 0, n * n * n * tpx * 4, "table") ||
        (local_o != Py_None && take(local_o, &local, 0, 6 * g * g * 4, "local")) ||
        take(out_o, &out, 1, h * w * 4, "out") ||
        (planes_o != Py_None && take(planes_o, &planes, 0, n * n * 256 * 4 * 4, "planes")))
        goto done;
    {
        const uint8_t *in = (const uint8_t *)src.view.buf;
        const float *tab = (const float *)table.view.buf;
        const float *loc = local.held ? (const float *)local.view.buf : NULL;
        const float *pl = planes.held ? (const float *)planes.view.buf : NULL;
        uint8_t *dst = (uint8_t *)out.view.buf;
        Py_ssize_t *xc = NULL;
        float *xt = NULL, *rowv = NULL;
        int failed;
        Py_BEGIN_ALLOW_THREADS
        int idx[256];
        float frac[256];
        for (int v = 0; v < 256; v++) {
            float x = (float)v / 255.0f * (float)(n - 1);
            int i = (int)x;
            if (i > n - 2) i = (int)n - 2;
            idx[v] = i;
            frac[v] = x - (float)i;
        }
        if (loc) {
            xc = (Py_ssize_t *)malloc(sizeof(Py_ssize_t) * 2 * (size_t)w);
            xt = (float *)malloc(sizeof(float) * (size_t)w);
            rowv = (float *)malloc(sizeof(float) * 14 * (size_t)g);  /* 6 x g values, then g x (gain4, offset4) */
        }
        failed = loc && (xc == NULL || xt == NULL || rowv == NULL);
        if (!failed) {
            if (loc)
                for (Py_ssize_t x = 0; x < w; x++) cell_of(x, w, g, &xc[x], &xc[w + x], &xt[x]);
            const Py_ssize_t sg = n * tpx, sb = n * n * tpx;
            for (Py_ssize_t y = y0; y < y1; y++) {
                if (loc) { /* the grid interpolated to this row: 6 x g values */
                    Py_ssize_t r0, r1;
                    float ty;
                    cell_of(y, h, g, &r0, &r1, &ty);
                    for (Py_ssize_t c = 0; c < 6; c++)
                        for (Py_ssize_t j = 0; j < g; j++) {
                            float a = loc[(c * g + r0) * g + j], b = loc[(c * g + r1) * g + j];
                            rowv[c * g + j] = a + ty * (b - a);
                        }
                }
                if (loc) { /* the same values interleaved: for cell j, 3 gains and a 0, then 3 offsets and a 0 */
                    float *il = rowv + 6 * g;
                    for (Py_ssize_t j = 0; j < g; j++)
                        for (Py_ssize_t c = 0; c < 4; c++) {
                            il[j * 8 + c] = c < 3 ? rowv[c * g + j] : 0.0f;
                            il[j * 8 + 4 + c] = c < 3 ? rowv[(3 + c) * g + j] : 0.0f;
                        }
                }
                const uint8_t *ip = in + y * w * px;
                uint8_t *op = dst + y * w * 4;
#if HAVE_V4
                if (pl) {
                    row_planes(ip, px, w, pl, n, idx, frac, loc ? rowv + 6 * g : NULL, xc, xt, op);
                    continue;
                }
#endif
                for (Py_ssize_t x = 0; x < w; x++, ip += px, op += 4) {
                    int r = ip[0], gg = ip[1], b = ip[2];
                    float fr = frac[r], fg = frac[gg], fb = frac[b];
                    const float *p = tab + idx[b] * sb + idx[gg] * sg + idx[r] * tpx;
                    float v[3];
                    for (int c = 0; c < 3; c++) {
                        float c00 = p[c] + fr * (p[tpx + c] - p[c]);
                        float c01 = p[sg + c] + fr * (p[sg + tpx + c] - p[sg + c]);
                        float c10 = p[sb + c] + fr * (p[sb + tpx + c] - p[sb + c]);
                        float c11 = p[sb + sg + c] + fr * (p[sb + sg + tpx + c] - p[sb + sg + c]);
                        float c0 = c00 + fg * (c01 - c00), c1 = c10 + fg * (c11 - c10);
                        v[c] = c0 + fb * (c1 - c0);
                    }
                    if (loc) {
                        Py_ssize_t a = xc[x], bb = xc[w + x];
                        float t = xt[x];
                        for (int c = 0; c < 3; c++) {
                            const float *gain = rowv + c * g, *off = rowv + (3 + c) * g;
                            float gv = gain[a] + t * (gain[bb] - gain[a]), ov = off[a] + t * (off[bb] - off[a]);
                            v[c] = v[c] * (1.0f + gv) + ov;
                        }
                    }
                    op[0] = to8(v[0]);
                    op[1] = to8(v[1]);
                    op[2] = to8(v[2]);
                    op[3] = 255;
                }
            }
        }
        free(xc);
        free(xt);
        free(rowv);
        Py_END_ALLOW_THREADS
        result = none_unless_failed(failed);
    }
done:
    drop(&src); drop(&table); drop(&local); drop(&out); drop(&planes);
    return result;
}

/* lut_planes(table, n, out): out float32 (n, n, 256, 4) from a padded table (n, n, n, 4): for lattice row (b, g)
 * and 8-bit red value v, the lerp along r that lut_local's corner loop makes first (same operations, same floats). */
static PyObject *lut_planes(PyObject *self, PyObject *args) {
    PyObject *table_o, *out_o;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "OnO", &table_o, &n, &out_o)) return NULL;
    if (n < 2) {
        PyErr_SetString(PyExc_ValueError, "n >= 2");
        return NULL;
    }
    Buf table = {0}, out = {0};
    PyObject *result = NULL;
    if (take(table_o, &table, 0, n * n * n * 4 * 4, "table") || take(out_o, &out, 1, n * n * 256 * 4 * 4, "out"))
        goto done;
    {
        const float *tab = (const float *)table.view.buf;
        float *o = (float *)out.view.buf;
        Py_BEGIN_ALLOW_THREADS
        for (int v = 0; v < 256; v++) {
            float x = (float)v / 255.0f * (float)(n - 1);
            int i = (int)x;
            if (i > n - 2) i = (int)n - 2;
            float f = x - (float)i;
            for (Py_ssize_t row = 0; row < n * n; row++) {
                const float *p = tab + (row * n + i) * 4;
                float *q = o + (row * 256 + v) * 4;
                for (int c = 0; c < 4; c++) q[c] = p[c] + f * (p[4 + c] - p[c]);
            }
        }
        Py_END_ALLOW_THREADS
        result = none_unless_failed(0);
    }
done:
    drop(&table); drop(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"lut_local", lut_local, METH_VARARGS, "Rows of a 3D LUT and a local gain / offset grid (see the module source)."},
    {"lut_planes", lut_planes, METH_VARARGS, "A padded table's r-interpolated planes (see the module source)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_lutpath", "A learned look's colour on 8-bit frames.", -1,
                                    methods};

PyMODINIT_FUNC PyInit__lutpath(void) { return PyModule_Create(&module); }
