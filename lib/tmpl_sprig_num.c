/* tmpl_sprig_num: Sprig's numeric.go and the arithmetic of functions.go:
 * int/int64/float64/atoi/toDecimal (spf13/cast v1.7's conversions), the
 * int64 arithmetic add/add1/sub/mul/div/mod/max/min (Go's wrapping and
 * its divide-by-zero panic), floor/ceil/round (Go's math.Pow), and the
 * float functions addf/add1f/subf/mulf/divf, which Sprig computes with
 * shopspring/decimal: each operand becomes the decimal of its shortest
 * text ("0.1"), the arithmetic is exact, division rounds half away from
 * zero at 16 decimal places, and the result is the nearest float64. So
 * `addf 0.1 0.2` is 0.3, not 0.30000000000000004. */
#include "tmpl_sprig_int.h"

#include "gonum.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Digits a decimal may grow to before we refuse (Go would keep going). */
#define DEC_MAX_DIGITS 100000

/* ---- Conversions ---- */

TMPL__FN(fn_int)
{
  return tmpl__ret_int(out, tmpl__to_int64(argv[0].o));
}

TMPL__FN(fn_int64)
{
  return tmpl__ret_int64(out, tmpl__to_int64(argv[0].o));
}

TMPL__FN(fn_float64)
{
  return tmpl__ret_float(out, tmpl__to_float64(argv[0].o));
}

/* strconv.Atoi with the error dropped: syntax errors give 0, range
 * errors the clamped value. */
TMPL__FN(fn_atoi)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  int64_t v = 0;
  int rc = 0;
  if (n > 0 && s[0] != '_' && !memchr(s, '_', n))
    rc = gonum_parse_int(s, n, 10, &v);
  if (rc == -ERANGE)
    v = s[0] == '-' ? INT64_MIN : INT64_MAX;
  else if (rc)
    v = 0;
  return tmpl__ret_int(out, v);
}

/* toDecimal: fmt.Sprint(v) read as an octal number, 0 on error. */
TMPL__FN(fn_to_decimal)
{
  struct buf b;
  buf_init(&b, 0);
  int rc = tmpl_sprint(&b, 1, &argv[0]);
  int64_t v = 0;
  if (!rc && b.len && !memchr(b.data, '_', b.len) &&
      gonum_parse_int(b.data, b.len, 8, &v))
    v = 0;
  buf_free(&b);
  return rc ? rc : tmpl__ret_int64(out, v);
}

/* ---- int64 arithmetic, wrapping as Go's does ---- */

static int64_t wadd(int64_t a, int64_t b)
{
  return (int64_t)((uint64_t)a + (uint64_t)b);
}

static int64_t wmul(int64_t a, int64_t b)
{
  return (int64_t)((uint64_t)a * (uint64_t)b);
}

TMPL__FN(fn_add1)
{
  return tmpl__ret_int64(out, wadd(tmpl__to_int64(argv[0].o), 1));
}

TMPL__FN(fn_add)
{
  int64_t a = 0;
  for (int i = 0; i < argc; i++)
    a = wadd(a, tmpl__to_int64(argv[i].o));
  return tmpl__ret_int64(out, a);
}

TMPL__FN(fn_sub)
{
  uint64_t a = (uint64_t)tmpl__to_int64(argv[0].o);
  return tmpl__ret_int64(out,
                         (int64_t)(a - (uint64_t)tmpl__to_int64(argv[1].o)));
}

TMPL__FN(fn_mul)
{
  int64_t a = tmpl__to_int64(argv[0].o);
  for (int i = 1; i < argc; i++)
    a = wmul(a, tmpl__to_int64(argv[i].o));
  return tmpl__ret_int64(out, a);
}

static int div_mod(struct tmpl_call *c, struct tmpl_value *argv,
                   struct tmpl_value *out, int mod)
{
  int64_t a = tmpl__to_int64(argv[0].o), b = tmpl__to_int64(argv[1].o);
  if (b == 0)
    return tmpl_call_errorf(c, "runtime error: integer divide by zero");
  if (b == -1) /* INT64_MIN / -1 overflows to INT64_MIN in Go */
    return tmpl__ret_int64(out, mod ? 0 : (int64_t)(0 - (uint64_t)a));
  return tmpl__ret_int64(out, mod ? a % b : a / b);
}

TMPL__FN(fn_div)
{
  return div_mod(c, argv, out, 0);
}

TMPL__FN(fn_mod)
{
  return div_mod(c, argv, out, 1);
}

TMPL__FN(fn_max)
{
  int64_t a = tmpl__to_int64(argv[0].o);
  for (int i = 1; i < argc; i++) {
    int64_t b = tmpl__to_int64(argv[i].o);
    if (b > a)
      a = b;
  }
  return tmpl__ret_int64(out, a);
}

TMPL__FN(fn_min)
{
  int64_t a = tmpl__to_int64(argv[0].o);
  for (int i = 1; i < argc; i++) {
    int64_t b = tmpl__to_int64(argv[i].o);
    if (b < a)
      a = b;
  }
  return tmpl__ret_int64(out, a);
}

TMPL__FN(fn_rand_int)
{
  int64_t lo = tmpl__int(&argv[0]), hi = tmpl__int(&argv[1]);
  int64_t n = (int64_t)((uint64_t)hi - (uint64_t)lo);
  if (n <= 0)
    return tmpl_call_errorf(c, "invalid argument to Intn");
  return tmpl__ret_int(out, wadd((int64_t)tmpl__random_below((uint64_t)n), lo));
}

/* ---- float64 ---- */

/* Go's math.Max and math.Min (NaN wins, +0 > -0). */
static double go_max(double x, double y)
{
  if (isinf(x) && x > 0)
    return x;
  if (isinf(y) && y > 0)
    return y;
  if (isnan(x) || isnan(y))
    return NAN;
  if (x == 0 && x == y)
    return signbit(x) ? y : x;
  return x > y ? x : y;
}

static double go_min(double x, double y)
{
  if (isinf(x) && x < 0)
    return x;
  if (isinf(y) && y < 0)
    return y;
  if (isnan(x) || isnan(y))
    return NAN;
  if (x == 0 && x == y)
    return signbit(x) ? x : y;
  return x < y ? x : y;
}

TMPL__FN(fn_maxf)
{
  double a = tmpl__to_float64(argv[0].o);
  for (int i = 1; i < argc; i++)
    a = go_max(a, tmpl__to_float64(argv[i].o));
  return tmpl__ret_float(out, a);
}

TMPL__FN(fn_minf)
{
  double a = tmpl__to_float64(argv[0].o);
  for (int i = 1; i < argc; i++)
    a = go_min(a, tmpl__to_float64(argv[i].o));
  return tmpl__ret_float(out, a);
}

TMPL__FN(fn_floor)
{
  return tmpl__ret_float(out, floor(tmpl__to_float64(argv[0].o)));
}

TMPL__FN(fn_ceil)
{
  return tmpl__ret_float(out, ceil(tmpl__to_float64(argv[0].o)));
}

/* Go's math.Pow for an integral exponent: repeated squaring on the
 * mantissa with a separate binary exponent, as pow.go does. */
static double go_pow_int(double x, double y)
{
  if (y == 0 || x == 1)
    return 1;
  if (y == 1)
    return x;
  if (isnan(x) || isnan(y))
    return NAN;
  if (x == 0)
    return y < 0 ? (signbit(x) && fmod(y, 2) != 0 ? -INFINITY : INFINITY)
                 : (signbit(x) && fmod(y, 2) != 0 ? x : 0);
  if (isinf(y) || isinf(x) || fabs(y) >= 9.2233720368547758e18)
    return pow(x, y);
  double a1 = 1;
  int ae = 0, xe;
  double x1 = frexp(x, &xe);
  for (int64_t i = (int64_t)fabs(y); i != 0; i >>= 1) {
    if (xe < -(1 << 12) || (1 << 12) < xe) {
      ae += xe;
      break;
    }
    if (i & 1) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe <<= 1;
    if (x1 < .5) {
      x1 += x1;
      xe--;
    }
  }
  if (y < 0) {
    a1 = 1 / a1;
    ae = -ae;
  }
  return ldexp(a1, ae);
}

/* round(a, places [, roundOn]) */
TMPL__FN(fn_round)
{
  double on = argc > 2 ? json_object_get_double(argv[2].o) : .5;
  double val = tmpl__to_float64(argv[0].o);
  double p = go_pow_int(10, (double)tmpl__int(&argv[1]));
  double digit = p * val, ip;
  double frac = modf(digit, &ip);
  double r = frac >= on ? ceil(digit) : floor(digit);
  return tmpl__ret_float(out, r / p);
}

/* ---- shopspring/decimal ---- */

/* A decimal: (-1)^neg * digits * 10^exp, digits least significant first,
 * no leading zeros (zero has n == 0). */
struct dec {
  int neg;
  int64_t exp;
  size_t n;
  unsigned char *d;
};

static void dec_free(struct dec *x)
{
  free(x->d);
  x->d = NULL;
  x->n = 0;
}

static void dec_trim(struct dec *x)
{
  while (x->n > 0 && x->d[x->n - 1] == 0)
    x->n--;
  if (x->n == 0)
    x->neg = 0;
}

static int dec_alloc(struct dec *x, size_t n)
{
  if (n > DEC_MAX_DIGITS)
    return -E2BIG;
  x->d = calloc(n ? n : 1, 1);
  x->n = n;
  return x->d ? 0 : -ENOMEM;
}

/* decimal.NewFromFloat: the shortest decimal that reads back as f. */
static int dec_from_double(struct tmpl_call *c, double f, struct dec *x)
{
  memset(x, 0, sizeof *x);
  if (isnan(f) || isinf(f))
    return tmpl_call_errorf(c, "Cannot create a Decimal from %s",
                            isnan(f) ? "NaN"
                            : f > 0  ? "+Inf"
                                     : "-Inf");
  if (f == 0)
    return dec_alloc(x, 0);
  char s[64];
  gonum_format_float(s, sizeof s, f, 'e', -1, 64);
  const char *p = s;
  x->neg = *p == '-';
  p += x->neg;
  char digits[32];
  size_t nd = 0;
  for (; *p && *p != 'e'; p++)
    if (*p != '.')
      digits[nd++] = *p;
  int e = atoi(p + 1);
  if (dec_alloc(x, nd))
    return -ENOMEM;
  for (size_t i = 0; i < nd; i++)
    x->d[i] = (unsigned char)(digits[nd - 1 - i] - '0');
  x->exp = e - (int64_t)(nd - 1);
  dec_trim(x);
  return 0;
}

/* The nearest float64 (big.Rat's Float64): strtod rounds correctly. */
static double dec_to_double(const struct dec *x)
{
  if (x->n == 0)
    return 0;
  char *s = malloc(x->n + 32);
  if (!s)
    return NAN;
  size_t k = 0;
  if (x->neg)
    s[k++] = '-';
  for (size_t i = x->n; i > 0; i--)
    s[k++] = (char)('0' + x->d[i - 1]);
  snprintf(s + k, 32, "e%lld", (long long)x->exp);
  double f = strtod(s, NULL);
  free(s);
  return f;
}

static int mag_cmp(const struct dec *a, const struct dec *b)
{
  if (a->n != b->n)
    return a->n < b->n ? -1 : 1;
  for (size_t i = a->n; i > 0; i--)
    if (a->d[i - 1] != b->d[i - 1])
      return a->d[i - 1] < b->d[i - 1] ? -1 : 1;
  return 0;
}

/* x's digits times 10^k, as a new decimal with x's exponent minus k. */
static int dec_shift(const struct dec *x, int64_t k, struct dec *out)
{
  memset(out, 0, sizeof *out);
  if (k < 0 || (uint64_t)k > DEC_MAX_DIGITS)
    return -E2BIG;
  if (x->n == 0)
    return dec_alloc(out, 0);
  int rc = dec_alloc(out, x->n + (size_t)k);
  if (rc)
    return rc;
  memcpy(out->d + k, x->d, x->n);
  out->neg = x->neg;
  out->exp = x->exp - k;
  return 0;
}

/* |a| + |b| or |a| - |b| (|a| >= |b|), same exponent. */
static int mag_addsub(const struct dec *a, const struct dec *b, int sub,
                      struct dec *out)
{
  int rc = dec_alloc(out, a->n + 1);
  if (rc)
    return rc;
  int carry = 0;
  for (size_t i = 0; i < a->n + 1; i++) {
    int v = (i < a->n ? a->d[i] : 0) + (sub ? -carry : carry);
    int w = i < b->n ? b->d[i] : 0;
    v = sub ? v - w : v + w;
    carry = sub ? v < 0 : v > 9;
    out->d[i] = (unsigned char)(sub ? (v + 10) % 10 : v % 10);
  }
  out->exp = a->exp;
  dec_trim(out);
  return 0;
}

/* a + b, or a - b when negate_b. */
static int dec_add(const struct dec *a0, const struct dec *b0, int negate_b,
                   struct dec *out)
{
  struct dec a = {0, 0, 0, NULL}, b = {0, 0, 0, NULL};
  int64_t e = a0->exp < b0->exp ? a0->exp : b0->exp;
  int rc = dec_shift(a0, a0->n ? a0->exp - e : 0, &a);
  if (!rc)
    rc = dec_shift(b0, b0->n ? b0->exp - e : 0, &b);
  a.exp = b.exp = e;
  if (!rc) {
    int bneg = b.n ? b.neg ^ negate_b : 0;
    if (a.neg == bneg || b.n == 0 || a.n == 0) {
      int neg = a.n ? a.neg : bneg;
      rc = mag_cmp(&a, &b) >= 0 ? mag_addsub(&a, &b, 0, out)
                                : mag_addsub(&b, &a, 0, out);
      out->neg = out->n ? neg : 0;
    } else if (mag_cmp(&a, &b) >= 0) {
      rc = mag_addsub(&a, &b, 1, out);
      out->neg = out->n ? a.neg : 0;
    } else {
      rc = mag_addsub(&b, &a, 1, out);
      out->neg = out->n ? bneg : 0;
    }
  }
  dec_free(&a);
  dec_free(&b);
  return rc;
}

static int dec_mul(const struct dec *a, const struct dec *b, struct dec *out)
{
  int rc = dec_alloc(out, a->n + b->n);
  if (rc)
    return rc;
  for (size_t i = 0; i < a->n; i++) {
    int carry = 0;
    for (size_t j = 0; j < b->n || carry; j++) {
      int v = out->d[i + j] + carry + (j < b->n ? a->d[i] * b->d[j] : 0);
      out->d[i + j] = (unsigned char)(v % 10);
      carry = v / 10;
    }
  }
  out->exp = a->exp + b->exp;
  out->neg = a->neg ^ b->neg;
  dec_trim(out);
  return 0;
}

/* |q| = |a| / |b| truncated, |r| = the rest (both same exponent 0). */
static int mag_divmod(const struct dec *a, const struct dec *b, struct dec *q,
                      struct dec *r)
{
  int rc = dec_alloc(q, a->n ? a->n : 1);
  if (!rc)
    rc = dec_alloc(r, 0);
  for (size_t i = a->n; !rc && i > 0; i--) {
    struct dec t = {0, 0, 0, NULL}; /* r * 10 + the next digit */
    if ((rc = dec_alloc(&t, r->n + 1)))
      break;
    t.d[0] = a->d[i - 1];
    if (r->n)
      memcpy(t.d + 1, r->d, r->n);
    dec_trim(&t);
    dec_free(r);
    *r = t;
    unsigned char k = 0;
    while (!rc && mag_cmp(r, b) >= 0) {
      struct dec s;
      rc = mag_addsub(r, b, 1, &s);
      dec_free(r);
      *r = s;
      k++;
    }
    q->d[i - 1] = k;
  }
  dec_trim(q);
  return rc;
}

/* Decimal.Div: QuoRem at 16 places, then half away from zero. */
static int dec_div(struct tmpl_call *c, const struct dec *a,
                   const struct dec *b, struct dec *out)
{
  if (b->n == 0)
    return tmpl_call_errorf(c, "decimal division by 0");
  int64_t e = a->exp - b->exp + 16;
  struct dec aa = {0, 0, 0, NULL}, bb = {0, 0, 0, NULL}, r = {0, 0, 0, NULL};
  struct dec a0 = *a, b0 = *b;
  a0.exp = b0.exp = 0;
  int rc = e < 0 ? dec_shift(&a0, 0, &aa) : dec_shift(&a0, e, &aa);
  if (!rc)
    rc = e < 0 ? dec_shift(&b0, -e, &bb) : dec_shift(&b0, 0, &bb);
  if (!rc)
    rc = mag_divmod(&aa, &bb, out, &r);
  if (!rc) {
    struct dec r2 = {0, 0, 0, NULL}, q = {0, 0, 0, NULL};
    struct dec one = {0, 0, 1, (unsigned char[]){1}};
    rc = mag_addsub(&r, &r, 0, &r2); /* 2|r| */
    if (!rc && mag_cmp(&r2, &bb) >= 0 && !(rc = mag_addsub(out, &one, 0, &q))) {
      dec_free(out);
      *out = q;
    }
    dec_free(&r2);
  }
  dec_free(&r);
  out->exp = -16;
  out->neg = out->n ? a->neg ^ b->neg : 0;
  dec_free(&aa);
  dec_free(&bb);
  return rc;
}

enum dec_op { OP_ADD, OP_SUB, OP_MUL, OP_DIV };

static int dec_apply(struct tmpl_call *c, enum dec_op op, const struct dec *a,
                     const struct dec *b, struct dec *out)
{
  switch (op) {
  case OP_ADD:
    return dec_add(a, b, 0, out);
  case OP_SUB:
    return dec_add(a, b, 1, out);
  case OP_MUL:
    return dec_mul(a, b, out);
  default:
    return dec_div(c, a, b, out);
  }
}

/* Sprig's execDecimalOp: first op each of the rest, left to right. */
static int decimal_op(struct tmpl_call *c, enum dec_op op,
                      struct json_object *first, int argc,
                      struct tmpl_value *argv, struct tmpl_value *out)
{
  struct dec acc = {0, 0, 0, NULL}, x = {0, 0, 0, NULL}, r = {0, 0, 0, NULL};
  int rc = dec_from_double(c, tmpl__to_float64(first), &acc);
  for (int i = 0; !rc && i < argc; i++) {
    rc = dec_from_double(c, tmpl__to_float64(argv[i].o), &x);
    if (!rc)
      rc = dec_apply(c, op, &acc, &x, &r);
    dec_free(&x);
    if (rc) {
      dec_free(&r);
      break;
    }
    dec_free(&acc);
    acc = r;
    r = (struct dec){0, 0, 0, NULL};
  }
  double f = rc ? 0 : dec_to_double(&acc);
  dec_free(&acc);
  if (rc == -E2BIG)
    return tmpl_call_errorf(c, "decimal result of more than %d digits",
                            DEC_MAX_DIGITS);
  return rc ? rc : tmpl__ret_float(out, f);
}

TMPL__FN(fn_addf)
{
  struct json_object *zero = json_object_new_double(0);
  if (!zero)
    return -ENOMEM;
  int rc = decimal_op(c, OP_ADD, zero, argc, argv, out);
  json_object_put(zero);
  return rc;
}

TMPL__FN(fn_add1f)
{
  struct json_object *one = tmpl_val_int(1);
  if (!one)
    return -ENOMEM;
  struct tmpl_value v = {one, TMPL_V_CONCRETE};
  int rc = decimal_op(c, OP_ADD, argv[0].o, 1, &v, out);
  json_object_put(one);
  return rc;
}

TMPL__FN(fn_subf)
{
  return decimal_op(c, OP_SUB, argv[0].o, argc - 1, argv + 1, out);
}

TMPL__FN(fn_mulf)
{
  return decimal_op(c, OP_MUL, argv[0].o, argc - 1, argv + 1, out);
}

TMPL__FN(fn_divf)
{
  return decimal_op(c, OP_DIV, argv[0].o, argc - 1, argv + 1, out);
}

static const struct tmpl_func fns[] = {
    {"add", fn_add, "a*", NULL},
    {"add1", fn_add1, "a", NULL},
    {"add1f", fn_add1f, "a", NULL},
    {"addf", fn_addf, "a*", NULL},
    {"atoi", fn_atoi, "s", NULL},
    {"biggest", fn_max, "aa*", NULL},
    {"ceil", fn_ceil, "a", NULL},
    {"div", fn_div, "aa", NULL},
    {"divf", fn_divf, "aa*", NULL},
    {"float64", fn_float64, "a", NULL},
    {"floor", fn_floor, "a", NULL},
    {"int", fn_int, "a", NULL},
    {"int64", fn_int64, "a", NULL},
    {"max", fn_max, "aa*", NULL},
    {"maxf", fn_maxf, "aa*", NULL},
    {"min", fn_min, "aa*", NULL},
    {"minf", fn_minf, "aa*", NULL},
    {"mod", fn_mod, "aa", NULL},
    {"mul", fn_mul, "aa*", NULL},
    {"mulf", fn_mulf, "aa*", NULL},
    {"randInt", fn_rand_int, "ii", NULL},
    {"round", fn_round, "aif*", NULL},
    {"sub", fn_sub, "aa", NULL},
    {"subf", fn_subf, "aa*", NULL},
    {"toDecimal", fn_to_decimal, "a", NULL},
};

TMPL__TABLE(tmpl__sprig_num_fns, fns);
