/* buf: a growable byte buffer with a ceiling.
 *
 * Every buffer that grows from input has a maximum size; appending past it
 * fails with -E2BIG and leaves the buffer as it was. The data is always
 * NUL-terminated so it can be handed to C string functions. */
#ifndef IOP_BUF_H
#define IOP_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define BUF_DEFAULT_MAX ((size_t)1 << 30)

struct buf {
  char *data; /* NUL-terminated when non-NULL */
  size_t len;
  size_t cap;
  size_t max; /* 0 means BUF_DEFAULT_MAX */
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* snprintf into a fixed array, cutting what does not fit: for messages
 * that are bounded on purpose (status fields, error lines). */
int buf_snprintf(char *dst, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Gives the caller the heap string (never NULL) and resets the buffer. */
char *buf_take(struct buf *b);

#endif
