/* err: the detail of a failure, kept where it arises for the caller to print.
 *
 * Functions return 0 or a negative errno (as libuv does) and fill a
 * struct err with a one-line message that names the place: a file:line:col,
 * a field path, an object's Kind/namespace/name, an HTTP status. */
#ifndef IOP_ERR_H
#define IOP_ERR_H

#include <stdarg.h>

#define ERR_MSG_MAX 2048

struct err {
  int code;              /* negative errno, 0 when no error */
  char msg[ERR_MSG_MAX]; /* one line, no trailing newline */
};

void err_clear(struct err *e);
/* Sets code and message; returns code so callers can `return err_set(...)`. */
int err_set(struct err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int err_vset(struct err *e, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* Prefixes the existing message with more context: "ctx: old message". */
int err_wrap(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
