/* err: error detail for callers to print (see err.h). */
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void err_clear(struct err *e)
{
  e->code = 0;
  e->msg[0] = '\0';
}

int err_vset(struct err *e, int code, const char *fmt, va_list ap)
{
  if (!e)
    return code ? code : -EINVAL;
  e->code = code ? code : -EINVAL;
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  return e->code;
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int rc = err_vset(e, code, fmt, ap);
  va_end(ap);
  return rc;
}

int err_wrap(struct err *e, const char *fmt, ...)
{
  if (!e)
    return -EINVAL;
  char prefix[ERR_MSG_MAX];
  char old[ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, e->msg, sizeof old);
  /* Both parts are bounded by the message size; the tail may be cut. */
  size_t n = strnlen(prefix, sizeof e->msg - 3);
  memcpy(e->msg, prefix, n);
  memcpy(e->msg + n, ": ", 2);
  n += 2;
  size_t rest = strnlen(old, sizeof e->msg - n - 1);
  memcpy(e->msg + n, old, rest);
  e->msg[n + rest] = '\0';
  if (!e->code)
    e->code = -EINVAL;
  return e->code;
}
