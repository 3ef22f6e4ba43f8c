/* base64: the standard alphabet with padding, as Go's
 * base64.StdEncoding reads and writes it (\r and \n are skipped on input). */
#ifndef IOP_BASE64_H
#define IOP_BASE64_H

#include <stddef.h>

/* Decodes into a new NUL-terminated buffer; -EINVAL on bad input. */
int base64_decode(const char *in, size_t n, char **out, size_t *out_len);
/* Encodes into a new NUL-terminated string; NULL when out of memory. */
char *base64_encode(const void *in, size_t n);

#endif
