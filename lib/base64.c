/* base64: standard encoding (see base64.h). */
#include "base64.h"

#include <errno.h>
#include <stdlib.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int value_of(unsigned char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

int base64_decode(const char *in, size_t n, char **out, size_t *out_len)
{
  unsigned char *dec = malloc(n / 4 * 3 + 4);
  if (!dec)
    return -ENOMEM;
  size_t k = 0, quad = 0, pad = 0;
  unsigned acc = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)in[i];
    if (c == '\r' || c == '\n')
      continue;
    int v = c == '=' ? -2 : value_of(c);
    if (v == -1 || (v >= 0 && pad)) {
      free(dec);
      return -EINVAL;
    }
    if (v == -2) {
      pad++;
      continue;
    }
    acc = acc << 6 | (unsigned)v;
    if (++quad == 4) {
      dec[k++] = (unsigned char)(acc >> 16);
      dec[k++] = (unsigned char)(acc >> 8);
      dec[k++] = (unsigned char)acc;
      quad = acc = 0;
    }
  }
  /* Padding must complete the last quantum exactly. */
  if (quad == 1 || (quad && quad + pad != 4) || (!quad && pad)) {
    free(dec);
    return -EINVAL;
  }
  if (quad >= 2)
    dec[k++] = (unsigned char)(acc >> (quad == 2 ? 4 : 10));
  if (quad == 3)
    dec[k++] = (unsigned char)(acc >> 2);
  dec[k] = '\0';
  *out = (char *)dec;
  *out_len = k;
  return 0;
}

char *base64_encode(const void *in, size_t n)
{
  const unsigned char *s = in;
  char *out = malloc((n + 2) / 3 * 4 + 1);
  if (!out)
    return NULL;
  size_t k = 0, i = 0;
  for (; i + 2 < n; i += 3) {
    unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
    out[k++] = alphabet[v >> 18];
    out[k++] = alphabet[(v >> 12) & 63];
    out[k++] = alphabet[(v >> 6) & 63];
    out[k++] = alphabet[v & 63];
  }
  if (i < n) {
    unsigned v =
        (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0);
    out[k++] = alphabet[v >> 18];
    out[k++] = alphabet[(v >> 12) & 63];
    out[k++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
    out[k++] = '=';
  }
  out[k] = '\0';
  return out;
}
