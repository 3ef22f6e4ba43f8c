/* buf: growable byte buffer with a ceiling (see buf.h). */
#include "buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->max = max ? max : BUF_DEFAULT_MAX;
}

void buf_free(struct buf *b)
{
  free(b->data);
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
}

void buf_reset(struct buf *b)
{
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
}

int buf_reserve(struct buf *b, size_t extra)
{
  size_t max = b->max ? b->max : BUF_DEFAULT_MAX;
  if (extra > max || b->len > max - extra)
    return -E2BIG;
  size_t need = b->len + extra + 1;
  if (need <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need)
    cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  if (max < SIZE_MAX && cap > max + 1) /* hold no more than the ceiling */
    cap = max + 1;
  char *p = realloc(b->data, cap);
  if (!p)
    return -ENOMEM;
  b->data = p;
  b->cap = cap;
  return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
  int rc = buf_reserve(b, n);
  if (rc)
    return rc;
  if (n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int buf_puts(struct buf *b, const char *s)
{
  return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
  return buf_append(b, &c, 1);
}

/* Formats into the spare capacity first: measuring with vsnprintf(NULL, 0)
 * runs glibc's slow overflow path over the whole output, which dominated
 * rendering a chart of large CRDs. Only output that does not fit is
 * formatted a second time, into room reserved for its measured size. */
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
  /* No spare room when a ceiling is this close: measure instead. */
  size_t room = buf_reserve(b, 128) == 0 ? b->cap - b->len : 0;
  va_list copy;
  va_copy(copy, ap);
  int n = room ? vsnprintf(b->data + b->len, room, fmt, copy)
               : vsnprintf(NULL, 0, fmt, copy);
  va_end(copy);
  if (n < 0 || (size_t)n >= room) {
    if (room) /* drop the part that did fit */
      b->data[b->len] = 0;
    if (n < 0)
      return -EINVAL;
    int rc = buf_reserve(b, (size_t)n);
    if (rc)
      return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  }
  b->len += (size_t)n;
  return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int rc = buf_vprintf(b, fmt, ap);
  va_end(ap);
  return rc;
}

char *buf_take(struct buf *b)
{
  char *s = b->data;
  if (!s)
    s = calloc(1, 1);
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  return s;
}

int buf_snprintf(char *dst, size_t n, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int rc = vsnprintf(dst, n, fmt, ap);
  va_end(ap);
  return rc;
}
