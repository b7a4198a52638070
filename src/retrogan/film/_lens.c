/* The lens of 8-bit frames in C: optics.softness (a Gaussian blur in linear light) without a float copy of the
 * frame, and optics.chromatic_aberration. Optional, like _fastpath: built when a C compiler is present at install
 * time; film/lens8.py falls back to the torch code otherwise, and the tests compare the two with the reference
 * renderer.
 *
 * Wide blurs (sigma >= 2 px) as optics.gaussian_blur does them: a k x k box mean in linear light, a Gaussian on that
 * small picture (torch, in Python), and a bilinear expansion back, encoded to sRGB through a table:
 *   reduce(src, src_px, h, w, k, lin, small, y0, y1)       rows y0..y1 of small (ceil(h/k), ceil(w/k), 3) float32
 *   expand(small, sh, sw, out, out_px, h, w, enc, y0, y1)  rows y0..y1 of out (h, w, out_px) uint8
 * Narrow blurs, separable at full resolution, reflected at the edges (torch's F.pad "reflect"):
 *   hblur(src, src_px, h, w, lin, kernel, tmp, y0, y1)     rows y0..y1 of tmp (h, w, 3) float32
 * reduce and hblur take two optional tables after y1 for 8-bit input, applied to each source pixel before its
 * decode (a look's colour and a video frame's exposure, fused into the blur's one read of the frame):
 *   pre: uint8 (3, 256) per-channel table or None; colour: uint32[2^24] packed table (R | G << 8 | B << 16) or None
 *   vblur(tmp, h, w, kernel, out, out_px, enc, y0, y1)     rows y0..y1 of out
 * (src_px 0 / out_px 0, lin / enc None: float32 (h, w, 3) linear light in / out, for the small picture of a wide
 * blur, which optics.gaussian_blur blurs the same way again)
 * src: uint8 (h, w, src_px) with src_px 3 (RGB) or 4 (RGBX), C-contiguous; lin: float32[256], the sRGB decode;
 * enc: uint8[65536], linear light on a 2^16 grid -> 8-bit sRGB. The GIL is released in every loop, so strips run
 * in parallel threads.
 *
 * Chromatic aberration: red and blue resampled (bilinear, edges repeated) about the frame centre, green kept:
 *   aberrate(src, src_px, h, w, scale_r, scale_b, out, out_px, y0, y1)
 * where a channel at scale s reads its light from p - (p - centre) * s (optics.chromatic_aberration).
 */
#include "_buffers.h"
#include "_prefetch.h"
#include <stdint.h>
#include <string.h>

static int check_px(Py_ssize_t px) {
    if (px != 3 && px != 4) {
        PyErr_SetString(PyExc_ValueError, "pixels must be 3 (RGB) or 4 (RGBX) bytes");
        return -1;
    }
    return 0;
}

static int check_rows(Py_ssize_t y0, Py_ssize_t y1, Py_ssize_t n) {
    if (y0 < 0 || y1 < y0 || y1 > n) {
        PyErr_SetString(PyExc_ValueError, "rows out of range");
        return -1;
    }
    return 0;
}

#if defined(__GNUC__) || defined(__clang__)
/* four lanes of a 16-byte vector, for the loops below that run four values at a time */
typedef float f4 __attribute__((vector_size(16)));
typedef int32_t i4 __attribute__((vector_size(16)));
typedef uint32_t u4 __attribute__((vector_size(16)));
#endif

/* a row of w linear-light pixels (3 floats each) encoded to 8-bit sRGB, px 3 or 4 bytes a pixel out: enc at
 * round(v * 65535), 0 at or below 0 and for NaN, 65535 at or above 1; the index for a chunk of values at a time
 * (clamped without branches, four lanes at once), then the lookups */
#define ENCODE_CHUNK 192
static void encode_row(const uint8_t *e, const float *v, Py_ssize_t w, uint8_t *o, Py_ssize_t px) {
    int32_t idx[ENCODE_CHUNK];
    for (Py_ssize_t x0 = 0; x0 < w; x0 += ENCODE_CHUNK / 3) {
        Py_ssize_t n = w - x0 < ENCODE_CHUNK / 3 ? w - x0 : ENCODE_CHUNK / 3;
        const float *c = v + x0 * 3;
        Py_ssize_t i = 0;
#if defined(__GNUC__) || defined(__clang__)
        const f4 zero = {0.0f, 0.0f, 0.0f, 0.0f}, one = {1.0f, 1.0f, 1.0f, 1.0f};
        const f4 scale = {65535.0f, 65535.0f, 65535.0f, 65535.0f}, half = {0.5f, 0.5f, 0.5f, 0.5f};
        for (; i + 4 <= n * 3; i += 4) {
            f4 f;
            memcpy(&f, c + i, sizeof f);
            i4 m = f > zero;
            f = (f4)((i4)f & m);
            m = f < one;
            f = (f4)(((i4)f & m) | ((i4)one & ~m));
            i4 q = __builtin_convertvector(f * scale + half, i4);
            memcpy(idx + i, &q, sizeof q);
        }
#endif
        for (; i < n * 3; i++) {
            float f = c[i] > 0.0f ? c[i] : 0.0f;
            f = f < 1.0f ? f : 1.0f;
            idx[i] = (int32_t)(f * 65535.0f + 0.5f);
        }
        uint8_t *q = o + x0 * px;
        for (Py_ssize_t x = 0; x < n; x++, q += px) {
            q[0] = e[idx[x * 3]];
            q[1] = e[idx[x * 3 + 1]];
            q[2] = e[idx[x * 3 + 2]];
            if (px == 4) q[3] = 255;
        }
    }
}

/* The optional per-pixel tables of reduce and hblur: a per-channel table, then a packed colour table. */
typedef struct {
    const uint8_t *pre;
    const uint32_t *colour;
} Tables;

static int take_tables(PyObject *pre_o, PyObject *colour_o, Py_ssize_t px, Buf *pre, Buf *colour, Tables *t) {
    t->pre = NULL;
    t->colour = NULL;
    if ((pre_o != Py_None || colour_o != Py_None) && !px) {
        PyErr_SetString(PyExc_ValueError, "colour tables are for 8-bit input");
        return -1;
    }
    if (pre_o != Py_None) {
        if (take(pre_o, pre, 0, 3 * 256, "pre")) return -1;
        t->pre = (const uint8_t *)pre->view.buf;
    }
    if (colour_o != Py_None) {
        if (take(colour_o, colour, 0, (Py_ssize_t)(1 << 24) * 4, "colour")) return -1;
        t->colour = (const uint32_t *)colour->view.buf;
    }
    return 0;
}

static inline void fetch(const uint8_t *p, const Tables *t, uint32_t *r, uint32_t *g, uint32_t *b) {
    uint32_t pr = p[0], pg = p[1], pb = p[2];
    if (t->pre) {
        pr = t->pre[pr]; pg = t->pre[256 + pg]; pb = t->pre[512 + pb];
    }
    if (t->colour) {
        uint32_t v = t->colour[pr | (pg << 8) | (pb << 16)];
        pr = v & 255u; pg = (v >> 8) & 255u; pb = (v >> 16) & 255u;
    }
    *r = pr; *g = pg; *b = pb;
}

/* fetch's colour table entry for the pixel at p, asked for ahead of its use (p before end: the row's end) */
static inline void ahead(const uint8_t *p, const uint8_t *end, const Tables *t) {
    if (!t->colour || p >= end) return;
    uint32_t pr = p[0], pg = p[1], pb = p[2];
    if (t->pre) {
        pr = t->pre[pr]; pg = t->pre[256 + pg]; pb = t->pre[512 + pb];
    }
    PREFETCH_READ(t->colour + (pr | (pg << 8) | (pb << 16)));
}

static PyObject *reduce(PyObject *self, PyObject *args) {
    PyObject *src_o, *lin_o, *small_o, *pre_o = Py_None, *colour_o = Py_None;
    Py_ssize_t px, h, w, k, y0, y1;
    if (!PyArg_ParseTuple(args, "OnnnnOOnn|OO", &src_o, &px, &h, &w, &k, &lin_o, &small_o, &y0, &y1, &pre_o,
                          &colour_o))
        return NULL;
    if (px != 0 && check_px(px) < 0) return NULL;
    if (h <= 0 || w <= 0 || k <= 0) {
        PyErr_SetString(PyExc_ValueError, "sizes must be positive");
        return NULL;
    }
    Py_ssize_t sh = (h + k - 1) / k, sw = (w + k - 1) / k;
    if (check_rows(y0, y1, sh) < 0) return NULL;
    Buf src = {0}, lin = {0}, small = {0}, pre = {0}, colour = {0};
    Tables tabs;
    PyObject *result = NULL;
    if (take(src_o, &src, 0, h * w * (px ? px : 12), "src") || (px && take(lin_o, &lin, 0, 256 * 4, "lin")) ||
        take(small_o, &small, 1, sh * sw * 3 * 4, "small") ||
        take_tables(pre_o, colour_o, px, &pre, &colour, &tabs))
        goto done;
    {
        const uint8_t *in = (const uint8_t *)src.view.buf;
        const float *inf = (const float *)src.view.buf;
        const float *dec = px ? (const float *)lin.view.buf : NULL;
        float *out = (float *)small.view.buf;
        float *acc;
        Py_BEGIN_ALLOW_THREADS
        acc = (float *)calloc((size_t)sw * 3, sizeof(float));
        if (acc != NULL) {
            for (Py_ssize_t sy = y0; sy < y1; sy++) {
                Py_ssize_t ya = sy * k, yb = ya + k < h ? ya + k : h;
                for (Py_ssize_t i = 0; i < sw * 3; i++) acc[i] = 0.0f;
                for (Py_ssize_t y = ya; y < yb; y++) {
                    const uint8_t *row = in + y * w * px;
                    const float *rowf = inf + y * w * 3;
                    for (Py_ssize_t sx = 0; sx < sw; sx++) {
                        Py_ssize_t xa = sx * k, xb = xa + k < w ? xa + k : w;
                        float r = 0.0f, g = 0.0f, b = 0.0f;
                        if (px && (tabs.pre || tabs.colour)) {
                            for (const uint8_t *p = row + xa * px; p < row + xb * px; p += px) {
                                uint32_t cr, cg, cb;
                                ahead(p + PREFETCH * px, row + w * px, &tabs);
                                fetch(p, &tabs, &cr, &cg, &cb);
                                r += dec[cr];
                                g += dec[cg];
                                b += dec[cb];
                            }
                        } else if (px) {
                            for (const uint8_t *p = row + xa * px; p < row + xb * px; p += px) {
                                r += dec[p[0]];
                                g += dec[p[1]];
                                b += dec[p[2]];
                            }
                        } else {
                            for (const float *p = rowf + xa * 3; p < rowf + xb * 3; p += 3) {
                                r += p[0];
                                g += p[1];
                                b += p[2];
                            }
                        }
                        acc[sx * 3] += r;
                        acc[sx * 3 + 1] += g;
                        acc[sx * 3 + 2] += b;
                    }
                }
                float *o = out + sy * sw * 3;
                for (Py_ssize_t sx = 0; sx < sw; sx++) {
                    Py_ssize_t xa = sx * k, xb = xa + k < w ? xa + k : w;
                    float inv = 1.0f / (float)((yb - ya) * (xb - xa));
                    o[sx * 3] = acc[sx * 3] * inv;
                    o[sx * 3 + 1] = acc[sx * 3 + 1] * inv;
                    o[sx * 3 + 2] = acc[sx * 3 + 2] * inv;
                }
            }
            free(acc);
        }
        Py_END_ALLOW_THREADS
        result = none_unless_failed(acc == NULL);
    }
done:
    drop(&src); drop(&lin); drop(&small); drop(&pre); drop(&colour);
    return result;
}

/* torch's bilinear source index (align_corners=False, size given): i0, i1 and the weight of i1 */
static void source_index(Py_ssize_t dst, Py_ssize_t n_in, Py_ssize_t n_out, Py_ssize_t *i0, Py_ssize_t *i1, float *t) {
    float s = ((float)dst + 0.5f) * ((float)n_in / (float)n_out) - 0.5f;
    if (s < 0.0f) s = 0.0f;
    Py_ssize_t a = (Py_ssize_t)s;
    if (a > n_in - 1) a = n_in - 1;
    *i0 = a;
    *i1 = a < n_in - 1 ? a + 1 : a;
    *t = s - (float)a;
}

/* one source row of the small picture resampled across to w pixels: a0 + fx (a1 - a0) per channel */
static void across(const float *a, const Py_ssize_t *x0, const Py_ssize_t *x1, const float *tx, Py_ssize_t w,
                   float *o) {
    for (Py_ssize_t x = 0; x < w; x++) {
        const float *a0 = a + x0[x] * 3, *a1 = a + x1[x] * 3;
        float fx = tx[x];
        o[x * 3] = a0[0] + fx * (a1[0] - a0[0]);
        o[x * 3 + 1] = a0[1] + fx * (a1[1] - a0[1]);
        o[x * 3 + 2] = a0[2] + fx * (a1[2] - a0[2]);
    }
}

static PyObject *expand(PyObject *self, PyObject *args) {
    PyObject *small_o, *out_o, *enc_o;
    Py_ssize_t sh, sw, px, h, w, y0, y1;
    if (!PyArg_ParseTuple(args, "OnnOnnnOnn", &small_o, &sh, &sw, &out_o, &px, &h, &w, &enc_o, &y0, &y1)) return NULL;
    if ((px != 0 && check_px(px) < 0) || check_rows(y0, y1, h) < 0) return NULL;
    if (sh <= 0 || sw <= 0 || w <= 0) {
        PyErr_SetString(PyExc_ValueError, "sizes must be positive");
        return NULL;
    }
    Buf small = {0}, out = {0}, enc = {0};
    PyObject *result = NULL;
    if (take(small_o, &small, 0, sh * sw * 3 * 4, "small") || take(out_o, &out, 1, h * w * (px ? px : 12), "out") ||
        (px && take(enc_o, &enc, 0, 65536, "enc")))
        goto done;
    {
        const float *s = (const float *)small.view.buf;
        uint8_t *dst = (uint8_t *)out.view.buf;
        float *dstf = (float *)out.view.buf;
        const uint8_t *e = px ? (const uint8_t *)enc.view.buf : NULL;
        Py_ssize_t *x0;
        float *tx, *hz;
        int failed;
        Py_BEGIN_ALLOW_THREADS
        x0 = (Py_ssize_t *)malloc(sizeof(Py_ssize_t) * 2 * (size_t)w);
        tx = (float *)malloc(sizeof(float) * (size_t)w);
        hz = (float *)malloc(sizeof(float) * 9 * (size_t)w);  /* two source rows resampled across, and a mix */
        if (x0 != NULL && tx != NULL && hz != NULL) {
            Py_ssize_t *x1 = x0 + w;
            float *top = hz, *bottom = hz + 3 * w, *mix = hz + 6 * w;
            Py_ssize_t top_row = -1, bottom_row = -1;
            for (Py_ssize_t x = 0; x < w; x++) source_index(x, sw, w, &x0[x], &x1[x], &tx[x]);
            for (Py_ssize_t y = y0; y < y1; y++) {
                Py_ssize_t r0, r1;
                float ty;
                source_index(y, sh, h, &r0, &r1, &ty);
                /* each source row resampled across once for the 2k output rows that read it (the same sums as
                 * per output row: the horizontal step first, then the vertical) */
                if (r0 != top_row) {
                    if (r0 == bottom_row) {
                        float *swap = top; top = bottom; bottom = swap;
                        top_row = bottom_row; bottom_row = -1;
                    } else {
                        across(s + r0 * sw * 3, x0, x1, tx, w, top);
                        top_row = r0;
                    }
                }
                if (r1 != bottom_row) {
                    if (r1 == top_row) {
                        memcpy(bottom, top, sizeof(float) * 3 * (size_t)w);
                    } else {
                        across(s + r1 * sw * 3, x0, x1, tx, w, bottom);
                    }
                    bottom_row = r1;
                }
                float *v = px ? mix : dstf + y * w * 3;
                for (Py_ssize_t i = 0; i < 3 * w; i++) v[i] = top[i] + ty * (bottom[i] - top[i]);
                if (px) encode_row(e, v, w, dst + y * w * px, px);
            }
        }
        failed = x0 == NULL || tx == NULL || hz == NULL;
        free(x0);
        free(tx);
        free(hz);
        Py_END_ALLOW_THREADS
        result = none_unless_failed(failed);
    }
done:
    drop(&small); drop(&out); drop(&enc);
    return result;
}

static inline Py_ssize_t reflect(Py_ssize_t i, Py_ssize_t n) {
    if (i < 0) return -i;
    if (i >= n) return 2 * (n - 1) - i;
    return i;
}

/* one row of a horizontal Gaussian: row holds w + 2r padded pixels (3 floats each) */
static void hrow(const float *row, const float *kw, Py_ssize_t taps, Py_ssize_t w, float *o) {
    /* o[3x + c] = sum_j kw[j] row[3(x + j) + c], summed in j order: one flat loop over the row per tap, which the
     * compiler vectorises (the interleaved channels need no shuffles), each output rounded as the plain sum */
    Py_ssize_t n = w * 3;
    for (Py_ssize_t i = 0; i < n; i++) o[i] = 0.0f;
    for (Py_ssize_t j = 0; j < taps; j++) {
        const float *q = row + j * 3;
        float k = kw[j];
        for (Py_ssize_t i = 0; i < n; i++) o[i] += k * q[i];
    }
}

/* one row of a vertical Gaussian into acc (w * 3 floats) */
static void vrow(const float *t, Py_ssize_t y, Py_ssize_t h, Py_ssize_t w, const float *kw, Py_ssize_t taps,
                 float *acc) {
    Py_ssize_t r = taps / 2;
    for (Py_ssize_t i = 0; i < w * 3; i++) acc[i] = 0.0f;
    for (Py_ssize_t j = 0; j < taps; j++) {
        const float *q = t + reflect(y + j - r, h) * w * 3;
        float k = kw[j];
        for (Py_ssize_t i = 0; i < w * 3; i++) acc[i] += k * q[i];
    }
}

static int check_kernel(const Buf *kern, Py_ssize_t n) {
    Py_ssize_t taps = kern->view.len / 4;
    if (taps % 2 == 0 || taps / 2 > n - 1) {
        PyErr_SetString(PyExc_ValueError, "the kernel must have an odd length of at most 2 n - 1");
        return -1;
    }
    return 0;
}

/* hblur(src, src_px, h, w, lin, kernel, tmp, y0, y1): src_px 3 or 4 with lin float32[256] (uint8 sRGB in), or
 * src_px 0 with lin None (float32 (h, w, 3) in, linear already) */
static PyObject *hblur(PyObject *self, PyObject *args) {
    PyObject *src_o, *lin_o, *kern_o, *tmp_o, *pre_o = Py_None, *colour_o = Py_None;
    Py_ssize_t px, h, w, y0, y1;
    if (!PyArg_ParseTuple(args, "OnnnOOOnn|OO", &src_o, &px, &h, &w, &lin_o, &kern_o, &tmp_o, &y0, &y1, &pre_o,
                          &colour_o))
        return NULL;
    if ((px != 0 && check_px(px) < 0) || check_rows(y0, y1, h) < 0) return NULL;
    if (w <= 0) {
        PyErr_SetString(PyExc_ValueError, "sizes must be positive");
        return NULL;
    }
    Buf src = {0}, lin = {0}, kern = {0}, tmp = {0}, pre = {0}, colour = {0};
    Tables tabs;
    PyObject *result = NULL;
    if (take(src_o, &src, 0, h * w * (px ? px : 12), "src") || (px && take(lin_o, &lin, 0, 256 * 4, "lin")) ||
        take(kern_o, &kern, 0, 4, "kernel") || take(tmp_o, &tmp, 1, h * w * 3 * 4, "tmp") ||
        check_kernel(&kern, w) < 0 || take_tables(pre_o, colour_o, px, &pre, &colour, &tabs))
        goto done;
    {
        Py_ssize_t taps = kern.view.len / 4, r = taps / 2;
        const uint8_t *in = (const uint8_t *)src.view.buf;
        const float *inf = (const float *)src.view.buf;
        const float *dec = px ? (const float *)lin.view.buf : NULL, *kw = (const float *)kern.view.buf;
        float *t = (float *)tmp.view.buf;
        float *row;
        Py_BEGIN_ALLOW_THREADS
        row = (float *)malloc(sizeof(float) * 3 * (size_t)(w + 2 * r));
        if (row != NULL) {
            for (Py_ssize_t y = y0; y < y1; y++) {
                float *mid = row + r * 3;  /* the row's own pixels, then its reflected ends copied from them */
                if (!px) {
                    memcpy(mid, inf + y * w * 3, sizeof(float) * 3 * (size_t)w);
                } else if (tabs.pre || tabs.colour) {
                    const uint8_t *p = in + y * w * px;
                    for (Py_ssize_t x = 0; x < w; x++, p += px) {
                        uint32_t cr, cg, cb;
                        ahead(p + PREFETCH * px, in + (y + 1) * w * px, &tabs);
                        fetch(p, &tabs, &cr, &cg, &cb);
                        mid[x * 3] = dec[cr];
                        mid[x * 3 + 1] = dec[cg];
                        mid[x * 3 + 2] = dec[cb];
                    }
                } else {
                    const uint8_t *p = in + y * w * px;
                    for (Py_ssize_t x = 0; x < w; x++, p += px) {
                        mid[x * 3] = dec[p[0]];
                        mid[x * 3 + 1] = dec[p[1]];
                        mid[x * 3 + 2] = dec[p[2]];
                    }
                }
                for (Py_ssize_t x = 1; x <= r; x++) {  /* reflect(-x) = x, reflect(w - 1 + x) = w - 1 - x */
                    memcpy(mid - x * 3, mid + x * 3, sizeof(float) * 3);
                    memcpy(mid + (w - 1 + x) * 3, mid + (w - 1 - x) * 3, sizeof(float) * 3);
                }
                hrow(row, kw, taps, w, t + y * w * 3);
            }
            free(row);
        }
        Py_END_ALLOW_THREADS
        result = none_unless_failed(row == NULL);
    }
done:
    drop(&src); drop(&lin); drop(&kern); drop(&tmp); drop(&pre); drop(&colour);
    return result;
}

/* vblur(tmp, h, w, kernel, out, out_px, enc, y0, y1): out_px 3 or 4 with enc (uint8 sRGB out), or out_px 0 with
 * enc None (float32 (h, w, 3) out, linear) */
static PyObject *vblur(PyObject *self, PyObject *args) {
    PyObject *tmp_o, *kern_o, *out_o, *enc_o;
    Py_ssize_t h, w, px, y0, y1;
    if (!PyArg_ParseTuple(args, "OnnOOnOnn", &tmp_o, &h, &w, &kern_o, &out_o, &px, &enc_o, &y0, &y1)) return NULL;
    if ((px != 0 && check_px(px) < 0) || check_rows(y0, y1, h) < 0) return NULL;
    if (w <= 0) {
        PyErr_SetString(PyExc_ValueError, "sizes must be positive");
        return NULL;
    }
    Buf tmp = {0}, kern = {0}, out = {0}, enc = {0};
    PyObject *result = NULL;
    if (take(tmp_o, &tmp, 0, h * w * 3 * 4, "tmp") || take(kern_o, &kern, 0, 4, "kernel") ||
        take(out_o, &out, 1, h * w * (px ? px : 12), "out") || (px && take(enc_o, &enc, 0, 65536, "enc")) ||
        check_kernel(&kern, h) < 0)
        goto done;
    {
        Py_ssize_t taps = kern.view.len / 4;
        const float *t = (const float *)tmp.view.buf, *kw = (const float *)kern.view.buf;
        uint8_t *dst = (uint8_t *)out.view.buf;
        float *dstf = (float *)out.view.buf;
        const uint8_t *e = px ? (const uint8_t *)enc.view.buf : NULL;
        float *acc;
        Py_BEGIN_ALLOW_THREADS
        acc = (float *)malloc(sizeof(float) * 3 * (size_t)w);
        if (acc != NULL) {
            for (Py_ssize_t y = y0; y < y1; y++) {
                if (!px) {
                    vrow(t, y, h, w, kw, taps, dstf + y * w * 3);
                    continue;
                }
                vrow(t, y, h, w, kw, taps, acc);
                encode_row(e, acc, w, dst + y * w * px, px);
            }
            free(acc);
        }
        Py_END_ALLOW_THREADS
        result = none_unless_failed(acc == NULL);
    }
done:
    drop(&tmp); drop(&kern); drop(&out); drop(&enc);
    return result;
}

/* torch's grid_sample source coordinate of pixel i of n, border padding: (i + 0.5 - n / 2)(1 - s) + n / 2 - 0.5 */
static void ca_index(Py_ssize_t i, Py_ssize_t n, double s, Py_ssize_t *i0, Py_ssize_t *i1, float *t) {
    double p = ((double)i + 0.5 - (double)n / 2.0) * (1.0 - s) + (double)n / 2.0 - 0.5;
    if (p < 0.0) p = 0.0;
    if (p > (double)(n - 1)) p = (double)(n - 1);
    Py_ssize_t a = (Py_ssize_t)p;
    *i0 = a;
    *i1 = a < n - 1 ? a + 1 : a;
    *t = (float)(p - (double)a);
}

/* channel c of a source row resampled across: a[x0] + tx (a[x1] - a[x0]), as aberrate's bilinear sample does it */
static void across8(const uint8_t *a, Py_ssize_t px, int c, const Py_ssize_t *x0, const Py_ssize_t *x1,
                    const float *tx, Py_ssize_t w, float *o) {
    for (Py_ssize_t x = 0; x < w; x++) o[x] = a[x0[x] * px + c] + tx[x] * (float)(a[x1[x] * px + c] - a[x0[x] * px + c]);
}

/* whether the four pixels from x on read four consecutive source pixels and each the next one (a small scale moves
 * the source index by one a pixel, with a step of 0 or 2 only every 1 / |s| pixels): then across8 loads them */
static int consecutive4(const Py_ssize_t *x0, const Py_ssize_t *x1, Py_ssize_t x) {
    for (int i = 0; i < 4; i++)
        if (x0[x + i] != x0[x] + i || x1[x + i] != x0[x + i] + 1) return 0;
    return 1;
}

/* across8 from 4-byte pixels: runs marks the blocks of four that consecutive4 allows, read as two 16-byte loads
 * (the same float operations, so the same values) */
static void across8_rgbx(const uint8_t *a, int c, const Py_ssize_t *x0, const Py_ssize_t *x1, const float *tx,
                         const uint8_t *runs, Py_ssize_t w, float *o) {
    Py_ssize_t x = 0;
#if defined(__GNUC__) || defined(__clang__)
    for (; x + 4 <= w; x += 4) {
        if (!runs[x / 4]) {
            across8(a, 4, c, x0 + x, x1 + x, tx + x, 4, o + x);
            continue;
        }
        u4 lo, hi;
        f4 t;
        memcpy(&lo, a + x0[x] * 4, sizeof lo);
        memcpy(&hi, a + x0[x] * 4 + 4, sizeof hi);
        memcpy(&t, tx + x, sizeof t);
        i4 l = (i4)((lo >> (unsigned)(8 * c)) & 255u), u = (i4)((hi >> (unsigned)(8 * c)) & 255u);
        f4 v = __builtin_convertvector(l, f4) + t * __builtin_convertvector(u - l, f4);
        memcpy(o + x, &v, sizeof v);
    }
#endif
    across8(a, 4, c, x0 + x, x1 + x, tx + x, w - x, o + x);
}

/* one output row of aberrate into 4-byte pixels from 4-byte source pixels: red and blue mixed down from their two
 * resampled rows, green copied; four pixels at a time where vector types exist (the same float operations, so the
 * same bytes as the plain loop, which does the rest) */
static void aberrate_row4(const float *const top[2], const float *const bot[2], const float ty[2],
                          const uint8_t *g_row, uint8_t *o, Py_ssize_t w) {
    Py_ssize_t x = 0;
#if defined(__GNUC__) || defined(__clang__)
    const f4 half = {0.5f, 0.5f, 0.5f, 0.5f};
    const f4 tr = {ty[0], ty[0], ty[0], ty[0]}, tb = {ty[1], ty[1], ty[1], ty[1]};
    for (; x + 4 <= w; x += 4) {
        f4 a, b, c, d;
        u4 g;
        memcpy(&a, top[0] + x, sizeof a);
        memcpy(&b, bot[0] + x, sizeof b);
        memcpy(&c, top[1] + x, sizeof c);
        memcpy(&d, bot[1] + x, sizeof d);
        memcpy(&g, g_row + x * 4, sizeof g);
        u4 r = (u4)__builtin_convertvector(a + tr * (b - a) + half, i4);
        u4 bl = (u4)__builtin_convertvector(c + tb * (d - c) + half, i4);
        u4 word = (r & 255u) | (g & 0xFF00u) | ((bl & 255u) << 16) | 0xFF000000u;
        memcpy(o + x * 4, &word, sizeof word);
    }
#endif
    for (; x < w; x++) {
        float vr = top[0][x] + ty[0] * (bot[0][x] - top[0][x]);
        float vb = top[1][x] + ty[1] * (bot[1][x] - top[1][x]);
        o[x * 4] = (uint8_t)(vr + 0.5f);
        o[x * 4 + 1] = g_row[x * 4 + 1];
        o[x * 4 + 2] = (uint8_t)(vb + 0.5f);
        o[x * 4 + 3] = 255;
    }
}

static PyObject *aberrate(PyObject *self, PyObject *args) {
    PyObject *src_o, *out_o;
    Py_ssize_t px, h, w, opx, y0, y1;
    double sr, sb;
    if (!PyArg_ParseTuple(args, "OnnnddOnnn", &src_o, &px, &h, &w, &sr, &sb, &out_o, &opx, &y0, &y1)) return NULL;
    if (check_px(px) < 0 || check_px(opx) < 0 || check_rows(y0, y1, h) < 0) return NULL;
    if (w <= 0) {
        PyErr_SetString(PyExc_ValueError, "sizes must be positive");
        return NULL;
    }
    Buf src = {0}, out = {0};
    PyObject *result = NULL;
    if (take(src_o, &src, 0, h * w * px, "src") || take(out_o, &out, 1, h * w * opx, "out")) goto done;
    if (src.view.buf == out.view.buf) {
        PyErr_SetString(PyExc_ValueError, "out must not be src");
        goto done;
    }
    {
        const uint8_t *in = (const uint8_t *)src.view.buf;
        uint8_t *dst = (uint8_t *)out.view.buf;
        Py_ssize_t *xi;
        float *xt, *rows;
        uint8_t *runs;
        int failed;
        Py_BEGIN_ALLOW_THREADS
        xi = (Py_ssize_t *)malloc(sizeof(Py_ssize_t) * 4 * (size_t)w);
        xt = (float *)malloc(sizeof(float) * 2 * (size_t)w);
        rows = (float *)malloc(sizeof(float) * 4 * (size_t)w);  /* per channel two source rows, resampled across */
        runs = (uint8_t *)malloc(2 * (size_t)(w / 4 + 1));  /* per channel, per block of four: consecutive4 */
        failed = xi == NULL || xt == NULL || rows == NULL || runs == NULL;
        if (!failed) {
            Py_ssize_t held[4] = {-1, -1, -1, -1};  /* the source row in each of rows' four slots */
            for (Py_ssize_t x = 0; x < w; x++) {
                ca_index(x, w, sr, &xi[x], &xi[w + x], &xt[x]);
                ca_index(x, w, sb, &xi[2 * w + x], &xi[3 * w + x], &xt[w + x]);
            }
            for (int k = 0; k < 2; k++)
                for (Py_ssize_t x = 0; x + 4 <= w; x += 4)
                    runs[k * (w / 4 + 1) + x / 4] = (uint8_t)consecutive4(xi + 2 * k * w, xi + (2 * k + 1) * w, x);
            for (Py_ssize_t y = y0; y < y1; y++) {
                Py_ssize_t r0[2], r1[2];
                float ty[2];
                const float *top[2], *bot[2];
                ca_index(y, h, sr, &r0[0], &r1[0], &ty[0]);
                ca_index(y, h, sb, &r0[1], &r1[1], &ty[1]);
                for (int k = 0; k < 2; k++) /* k 0: red (channel 0), k 1: blue (channel 2) */
                    for (int e = 0; e < 2; e++) {
                        Py_ssize_t want = e ? r1[k] : r0[k];
                        int slot = held[2 * k] == want ? 0 : held[2 * k + 1] == want ? 1 : -1;
                        if (slot < 0) { /* resample the row across once: rows after it read it again */
                            slot = held[2 * k] == (e ? r0[k] : r1[k]) ? 1 : 0;  /* keep the row's other one */
                            const uint8_t *a = in + want * w * px;
                            float *o = rows + (2 * k + slot) * w;
                            if (px == 4)
                                across8_rgbx(a, 2 * k, xi + 2 * k * w, xi + (2 * k + 1) * w, xt + k * w,
                                             runs + k * (w / 4 + 1), w, o);
                            else
                                across8(a, px, 2 * k, xi + 2 * k * w, xi + (2 * k + 1) * w, xt + k * w, w, o);
                            held[2 * k + slot] = want;
                        }
                        (e ? bot : top)[k] = rows + (2 * k + slot) * w;
                    }
                const uint8_t *g_row = in + y * w * px;
                uint8_t *o = dst + y * w * opx;
                if (px == 4 && opx == 4) {
                    aberrate_row4(top, bot, ty, g_row, o, w);
                    continue;
                }
                for (Py_ssize_t x = 0; x < w; x++, o += opx) {
                    float vr = top[0][x] + ty[0] * (bot[0][x] - top[0][x]);
                    float vb = top[1][x] + ty[1] * (bot[1][x] - top[1][x]);
                    o[0] = (uint8_t)(vr + 0.5f);
                    o[1] = g_row[x * px + 1];
                    o[2] = (uint8_t)(vb + 0.5f);
                    if (opx == 4) o[3] = 255;
                }
            }
        }
        free(xi);
        free(xt);
        free(rows);
        free(runs);
        Py_END_ALLOW_THREADS
        result = none_unless_failed(failed);
    }
done:
    drop(&src); drop(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"reduce", reduce, METH_VARARGS, "Rows of the k x k box mean in linear light (see the module source)."},
    {"expand", expand, METH_VARARGS, "Rows of the bilinear expansion, encoded to 8-bit sRGB."},
    {"hblur", hblur, METH_VARARGS, "Rows of the horizontal Gaussian in linear light."},
    {"vblur", vblur, METH_VARARGS, "Rows of the vertical Gaussian, encoded to 8-bit sRGB."},
    {"aberrate", aberrate, METH_VARARGS, "Rows of lateral chromatic aberration (see the module source)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_lens", "Softness and chromatic aberration of 8-bit frames.",
                                    -1, methods};

PyMODINIT_FUNC PyInit__lens(void) { return PyModule_Create(&module); }
