/* gonum: Go strconv number syntax and formatting (see gonum.h). */
#include "gonum.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int digit_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z')
    return c - 'A' + 10;
  return 99;
}

/* Go's underscoreOK: underscores only between digits or after a base
 * prefix, never leading, trailing or doubled. s excludes the sign. */
static int underscores_ok(const char *s, size_t n)
{
  char saw = '^'; /* ^ start, 0 digit or prefix, _ underscore, ! other */
  size_t i = 0;
  int hex = 0;
  if (n >= 2 && s[0] == '0' && strchr("xXbBoO", s[1])) {
    hex = s[1] == 'x' || s[1] == 'X';
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

/* Reads the base prefix for base 0; returns the base and advances *p. */
static int detect_base(const char **p, const char *end, int *allow_underscore)
{
  const char *s = *p;
  *allow_underscore = 1;
  if (end - s >= 1 && s[0] == '0') {
    if (end - s >= 2) {
      char c = (char)tolower((unsigned char)s[1]);
      if (c == 'x' || c == 'o' || c == 'b') {
        *p = s + 2;
        return c == 'x' ? 16 : c == 'o' ? 8 : 2;
      }
      *p = s + 1;
      return 8;
    }
  }
  return 10;
}

int gonum_parse_uint(const char *s, size_t n, int base, uint64_t *out)
{
  const char *p = s, *end = s + n;
  int allow_us = 0;
  if (n == 0)
    return -EINVAL;
  if (base == 0)
    base = detect_base(&p, end, &allow_us);
  if (base < 2 || base > 36)
    return -EINVAL;
  if (p == end) /* "0x" alone has no digits */
    return -EINVAL;
  uint64_t v = 0;
  int range = 0;
  for (; p < end; p++) {
    if (*p == '_' && allow_us)
      continue;
    int d = digit_value(*p);
    if (d >= base)
      return -EINVAL;
    if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
      range = 1;
    else
      v = v * (uint64_t)base + (uint64_t)d;
  }
  if (allow_us && !underscores_ok(s, n))
    return -EINVAL;
  if (range) {
    *out = UINT64_MAX;
    return -ERANGE;
  }
  *out = v;
  return 0;
}

int gonum_parse_int(const char *s, size_t n, int base, int64_t *out)
{
  int neg = 0;
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

/* Go's float syntax: digits with an optional point and exponent, or a hex
 * mantissa with a mandatory p exponent; underscores only after 0x. */
static int float_syntax_ok(const char *s, size_t n)
{
  size_t i = 0;
  if (i < n && (s[i] == '+' || s[i] == '-'))
    i++;
  int hex = n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
  if (hex)
    i += 2;
  int mant = 0, point = 0, underscore = 0;
  for (; i < n; i++) {
    char c = s[i];
    if (c == '_') {
      underscore = 1;
    } else if (c == '.' && !point) {
      point = 1;
    } else if (isdigit((unsigned char)c) || (hex && isxdigit((unsigned char)c))) {
      mant++;
    } else {
      break;
    }
  }
  if (!mant)
    return 0;
  if (i < n) {
    char e = (char)tolower((unsigned char)s[i]);
    if (e != (hex ? 'p' : 'e'))
      return 0;
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-'))
      i++;
    int exp_digits = 0;
    for (; i < n; i++) {
      if (s[i] == '_')
        underscore = 1;
      else if (isdigit((unsigned char)s[i]))
        exp_digits++;
      else
        return 0;
    }
    if (!exp_digits)
      return 0;
  } else if (hex) {
    return 0;
  }
  size_t start = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (underscore && (!hex || !underscores_ok(s + start, n - start)))
    return 0;
  return 1;
}

int gonum_parse_float(const char *s, size_t n, double *out)
{
  if (special_float(s, n, out))
    return 0;
  if (n == 0 || n > 4096 || !float_syntax_ok(s, n))
    return -EINVAL;
  char tmp[4097];
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] != '_')
      tmp[k++] = s[i];
  tmp[k] = '\0';
  errno = 0;
  char *end;
  double v = strtod(tmp, &end);
  if (*end != '\0')
    return -EINVAL;
  *out = v;
  if (isinf(v))
    return -ERANGE;
  return 0;
}

/* Decimal digits of |v| and the position of the decimal point, as Go's
 * decimal type holds them: v = 0.d1d2...dn * 10^dp. */
struct digits {
  char d[40];
  int nd;
  int dp;
};

static void digits_from_e(const char *e, struct digits *dg)
{
  /* e is "d.ddde[+-]xx" or "de[+-]xx" from printf's %e. */
  dg->nd = 0;
  const char *p = e;
  for (; *p && *p != 'e'; p++)
    if (isdigit((unsigned char)*p))
      dg->d[dg->nd++] = *p;
  int exp = atoi(p + 1);
  while (dg->nd > 1 && dg->d[dg->nd - 1] == '0')
    dg->nd--;
  dg->dp = exp + 1;
}

static void shortest_digits(double v, int bits, struct digits *dg)
{
  char tmp[64];
  v = fabs(v);
  if (v == 0) {
    dg->nd = 0;
    dg->dp = 0;
    return;
  }
  int maxp = bits == 32 ? 9 : 17;
  for (int p = 1; p <= maxp; p++) {
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
    int same = bits == 32 ? strtof(tmp, NULL) == (float)v : strtod(tmp, NULL) == v;
    if (same || p == maxp)
      break;
  }
  digits_from_e(tmp, dg);
}

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
  if (exp < 0)
    exp = -exp;
  char num[16];
  snprintf(num, sizeof num, "%02d", exp);
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

static void format_shortest(struct out *o, double v, char fmt, int bits)
{
  struct digits dg;
  shortest_digits(v, bits, &dg);
  char lower = (char)tolower((unsigned char)fmt);
  char e = fmt == 'E' || fmt == 'G' ? 'E' : 'e';
  if (lower == 'e') {
    fmt_e(o, &dg, dg.nd - 1, e);
  } else if (lower == 'f') {
    fmt_f(o, &dg, dg.nd - dg.dp > 0 ? dg.nd - dg.dp : 0);
  } else {
    int exp = dg.dp - 1;
    if (dg.nd && (exp < -4 || exp >= 6))
      fmt_e(o, &dg, dg.nd - 1, e);
    else
      fmt_f(o, &dg, dg.nd - dg.dp > 0 ? dg.nd - dg.dp : 0);
  }
}

static void format_fixed(struct out *o, double v, char fmt, int prec)
{
  char tmp[512];
  if (prec > 300)
    prec = 300;
  switch (fmt) {
  case 'e':
    snprintf(tmp, sizeof tmp, "%.*e", prec, fabs(v));
    break;
  case 'E':
    snprintf(tmp, sizeof tmp, "%.*E", prec, fabs(v));
    break;
  case 'f':
  case 'F':
    snprintf(tmp, sizeof tmp, "%.*f", prec, fabs(v));
    break;
  case 'G':
    snprintf(tmp, sizeof tmp, "%.*G", prec ? prec : 1, fabs(v));
    break;
  default:
    snprintf(tmp, sizeof tmp, "%.*g", prec ? prec : 1, fabs(v));
  }
  put_str(o, tmp);
}

size_t gonum_format_float(char *out, size_t cap, double v, char fmt, int prec,
                          int bits)
{
  struct out o = {out, cap, 0};
  if (isnan(v)) {
    put_str(&o, "NaN");
  } else if (isinf(v)) {
    put_str(&o, v > 0 ? "+Inf" : "-Inf");
  } else {
    if (bits == 32)
      v = (float)v;
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
