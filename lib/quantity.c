/* quantity: parsing and canonical printing of resource quantities.
 *
 * A quantity is a signed decimal number times a suffix: binary (Ki..Ei),
 * decimal SI (n u m k M G T P E) or a decimal exponent (e3, E-6). The value
 * is kept exactly as decimal digits and a power of ten. The canonical form
 * keeps the suffix family, loses no precision, prints no fraction and uses
 * the largest suffix that allows that; below 1n it rounds up to 1n. */
#include "quantity.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum family { DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT };

struct decimal {
  char digits[64]; /* no leading or trailing zeros; "" for zero */
  int exp;         /* value = digits * 10^exp */
  int neg;
};

static const struct {
  const char *s;
  int exp10;
  int exp2;
} suffixes[] = {{"Ki", 0, 10}, {"Mi", 0, 20}, {"Gi", 0, 30}, {"Ti", 0, 40},
                {"Pi", 0, 50}, {"Ei", 0, 60}, {"n", -9, 0},  {"u", -6, 0},
                {"m", -3, 0},  {"k", 3, 0},   {"M", 6, 0},   {"G", 9, 0},
                {"T", 12, 0},  {"P", 15, 0},  {"E", 18, 0}};

static void normalize(struct decimal *d)
{
  size_t n = strlen(d->digits), lead = 0;
  while (lead < n && d->digits[lead] == '0')
    lead++;
  memmove(d->digits, d->digits + lead, n - lead + 1);
  n -= lead;
  while (n && d->digits[n - 1] == '0') {
    d->digits[--n] = '\0';
    d->exp++;
  }
  if (!n)
    d->exp = 0, d->neg = 0;
}

/* Multiplies by 2^k exactly (digit-string arithmetic). */
static int times_two(struct decimal *d, int k)
{
  for (int i = 0; i < k; i++) {
    char out[64];
    size_t n = strlen(d->digits);
    int carry = 0;
    if (n + 2 >= sizeof out)
      return -E2BIG;
    out[n + 1] = '\0';
    for (size_t j = n; j-- > 0;) {
      int v = (d->digits[j] - '0') * 2 + carry;
      out[j + 1] = (char)('0' + v % 10);
      carry = v / 10;
    }
    out[0] = (char)('0' + carry);
    memcpy(d->digits, out, n + 2);
    normalize(d);
  }
  return 0;
}

static int parse_number(const char **p, struct decimal *d)
{
  const char *s = *p;
  size_t k = 0;
  int seen = 0, frac = 0, point = 0;
  d->neg = *s == '-';
  if (*s == '+' || *s == '-')
    s++;
  for (; isdigit((unsigned char)*s) || (*s == '.' && !point); s++) {
    if (*s == '.') {
      point = 1;
      continue;
    }
    seen = 1;
    if (k + 1 >= sizeof d->digits)
      return -E2BIG;
    d->digits[k++] = *s;
    frac += point;
  }
  d->digits[k] = '\0';
  d->exp = -frac;
  *p = s;
  return seen ? 0 : -EINVAL;
}

static int parse_suffix(const char *s, struct decimal *d, enum family *f)
{
  if (!*s) {
    *f = DECIMAL_SI;
    return 0;
  }
  if (*s == 'e' || *s == 'E') {
    char *end;
    long e = strtol(s + 1, &end, 10);
    if (end == s + 1 || *end || e > 1000 || e < -1000)
      return -EINVAL;
    d->exp += (int)e;
    *f = DECIMAL_EXPONENT;
    return 0;
  }
  for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
    if (strcmp(s, suffixes[i].s) == 0) {
      d->exp += suffixes[i].exp10;
      *f = suffixes[i].exp2 ? BINARY_SI : DECIMAL_SI;
      return suffixes[i].exp2 ? times_two(d, suffixes[i].exp2) : 0;
    }
  }
  return -EINVAL;
}

/* Rounds up to a multiple of 10^-9, as Kubernetes does. */
static void round_up_to_nano(struct decimal *d)
{
  if (!d->digits[0] || d->exp >= -9)
    return;
  int drop = -9 - d->exp;
  size_t n = strlen(d->digits);
  if ((size_t)drop >= n) {
    snprintf(d->digits, sizeof d->digits, "1");
  } else {
    d->digits[n - (size_t)drop] = '\0';
    /* Add one to what remains (it was cut, so round away from zero). */
    for (size_t j = n - (size_t)drop; j-- > 0;) {
      if (d->digits[j] < '9') {
        d->digits[j]++;
        break;
      }
      d->digits[j] = '0';
      if (j == 0) {
        memmove(d->digits + 1, d->digits, strlen(d->digits) + 1);
        d->digits[0] = '1';
      }
    }
  }
  d->exp = -9;
  normalize(d);
}

/* digits followed by `shift` zeros and the suffix. */
static int emit(char *out, size_t n, const struct decimal *d, int shift,
                const char *suffix)
{
  size_t k = 0, dl = strlen(d->digits), sl = strlen(suffix);
  if ((size_t)d->neg + dl + (size_t)shift + sl + 1 > n)
    return -E2BIG;
  if (d->neg)
    out[k++] = '-';
  memcpy(out + k, d->digits, dl);
  k += dl;
  for (int i = 0; i < shift; i++)
    out[k++] = '0';
  memcpy(out + k, suffix, sl + 1);
  return 0;
}

static int decimal_out(const struct decimal *d, enum family f, char *out,
                       size_t n)
{
  static const char *const si[] = {"n", "u", "m", "",  "k",
                                   "M", "G", "T", "P", "E"};
  if (!d->digits[0])
    return snprintf(out, n, "0") >= (int)n ? -E2BIG : 0;
  int e = d->exp >= 0 ? d->exp / 3 * 3 : -((-d->exp + 2) / 3 * 3);
  if (e > 18)
    e = 18;
  if (e < -9)
    e = -9;
  if (f == DECIMAL_EXPONENT) {
    char suffix[16] = "";
    if (e)
      snprintf(suffix, sizeof suffix, "e%d", e);
    return emit(out, n, d, d->exp - e, suffix);
  }
  return emit(out, n, d, d->exp - e, si[(e + 9) / 3]);
}

/* The integer value of d when it has no fraction and fits 64 bits. */
static int as_integer(const struct decimal *d, uint64_t *v)
{
  if (d->exp < 0 || strlen(d->digits) + (size_t)d->exp > 19)
    return 0;
  *v = 0;
  for (const char *p = d->digits; *p; p++)
    *v = *v * 10 + (uint64_t)(*p - '0');
  for (int i = 0; i < d->exp; i++)
    *v *= 10;
  return 1;
}

static int binary_out(const struct decimal *d, char *out, size_t n)
{
  static const char *const bin[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  uint64_t v;
  if (!d->digits[0] || !as_integer(d, &v))
    return decimal_out(d, DECIMAL_SI, out, n);
  int k = 0;
  while (k < 6 && v >= 1024 && v % 1024 == 0) {
    v /= 1024;
    k++;
  }
  int w = snprintf(out, n, "%s%llu%s", d->neg ? "-" : "", (unsigned long long)v,
                   bin[k]);
  return w < 0 || (size_t)w >= n ? -E2BIG : 0;
}

int quantity_canonical(const char *s, char *out, size_t n)
{
  struct decimal d;
  enum family f;
  const char *p = s;
  while (*p == ' ')
    p++;
  int rc = parse_number(&p, &d);
  if (!rc)
    rc = parse_suffix(p, &d, &f);
  if (rc)
    return rc == -E2BIG ? -E2BIG : -EINVAL;
  normalize(&d);
  round_up_to_nano(&d);
  return f == BINARY_SI ? binary_out(&d, out, n) : decimal_out(&d, f, out, n);
}
