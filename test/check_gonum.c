/* gonum: numbers read and printed as Go's strconv and encoding/json do.
 * Expected values come from Go 1.19's strconv (the shortest-float and
 * parsing code is unchanged up to Go 1.23, which Helm and kubectl use). */
#include "gonum.h"

#include <check.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ParseInt / ParseUint ---- */

struct int_case {
  const char *s;
  int base;
  int rc;
  int64_t want;
};

static const struct int_case int_cases[] = {
    {"0", 0, 0, 0},
    {"-0", 0, 0, 0},
    {"+5", 0, 0, 5},
    {"0777", 0, 0, 511},
    {"0x1F", 0, 0, 31},
    {"0X1f", 0, 0, 31},
    {"0o17", 0, 0, 15},
    {"0O17", 0, 0, 15},
    {"0b101", 0, 0, 5},
    {"0B1", 0, 0, 1},
    {"-0b1", 0, 0, -1},
    {"-0x10", 0, 0, -16},
    {"1_000", 0, 0, 1000},
    {"0x_1F", 0, 0, 31},
    {"0_1", 0, 0, 1},
    {"9223372036854775807", 0, 0, INT64_MAX},
    {"-9223372036854775808", 0, 0, INT64_MIN},
    {"9223372036854775808", 0, -ERANGE, INT64_MAX},
    {"-9223372036854775809", 0, -ERANGE, INT64_MIN},
    /* Go reports the overflow before it reaches the bad character. */
    {"99999999999999999999x", 0, -ERANGE, INT64_MAX},
    {"", 0, -EINVAL, 0},
    {"-", 0, -EINVAL, 0},
    {"_1", 0, -EINVAL, 0},
    {"1_", 0, -EINVAL, 0},
    {"1__0", 0, -EINVAL, 0},
    {"0x", 0, -EINVAL, 0},
    {"0b", 0, -EINVAL, 0},
    {"0x_", 0, -EINVAL, 0},
    {"08", 0, -EINVAL, 0},
    {"0b2", 0, -EINVAL, 0},
    {"+-1", 0, -EINVAL, 0},
    {" 1", 0, -EINVAL, 0},
    {"1 ", 0, -EINVAL, 0},
    {"1.0", 0, -EINVAL, 0},
    {"1e3", 0, -EINVAL, 0},
    {"ff", 16, 0, 255},
    {"FF", 16, 0, 255},
    {"z", 36, 0, 35},
    {"0x10", 16, -EINVAL, 0},
    {"1_0", 10, -EINVAL, 0}, /* underscores only with base 0 */
    {"777", 8, 0, 511},
    {"1", 1, -EINVAL, 0},
    {"1", 37, -EINVAL, 0},
};

START_TEST(parse_int_as_go)
{
  const struct int_case *c = &int_cases[_i];
  int64_t v = 12345;
  int rc = gonum_parse_int(c->s, strlen(c->s), c->base, &v);
  ck_assert_msg(rc == c->rc, "ParseInt(%s, %d): rc %d, want %d", c->s, c->base,
                rc, c->rc);
  if (rc != -EINVAL)
    ck_assert_msg(v == c->want, "ParseInt(%s): %lld, want %lld", c->s,
                  (long long)v, (long long)c->want);
}
END_TEST

START_TEST(parse_int_reads_only_n_bytes)
{
  int64_t v;
  ck_assert_int_eq(gonum_parse_int("12345", 2, 0, &v), 0);
  ck_assert_int_eq(v, 12);
  ck_assert_int_eq(gonum_parse_int("0x1Fzz", 4, 0, &v), 0);
  ck_assert_int_eq(v, 31);
}
END_TEST

START_TEST(parse_uint_range_and_signs)
{
  uint64_t u;
  ck_assert_int_eq(gonum_parse_uint("18446744073709551615", 20, 0, &u), 0);
  ck_assert(u == UINT64_MAX);
  ck_assert_int_eq(gonum_parse_uint("18446744073709551616", 20, 0, &u),
                   -ERANGE);
  ck_assert(u == UINT64_MAX);
  ck_assert_int_eq(gonum_parse_uint("0xffffffffffffffff", 18, 0, &u), 0);
  ck_assert(u == UINT64_MAX);
  /* ParseUint takes no sign at all. */
  ck_assert_int_eq(gonum_parse_uint("-1", 2, 0, &u), -EINVAL);
  ck_assert_int_eq(gonum_parse_uint("+1", 2, 0, &u), -EINVAL);
  ck_assert_int_eq(gonum_parse_uint("", 0, 0, &u), -EINVAL);
}
END_TEST

/* ---- ParseFloat ---- */

struct float_case {
  const char *s;
  int rc;
  double want;
};

static const struct float_case float_cases[] = {
    {"1e3", 0, 1000},
    {".5", 0, 0.5},
    {"5.", 0, 5},
    {"-0", 0, -0.0},
    {"+1.5e-3", 0, 0.0015},
    {"1E+2", 0, 100},
    {"1_000.5", 0, 1000.5},
    {".5_5", 0, 0.55},
    {"1e1_0", 0, 1e10},
    {"1e+5_0", 0, 1e50},
    {".5e1_0", 0, 5e9},
    {"0x1p-2", 0, 0.25},
    {"0x1.8p1", 0, 3},
    {"0x.8p1", 0, 1},
    {"0X1P3", 0, 8},
    {"0x_1p0", 0, 1},
    {"0x1p1_0", 0, 1024},
    {"1e-400", 0, 0},
    {"4.9e-324", 0, 5e-324},
    {"1.7976931348623157e308", 0, DBL_MAX},
    {"123456789012345678901234567890", 0, 1.2345678901234568e+29},
    {"1e400", -ERANGE, INFINITY},
    {"-1e400", -ERANGE, -INFINITY},
    {"", -EINVAL, 0},
    {".", -EINVAL, 0},
    {"e5", -EINVAL, 0},
    {"1e", -EINVAL, 0},
    {"1e+", -EINVAL, 0},
    {"1.5.", -EINVAL, 0},
    {"1.5e_1", -EINVAL, 0},
    {"1_", -EINVAL, 0},
    {"_1", -EINVAL, 0},
    {"1__0", -EINVAL, 0},
    {"0x", -EINVAL, 0},
    {"0x1", -EINVAL, 0},   /* hex needs a p exponent */
    {"0x1e3", -EINVAL, 0}, /* e is a hex digit there */
    {"infin", -EINVAL, 0},
    {"-nan", -EINVAL, 0},
    {" 1", -EINVAL, 0},
    {"1 ", -EINVAL, 0},
};

START_TEST(parse_float_as_go)
{
  const struct float_case *c = &float_cases[_i];
  double v = 12345;
  int rc = gonum_parse_float(c->s, strlen(c->s), &v);
  ck_assert_msg(rc == c->rc, "ParseFloat(%s): rc %d, want %d", c->s, rc, c->rc);
  if (rc != -EINVAL)
    ck_assert_msg(v == c->want && signbit(v) == signbit(c->want),
                  "ParseFloat(%s): %.17g, want %.17g", c->s, v, c->want);
}
END_TEST

START_TEST(parse_float_specials)
{
  static const char *const infs[] = {"inf",      "+Inf",      "INF",
                                     "infinity", "+INFINITY", "Infinity"};
  double v;
  for (size_t i = 0; i < sizeof infs / sizeof infs[0]; i++) {
    ck_assert_int_eq(gonum_parse_float(infs[i], strlen(infs[i]), &v), 0);
    ck_assert(isinf(v) && v > 0);
  }
  ck_assert_int_eq(gonum_parse_float("-inf", 4, &v), 0);
  ck_assert(isinf(v) && v < 0);
  ck_assert_int_eq(gonum_parse_float("NaN", 3, &v), 0);
  ck_assert(isnan(v));
  ck_assert_int_eq(gonum_parse_float("nan", 3, &v), 0);
  ck_assert(isnan(v));
}
END_TEST

START_TEST(parse_float_of_any_length)
{
  size_t n = 10000;
  char *s = malloc(n + 1);
  memset(s, '0', n);
  s[0] = '1';
  s[1] = '.';
  s[n] = '\0';
  double v;
  ck_assert_int_eq(gonum_parse_float(s, n, &v), 0);
  ck_assert(v == 1.0);
  free(s);
}
END_TEST

/* ---- FormatFloat ---- */

struct format_case {
  double v;
  char fmt;
  int prec;
  int bits;
  const char *want;
};

static const struct format_case format_cases[] = {
    {1e6, 'g', -1, 64, "1e+06"},
    {1e-7, 'g', -1, 64, "1e-07"},
    {5e-324, 'g', -1, 64, "5e-324"},
    {DBL_MAX, 'g', -1, 64, "1.7976931348623157e+308"},
    {0.1, 'g', -1, 64, "0.1"},
    {123456, 'g', -1, 64, "123456"},
    {1234567, 'g', -1, 64, "1.234567e+06"},
    {0.0001, 'g', -1, 64, "0.0001"},
    {0.00001, 'g', -1, 64, "1e-05"},
    {0, 'g', -1, 64, "0"},
    {-0.0, 'g', -1, 64, "-0"},
    {0.5, 'g', -1, 64, "0.5"},
    {1e21, 'g', -1, 64, "1e+21"},
    /* 2^-1007: the interval that reads back is lopsided at a power of two;
     * the closest 16-digit decimal misses, the one above hits. */
    {7.291122019556398e-304, 'g', -1, 64, "7.291122019556398e-304"},
    {1000, 'e', -1, 64, "1e+03"},
    {0, 'e', -1, 64, "0e+00"},
    {1e21, 'f', -1, 64, "1000000000000000000000"},
    {1e-7, 'f', -1, 64, "0.0000001"},
    {1e21, 'E', -1, 64, "1E+21"},
    {0.1, 'g', -1, 32, "0.1"},
    {3.14159265358979, 'g', -1, 32, "3.1415927"},
    {16777217, 'g', -1, 32, "1.6777216e+07"},
    {1e39, 'g', -1, 32, "+Inf"},
    {1e10, 'g', -1, 32, "1e+10"},
    {1234.5678, 'e', 3, 64, "1.235e+03"},
    {1.005, 'f', 2, 64, "1.00"},
    {0.5, 'f', 0, 64, "0"},
    {1.5, 'f', 0, 64, "2"},
    {2.5, 'f', 0, 64, "2"},
    {1234567, 'g', 3, 64, "1.23e+06"},
    {1.5, 'g', 5, 64, "1.5"},
    {123, 'g', 0, 64, "1e+02"},
    {1e-10, 'G', 3, 64, "1E-10"},
    {0.1, 'g', 20, 64, "0.10000000000000000555"},
    {100, 'g', 5, 64, "100"},
    {1e-5, 'g', 3, 64, "1e-05"},
    {0, 'g', 3, 64, "0"},
    {0, 'f', 2, 64, "0.00"},
    {-1.5, 'e', 0, 64, "-2e+00"},
    {9.5, 'g', 1, 64, "1e+01"},
    {0.000123456, 'g', 4, 64, "0.0001235"},
    {NAN, 'g', -1, 64, "NaN"},
    {INFINITY, 'g', -1, 64, "+Inf"},
    {-INFINITY, 'f', 3, 64, "-Inf"},
};

START_TEST(format_float_as_go)
{
  const struct format_case *c = &format_cases[_i];
  char out[128];
  size_t n =
      gonum_format_float(out, sizeof out, c->v, c->fmt, c->prec, c->bits);
  ck_assert_msg(strcmp(out, c->want) == 0,
                "FormatFloat(%.17g, '%c', %d, %d) "
                "= %s, want %s",
                c->v, c->fmt, c->prec, c->bits, out, c->want);
  ck_assert_uint_eq(n, strlen(c->want));
}
END_TEST

START_TEST(format_float_long_outputs_are_whole)
{
  size_t n = gonum_format_float(NULL, 0, 1, 'f', 400, 64);
  ck_assert_uint_eq(n, 402);
  char *out = malloc(n + 1);
  gonum_format_float(out, n + 1, 1, 'f', 400, 64);
  ck_assert_int_eq(strncmp(out, "1.000", 5), 0);
  ck_assert_uint_eq(strlen(out), 402);
  free(out);
  /* 5e-324 in 'f' form has 324 decimals and ends in its 5. */
  char big[400];
  n = gonum_format_float(big, sizeof big, 5e-324, 'f', -1, 64);
  ck_assert_uint_eq(n, 326);
  ck_assert_int_eq(big[n - 1], '5');
  n = gonum_format_float(big, sizeof big, DBL_MAX, 'f', -1, 64);
  ck_assert_uint_eq(n, 309);
}
END_TEST

START_TEST(format_float_truncates_safely)
{
  char out[4];
  size_t n = gonum_format_float(out, sizeof out, 123456.5, 'f', -1, 64);
  ck_assert_uint_eq(n, 8);
  ck_assert_str_eq(out, "123");
}
END_TEST

/* A small deterministic generator, so failures can be replayed. */
static uint64_t next_random(uint64_t *state)
{
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return *state;
}

/* The shortest form reads back exactly, and one digit fewer never does. */
START_TEST(shortest_round_trips_and_is_minimal)
{
  uint64_t state = 0x9e3779b97f4a7c15u;
  char out[64], fewer[64];
  for (int i = 0; i < 20000; i++) {
    uint64_t bits = next_random(&state) & ~(UINT64_C(1) << 63);
    double v;
    memcpy(&v, &bits, sizeof v);
    if (!isfinite(v))
      continue;
    gonum_format_float(out, sizeof out, v, 'e', -1, 64);
    ck_assert_msg(strtod(out, NULL) == v, "%s does not read back", out);
    const char *e = strchr(out, 'e');
    int digits = (int)(e - out) - (out[1] == '.' ? 1 : 0);
    if (digits > 1) {
      snprintf(fewer, sizeof fewer, "%.*e", digits - 2, v);
      double back = strtod(fewer, NULL);
      ck_assert_msg(back != v, "%s is shorter than %s", fewer, out);
    }
  }
}
END_TEST

START_TEST(float32_round_trips_through_float)
{
  uint64_t state = 42;
  char out[64];
  for (int i = 0; i < 20000; i++) {
    uint32_t bits = (uint32_t)next_random(&state) & 0x7fffffffu;
    float f;
    memcpy(&f, &bits, sizeof f);
    if (!isfinite(f))
      continue;
    gonum_format_float(out, sizeof out, f, 'g', -1, 32);
    ck_assert_msg(strtof(out, NULL) == f, "%s does not read back as %.9g", out,
                  (double)f);
  }
}
END_TEST

/* ---- encoding/json's float format ---- */

struct json_case {
  double v;
  const char *want;
};

static const struct json_case json_cases[] = {
    {1e21, "1e+21"},
    {1e20, "100000000000000000000"},
    {1e-7, "1e-7"},
    {1e-6, "0.000001"},
    {0.5, "0.5"},
    {2.0, "2"},
    {-0.0, "-0"},
    {1e-100, "1e-100"},
    {123456789.123, "123456789.123"},
    {DBL_MAX, "1.7976931348623157e+308"},
    {5e-324, "5e-324"},
    {0.000001234, "0.000001234"},
    {12e-7, "0.0000012"},
    {-1e-7, "-1e-7"},
    {1e6, "1000000"},
};

START_TEST(json_float_as_go)
{
  const struct json_case *c = &json_cases[_i];
  char out[64];
  gonum_format_json_float(out, sizeof out, c->v);
  ck_assert_msg(strcmp(out, c->want) == 0, "json(%.17g) = %s, want %s", c->v,
                out, c->want);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *gonum_suite(void)
{
  Suite *s = suite_create("gonum");
  TCase *tp = tcase_create("parse");
  tcase_add_loop_test(tp, parse_int_as_go, 0, N(int_cases));
  tcase_add_test(tp, parse_int_reads_only_n_bytes);
  tcase_add_test(tp, parse_uint_range_and_signs);
  tcase_add_loop_test(tp, parse_float_as_go, 0, N(float_cases));
  tcase_add_test(tp, parse_float_specials);
  tcase_add_test(tp, parse_float_of_any_length);
  suite_add_tcase(s, tp);
  TCase *tf = tcase_create("format");
  tcase_add_loop_test(tf, format_float_as_go, 0, N(format_cases));
  tcase_add_test(tf, format_float_long_outputs_are_whole);
  tcase_add_test(tf, format_float_truncates_safely);
  tcase_add_test(tf, shortest_round_trips_and_is_minimal);
  tcase_add_test(tf, float32_round_trips_through_float);
  tcase_add_loop_test(tf, json_float_as_go, 0, N(json_cases));
  suite_add_tcase(s, tf);
  return s;
}
