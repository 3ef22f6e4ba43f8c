/* gonum: Go strconv number syntax and formatting (see gonum.h).
 *
 * Parsing follows strconv's grammar exactly and lets the C library do the
 * correctly rounded conversion. Formatting works on decimal digits: the
 * shortest digits that read back as the same value (Go's choice, the
 * closest such string), or the digits rounded to a precision, then lays
 * them out as Go's fmtE/fmtF/%g do. Both rely on the "C" numeric locale,
 * which is the default as long as nobody calls setlocale(). */
#include "gonum.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- integers (strconv.ParseUint / ParseInt) ---- */

static int lower(char c)
{
  return tolower((unsigned char)c);
}

static int digit_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (lower(c) >= 'a' && lower(c) <= 'z')
    return lower(c) - 'a' + 10;
  return 99;
}

/* Go's underscoreOK: underscores only between digits or after a base
 * prefix, never leading, trailing or doubled. */
static int underscores_ok(const char *s, size_t n)
{
  char saw = '^'; /* ^ start, 0 digit or prefix, _ underscore, ! other */
  size_t i = 0;
  int hex = 0;
  if (n >= 1 && (s[0] == '+' || s[0] == '-'))
    s++, n--;
  if (n >= 2 && s[0] == '0' && s[1] && strchr("box", lower(s[1]))) {
    hex = lower(s[1]) == 'x';
    i = 2;
    saw = '0';
  }
  for (; i < n; i++) {
    char c = s[i];
    if (isdigit((unsigned char)c) || (hex && isxdigit((unsigned char)c))) {
      saw = '0';
    } else if (c == '_') {
      if (saw != '0')
        return 0;
      saw = '_';
    } else {
      if (saw == '_')
        return 0;
      saw = '!';
    }
  }
  return saw != '_';
}

/* Base 0 reads a prefix: 0b 0o 0x (with at least one more character), or
 * a leading 0 for octal. Advances *p past it. */
static int detect_base(const char **p, size_t n)
{
  const char *s = *p;
  if (n == 0 || s[0] != '0')
    return 10;
  char c = n >= 3 ? (char)lower(s[1]) : 0;
  *p = s + (c == 'b' || c == 'o' || c == 'x' ? 2 : 1);
  return c == 'b' ? 2 : c == 'o' ? 8 : c == 'x' ? 16 : 8;
}

int gonum_parse_uint(const char *s, size_t n, int base, uint64_t *out)
{
  const char *p = s, *end = s + n;
  int base0 = base == 0, underscores = 0;
  *out = 0;
  if (n == 0)
    return -EINVAL;
  if (base0)
    base = detect_base(&p, n);
  if (base < 2 || base > 36)
    return -EINVAL;
  uint64_t v = 0;
  for (; p < end; p++) {
    if (*p == '_' && base0) {
      underscores = 1;
      continue;
    }
    int d = digit_value(*p);
    if (d >= base)
      return -EINVAL;
    /* Like Go, overflow is reported at once, before later bad syntax. */
    if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) {
      *out = UINT64_MAX;
      return -ERANGE;
    }
    v = v * (uint64_t)base + (uint64_t)d;
  }
  if (underscores && !underscores_ok(s, n))
    return -EINVAL;
  *out = v;
  return 0;
}

int gonum_parse_int(const char *s, size_t n, int base, int64_t *out)
{
  int neg = 0;
  *out = 0;
  if (n && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s++;
    n--;
  }
  uint64_t u;
  int rc = gonum_parse_uint(s, n, base, &u);
  if (rc == -EINVAL)
    return rc;
  uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  if (rc == -ERANGE || u > limit) {
    *out = neg ? INT64_MIN : INT64_MAX;
    return -ERANGE;
  }
  *out = neg ? (int64_t)(0 - u) : (int64_t)u;
  return 0;
}

/* ---- floats (strconv.ParseFloat) ---- */

/* "inf", "infinity" (any case, optional sign) and "nan" (no sign). */
static int special_float(const char *s, size_t n, double *out)
{
  int neg = 0;
  size_t i = 0;
  if (n && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    i = 1;
  }
  const char *r = s + i;
  size_t m = n - i;
  if ((m == 3 && strncasecmp(r, "inf", 3) == 0) ||
      (m == 8 && strncasecmp(r, "infinity", 8) == 0)) {
    *out = neg ? -INFINITY : INFINITY;
    return 1;
  }
  if (m == 3 && i == 0 && strncasecmp(r, "nan", 3) == 0) {
    *out = NAN;
    return 1;
  }
  return 0;
}

/* Skips the mantissa digits (and one point) at *i; returns how many. */
static int skip_mantissa(const char *s, size_t n, size_t *i, int hex,
                         int *underscore)
{
  int digits = 0, point = 0;
  for (; *i < n; (*i)++) {
    char c = s[*i];
    if (c == '_')
      *underscore = 1;
    else if (c == '.' && !point)
      point = 1;
    else if (isdigit((unsigned char)c) || (hex && isxdigit((unsigned char)c)))
      digits++;
    else
      break;
  }
  return digits;
}

/* Go's readFloat grammar: a decimal mantissa with an optional e exponent,
 * or 0x, a hex mantissa and a mandatory p exponent; underscores where
 * underscoreOK allows them. The whole text must be used. */
static int float_syntax_ok(const char *s, size_t n)
{
  size_t i = (n && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  int hex = i + 2 < n && s[i] == '0' && lower(s[i + 1]) == 'x';
  int underscore = 0;
  if (hex)
    i += 2;
  if (!skip_mantissa(s, n, &i, hex, &underscore))
    return 0;
  if (i < n && lower(s[i]) == (hex ? 'p' : 'e')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-'))
      i++;
    if (i >= n || !isdigit((unsigned char)s[i]))
      return 0;
    while (i < n && (isdigit((unsigned char)s[i]) || s[i] == '_'))
      underscore |= s[i++] == '_';
  } else if (hex) {
    return 0;
  }
  return i == n && (!underscore || underscores_ok(s, n));
}

int gonum_parse_float(const char *s, size_t n, double *out)
{
  *out = 0;
  if (special_float(s, n, out))
    return 0;
  if (n == 0 || !float_syntax_ok(s, n))
    return -EINVAL;
  char stack[128];
  char *tmp = n < sizeof stack ? stack : malloc(n + 1);
  if (!tmp)
    return -ENOMEM;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] != '_')
      tmp[k++] = s[i];
  tmp[k] = '\0';
  char *end;
  double v = strtod(tmp, &end);
  int rc = *end == '\0' ? 0 : -EINVAL;
  if (tmp != stack)
    free(tmp);
  if (rc)
    return rc;
  *out = v;
  return isinf(v) ? -ERANGE : 0;
}

/* ---- decimal digits ---- */

/* |v| = 0.d[0]d[1]...d[nd-1] x 10^dp, without trailing zeros (nd == 0 for
 * zero), as Go's decimal type holds it. */
struct digits {
  char *d;
  int nd;
  int dp;
  char small[32];
};

static void digits_free(struct digits *dg)
{
  if (dg->d != dg->small)
    free(dg->d);
}

/* Reads printf's "d.ddde+xx" into dg, keeping every digit. */
static int digits_from_e(const char *e, struct digits *dg)
{
  size_t len = strlen(e);
  dg->d = len < sizeof dg->small ? dg->small : malloc(len + 1);
  if (!dg->d)
    return -ENOMEM;
  dg->nd = 0;
  const char *p = e;
  for (; *p && *p != 'e'; p++)
    if (isdigit((unsigned char)*p))
      dg->d[dg->nd++] = *p;
  dg->dp = atoi(p + 1) + 1;
  return 0;
}

static void digits_trim(struct digits *dg)
{
  while (dg->nd > 0 && dg->d[dg->nd - 1] == '0')
    dg->nd--;
  if (dg->nd == 0)
    dg->dp = 0;
}

/* Does the decimal d x 10^dp read back as v (as a float32 when bits is
 * 32)? */
static int reads_back(const struct digits *dg, double v, int bits)
{
  char text[64];
  snprintf(text, sizeof text, "0.%.*se%d", dg->nd, dg->d, dg->dp);
  if (bits == 32)
    return strtof(text, NULL) == (float)v;
  return strtod(text, NULL) == v;
}

/* Moves the last digit one step up or down, carrying as needed. */
static void digits_step(struct digits *dg, int up)
{
  int i = dg->nd - 1;
  if (up) {
    while (i >= 0 && dg->d[i] == '9')
      dg->d[i--] = '0';
    if (i >= 0) {
      dg->d[i]++;
    } else { /* 999 -> 1000: keep the count, move the point */
      dg->d[0] = '1';
      dg->dp++;
    }
  } else {
    while (i >= 0 && dg->d[i] == '0')
      dg->d[i--] = '9';
    dg->d[i]--;            /* the leading digit is never 0, so i >= 0 */
    if (dg->d[0] == '0') { /* 1000 -> 0999: drop the leading zero */
      memmove(dg->d, dg->d + 1, (size_t)--dg->nd);
      dg->dp--;
    }
  }
}

/* The shortest digits that read back as v; among those of that length,
 * the closest to v. The correctly rounded p-digit decimal is the closest;
 * when it misses, only its neighbour on v's other side can still hit (near
 * powers of two the interval that reads back is lopsided). */
static void shortest_digits(double v, int bits, struct digits *dg)
{
  char e[40];
  int maxp = bits == 32 ? 9 : 17;
  v = fabs(v);
  dg->d = dg->small;
  dg->nd = dg->dp = 0;
  if (v == 0)
    return;
  for (int p = 1; p <= maxp; p++) {
    snprintf(e, sizeof e, "%.*e", p - 1, v);
    digits_free(dg); /* each try fits in small; say so to analyzers */
    digits_from_e(e, dg);
    if (reads_back(dg, v, bits) || p == maxp)
      break;
    char text[40];
    snprintf(text, sizeof text, "0.%.*se%d", dg->nd, dg->d, dg->dp);
    double got = bits == 32 ? (double)strtof(text, NULL) : strtod(text, NULL);
    digits_step(dg, got < v);
    if (reads_back(dg, v, bits))
      break;
  }
  digits_trim(dg);
}

/* ---- layout (Go's fmtE, fmtF and %g) ---- */

struct out {
  char *p;
  size_t cap;
  size_t len;
};

static void put(struct out *o, char c)
{
  if (o->len + 1 < o->cap)
    o->p[o->len] = c;
  o->len++;
}

static void put_str(struct out *o, const char *s)
{
  while (*s)
    put(o, *s++);
}

static void fmt_e(struct out *o, const struct digits *dg, int prec, char e)
{
  put(o, dg->nd ? dg->d[0] : '0');
  if (prec > 0) {
    put(o, '.');
    for (int i = 1; i <= prec; i++)
      put(o, i < dg->nd ? dg->d[i] : '0');
  }
  put(o, e);
  int exp = dg->nd ? dg->dp - 1 : 0;
  put(o, exp < 0 ? '-' : '+');
  char num[16];
  snprintf(num, sizeof num, "%02d", exp < 0 ? -exp : exp);
  put_str(o, num);
}

static void fmt_f(struct out *o, const struct digits *dg, int prec)
{
  if (dg->dp > 0) {
    for (int i = 0; i < dg->dp; i++)
      put(o, i < dg->nd ? dg->d[i] : '0');
  } else {
    put(o, '0');
  }
  if (prec > 0) {
    put(o, '.');
    for (int i = 1; i <= prec; i++) {
      int j = dg->dp + i - 1;
      put(o, j >= 0 && j < dg->nd ? dg->d[j] : '0');
    }
  }
}

static int max_int(int a, int b)
{
  return a > b ? a : b;
}

/* %g: 'e' form when the exponent is < -4 or >= the precision (6 for the
 * shortest form), 'f' form otherwise; no trailing zeros either way. */
static void fmt_g(struct out *o, const struct digits *dg, int prec,
                  int shortest, char e)
{
  int eprec = prec;
  if (eprec > dg->nd && dg->nd >= dg->dp)
    eprec = dg->nd;
  if (shortest)
    eprec = 6;
  int exp = dg->dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > dg->nd)
      prec = dg->nd;
    fmt_e(o, dg, prec - 1, e);
    return;
  }
  if (prec > dg->dp)
    prec = dg->nd;
  fmt_f(o, dg, max_int(prec - dg->dp, 0));
}

static void format_shortest(struct out *o, double v, char fmt, int bits)
{
  struct digits dg;
  shortest_digits(v, bits, &dg);
  char e = fmt == 'E' || fmt == 'G' ? 'E' : 'e';
  switch (fmt) {
  case 'e':
  case 'E':
    fmt_e(o, &dg, max_int(dg.nd - 1, 0), e);
    break;
  case 'f':
    fmt_f(o, &dg, max_int(dg.nd - dg.dp, 0));
    break;
  default:
    fmt_g(o, &dg, dg.nd, 1, e);
  }
  digits_free(&dg);
}

static int print_conv(char *buf, size_t cap, char conv, int prec, double v)
{
  switch (conv) {
  case 'f':
    return snprintf(buf, cap, "%.*f", prec, v);
  case 'E':
    return snprintf(buf, cap, "%.*E", prec, v);
  default:
    return snprintf(buf, cap, "%.*e", prec, v);
  }
}

/* printf's %e, %E or %f into a buffer big enough for any precision; NULL
 * when out of memory. */
static char *print_alloc(char conv, int prec, double v)
{
  int n = print_conv(NULL, 0, conv, prec, v);
  char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (s)
    print_conv(s, (size_t)n + 1, conv, prec, v);
  return s;
}

/* A fixed precision: C's %e and %f round and lay out exactly as Go does;
 * %g differs, so it goes through the digits. */
static void format_fixed(struct out *o, double v, char fmt, int prec)
{
  double a = fabs(v);
  int g = fmt == 'g' || fmt == 'G';
  if (g && prec == 0)
    prec = 1;
  char conv = fmt == 'E' || fmt == 'f' ? fmt : 'e';
  char *text = print_alloc(conv, g ? prec - 1 : prec, a);
  if (!text)
    return;
  if (!g) {
    put_str(o, text);
  } else {
    struct digits dg;
    if (digits_from_e(text, &dg) == 0) {
      digits_trim(&dg);
      fmt_g(o, &dg, prec, 0, fmt == 'G' ? 'E' : 'e');
      digits_free(&dg);
    }
  }
  free(text);
}

size_t gonum_format_float(char *out, size_t cap, double v, char fmt, int prec,
                          int bits)
{
  struct out o = {out, cap, 0};
  if (bits == 32)
    v = (float)v; /* may overflow to an infinity, as in Go */
  if (isnan(v)) {
    put_str(&o, "NaN");
  } else if (isinf(v)) {
    put_str(&o, v > 0 ? "+Inf" : "-Inf");
  } else {
    if (signbit(v))
      put(&o, '-');
    if (prec < 0)
      format_shortest(&o, v, fmt, bits);
    else
      format_fixed(&o, v, fmt, prec);
  }
  if (cap)
    out[o.len < cap ? o.len : cap - 1] = '\0';
  return o.len;
}

size_t gonum_format_json_float(char *out, size_t cap, double v)
{
  double a = fabs(v);
  char fmt = (a != 0 && (a < 1e-6 || a >= 1e21)) ? 'e' : 'f';
  size_t n = gonum_format_float(out, cap, v, fmt, -1, 64);
  /* encoding/json writes e-07 as e-7. */
  if (fmt == 'e' && n >= 4 && n < cap && out[n - 4] == 'e' &&
      out[n - 3] == '-' && out[n - 2] == '0') {
    out[n - 2] = out[n - 1];
    out[--n] = '\0';
  }
  return n;
}
