/* Helpers shared by the optional C lanes (_lens.c, _lutpath.c): take a Python buffer checked for layout and size,
 * drop it (safe on one never taken), and a call's result. */
#ifndef RETROGAN_BUFFERS_H
#define RETROGAN_BUFFERS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    Py_buffer view;
    int held;
} Buf;

static int take(PyObject *obj, Buf *b, int writable, Py_ssize_t need, const char *name) {
    int flags = writable ? (PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) : PyBUF_C_CONTIGUOUS;
    if (PyObject_GetBuffer(obj, &b->view, flags) < 0) {
        PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous%s buffer", name, writable ? " writable" : "");
        return -1;
    }
    b->held = 1;
    if (b->view.len < need) {
        PyErr_Format(PyExc_ValueError, "%s is too small (%zd bytes, %zd needed)", name, b->view.len, need);
        return -1;
    }
    return 0;
}

static void drop(Buf *b) {
    if (b->held) PyBuffer_Release(&b->view);
    b->held = 0;
}

/* The end of a call that allocated scratch memory: None, or NULL with a MemoryError when an allocation failed. */
static PyObject *none_unless_failed(int failed) {
    if (failed) return PyErr_NoMemory();
    Py_RETURN_NONE;
}

#endif
