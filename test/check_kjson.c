/* kjson: JSON as Go's encoding/json writes it (Helm's toJson and
 * toPrettyJson, kubectl -o json) and reads it (API responses, user JSON). */
#include "kjson.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *write_json(struct json_object *o, int flags)
{
  struct buf b;
  struct err e;
  buf_init(&b, 0);
  err_clear(&e);
  int rc = kjson_write(&b, o, flags, &e);
  ck_assert_msg(rc == 0, "kjson_write: %s", e.msg);
  return buf_take(&b);
}

static struct json_object *parse_ok(const char *text)
{
  struct json_object *o = NULL;
  struct err e;
  err_clear(&e);
  int rc = kjson_parse(text, strlen(text), "t.json", &o, &e);
  ck_assert_msg(rc == 0, "parse %s: %s", text, e.msg);
  return o;
}

/* Parses and writes back compactly. */
static char *round_trip(const char *text)
{
  struct json_object *o = parse_ok(text);
  char *s = write_json(o, 0);
  json_object_put(o);
  return s;
}

#define ck_assert_round_trip(text, want)                                       \
  do {                                                                         \
    char *got_ = round_trip(text);                                             \
    ck_assert_str_eq(got_, want);                                              \
    free(got_);                                                                \
  } while (0)

static const char *parse_error(const char *text, size_t n, int *rc)
{
  static struct err e;
  struct json_object *o = (struct json_object *)1;
  err_clear(&e);
  *rc = kjson_parse(text, n, "t.json", &o, &e);
  ck_assert_ptr_null(o);
  return e.msg;
}

#define ck_assert_parse_error(text, want)                                      \
  do {                                                                         \
    int rc_;                                                                   \
    const char *msg_ = parse_error(text, strlen(text), &rc_);                  \
    ck_assert_int_lt(rc_, 0);                                                  \
    ck_assert_str_eq(msg_, want);                                              \
  } while (0)

/* ---- writing ---- */

START_TEST(keys_sorted_bytewise)
{
  struct json_object *o = json_object_new_object();
  const char *keys[] = {"b", "a", "B", "_", "\xc3\xa9", "a1", "a10", "a9"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    json_object_object_add(o, keys[i], json_object_new_int((int)i));
  char *s = write_json(o, 0);
  ck_assert_str_eq(s, "{\"B\":2,\"_\":3,\"a\":1,\"a1\":5,\"a10\":6,\"a9\":7,"
                      "\"b\":0,\"\xc3\xa9\":4}");
  free(s);
  json_object_put(o);
}
END_TEST

START_TEST(strings_escaped_as_go)
{
  const char raw[] = "\"\\\n\r\t\b\f\x01\x1f<>&\xe2\x80\xa8\xe2\x80\xa9 "
                     "\xc3\xa9 \xf0\x9f\x98\x80 \x7f/";
  struct json_object *o = json_object_new_string(raw);
  char *s = write_json(o, 0);
  ck_assert_str_eq(s,
                   "\"\\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u001f\\u003c\\u003e"
                   "\\u0026\\u2028\\u2029 \xc3\xa9 \xf0\x9f\x98\x80 \x7f/\"");
  free(s);
  s = write_json(o, KJSON_NO_HTML_ESCAPE);
  ck_assert_ptr_nonnull(strstr(s, "<>&"));
  free(s);
  json_object_put(o);
}
END_TEST

START_TEST(invalid_utf8_becomes_replacement_per_byte)
{
  /* a, a bad byte, b, a cut 3-byte sequence, an overlong '/', a
   * surrogate, and a code point past U+10FFFF. */
  const char raw[] = "a\xff"
                     "b\xe2\x82"
                     "\xc0\xaf"
                     "\xed\xa0\x80"
                     "\xf4\x90\x80\x80";
  struct json_object *o = json_object_new_string_len(raw, sizeof raw - 1);
  char *s = write_json(o, 0);
  ck_assert_str_eq(s, "\"a\\ufffdb\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"
                      "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
  free(s);
  json_object_put(o);
}
END_TEST

START_TEST(nul_bytes_are_escaped)
{
  struct json_object *o = json_object_new_string_len("a\0b", 3);
  char *s = write_json(o, 0);
  ck_assert_str_eq(s, "\"a\\u0000b\"");
  free(s);
  json_object_put(o);
}
END_TEST

START_TEST(indent_is_marshal_indent)
{
  struct json_object *o = parse_ok("{\"b\":{},\"a\":[1,[],{\"x\":null}],"
                                   "\"c\":\"s\"}");
  char *s = write_json(o, KJSON_INDENT);
  ck_assert_str_eq(s, "{\n"
                      "  \"a\": [\n"
                      "    1,\n"
                      "    [],\n"
                      "    {\n"
                      "      \"x\": null\n"
                      "    }\n"
                      "  ],\n"
                      "  \"b\": {},\n"
                      "  \"c\": \"s\"\n"
                      "}");
  free(s);
  json_object_put(o);
}
END_TEST

START_TEST(scalars_and_empties)
{
  char *s = write_json(NULL, 0);
  ck_assert_str_eq(s, "null");
  free(s);
  ck_assert_round_trip("[true,false,null,{},[],\"\"]",
                       "[true,false,null,{},[],\"\"]");
  struct json_object *e = json_object_new_object();
  s = write_json(e, KJSON_INDENT);
  ck_assert_str_eq(s, "{}");
  free(s);
  json_object_put(e);
}
END_TEST

START_TEST(numbers_as_go_prints_them)
{
  struct json_object *a = json_object_new_array();
  json_object_array_add(a, json_object_new_int64(INT64_MIN));
  json_object_array_add(a, json_object_new_int64(INT64_MAX));
  json_object_array_add(a, json_object_new_uint64(UINT64_MAX));
  json_object_array_add(a, json_object_new_double(1.0));
  json_object_array_add(a, json_object_new_double(1e21));
  json_object_array_add(a, json_object_new_double(1e-7));
  json_object_array_add(a, json_object_new_double(0.1));
  json_object_array_add(a, json_object_new_double(-0.0));
  json_object_array_add(a, json_object_new_double(1e6));
  char *s = write_json(a, 0);
  ck_assert_str_eq(s, "[-9223372036854775808,9223372036854775807,"
                      "18446744073709551615,1,1e+21,1e-7,0.1,-0,1000000]");
  free(s);
  json_object_put(a);
  char num[64];
  kjson_format_double(num, sizeof num, 1.5e300);
  ck_assert_str_eq(num, "1.5e+300");
}
END_TEST

START_TEST(nan_and_inf_are_errors)
{
  struct json_object *o = json_object_new_object();
  json_object_object_add(o, "x", json_object_new_double(NAN));
  struct buf b;
  struct err e;
  buf_init(&b, 0);
  err_clear(&e);
  ck_assert_int_eq(kjson_write(&b, o, 0, &e), -EINVAL);
  ck_assert_str_eq(e.msg, "json: unsupported value: NaN");
  json_object_put(o);
  o = json_object_new_double(-INFINITY);
  ck_assert_int_eq(kjson_write(&b, o, 0, &e), -EINVAL);
  ck_assert_str_eq(e.msg, "json: unsupported value: -Inf");
  json_object_put(o);
  buf_free(&b);
}
END_TEST

static struct json_object *nested_arrays(int depth)
{
  struct json_object *o = json_object_new_array();
  for (int i = 1; i < depth; i++) {
    struct json_object *outer = json_object_new_array();
    json_object_array_add(outer, o);
    o = outer;
  }
  return o;
}

START_TEST(write_depth_is_bounded)
{
  struct json_object *ok = nested_arrays(KJSON_MAX_DEPTH);
  char *s = write_json(ok, 0);
  ck_assert_uint_eq(strlen(s), 2 * KJSON_MAX_DEPTH);
  free(s);
  json_object_put(ok);
  struct json_object *deep = nested_arrays(KJSON_MAX_DEPTH + 2);
  struct buf b;
  struct err e;
  buf_init(&b, 0);
  err_clear(&e);
  ck_assert_int_eq(kjson_write(&b, deep, 0, &e), -ELOOP);
  ck_assert_str_eq(e.msg, "json: nesting deeper than 1000 levels");
  buf_free(&b);
  json_object_put(deep);
}
END_TEST

START_TEST(write_respects_buffer_ceiling)
{
  struct json_object *o = json_object_new_string("0123456789abcdef");
  struct buf b;
  struct err e;
  buf_init(&b, 10);
  err_clear(&e);
  ck_assert_int_eq(kjson_write(&b, o, 0, &e), -E2BIG);
  ck_assert_str_eq(e.msg, "json: output larger than 10 bytes");
  buf_free(&b);
  json_object_put(o);
}
END_TEST

/* ---- reading ---- */

START_TEST(parse_values_and_types)
{
  struct json_object *o =
      parse_ok(" {\"i\": 42, \"n\": -0, \"d\": 1.0, "
               "\"e\": 1E+2, \"big\": 9223372036854775808,"
               " \"s\": \"x\", \"t\": true, \"z\": null}\n");
  struct json_object *v;
  ck_assert(json_object_object_get_ex(o, "i", &v) &&
            json_object_is_type(v, json_type_int));
  ck_assert(json_object_object_get_ex(o, "n", &v) &&
            json_object_is_type(v, json_type_int));
  ck_assert(json_object_object_get_ex(o, "d", &v) &&
            json_object_is_type(v, json_type_double));
  ck_assert(json_object_object_get_ex(o, "e", &v) &&
            json_object_get_double(v) == 100);
  /* Beyond int64: a double, as Unstructured and interface{} read it. */
  ck_assert(json_object_object_get_ex(o, "big", &v) &&
            json_object_is_type(v, json_type_double));
  ck_assert(json_object_object_get_ex(o, "z", &v) && v == NULL);
  json_object_put(o);
}
END_TEST

START_TEST(parse_numbers_at_the_end_of_the_text)
{
  ck_assert_round_trip("5", "5");
  ck_assert_round_trip("-0", "0");
  ck_assert_round_trip("1.0", "1");
  ck_assert_round_trip("1e2", "100");
  ck_assert_round_trip("true", "true");
  ck_assert_round_trip("null", "null");
  ck_assert_round_trip("123456789012345678901234567890",
                       "1.2345678901234568e+29");
  ck_assert_round_trip("18446744073709551615", "18446744073709552000");
}
END_TEST

START_TEST(parse_strings)
{
  ck_assert_round_trip("\"\\ud83d\\ude00 \\u00e9 \\/ \\b\\f\\n\\r\\t\"",
                       "\"\xf0\x9f\x98\x80 \xc3\xa9 / \\b\\f\\n\\r\\t\"");
  /* A lone surrogate and invalid UTF-8 read as U+FFFD, as in Go. */
  ck_assert_round_trip("\"\\ud83d x\"", "\"\xef\xbf\xbd x\"");
  ck_assert_round_trip("\"a\xff\"", "\"a\xef\xbf\xbd\"");
  ck_assert_round_trip("\"\\u0000\"", "\"\\u0000\"");
  ck_assert_round_trip("{\"a\":1,\"a\":2}", "{\"a\":2}");
}
END_TEST

START_TEST(parse_errors_name_the_place)
{
  ck_assert_parse_error("{\"a\":\n  [1,\n  x]}",
                        "t.json:3:3: invalid JSON: invalid character 'x' "
                        "looking for beginning of value");
  ck_assert_parse_error("[1,]", "t.json:1:4: invalid JSON: invalid character "
                                "']' looking for beginning of value");
  ck_assert_parse_error("{'a':1}", "t.json:1:2: invalid JSON: invalid "
                                   "character ''' looking for beginning of "
                                   "object key string");
  ck_assert_parse_error("{\"a\" 1}", "t.json:1:6: invalid JSON: invalid "
                                     "character '1' after object key");
  ck_assert_parse_error("{\"a\":1 \"b\":2}",
                        "t.json:1:8: invalid JSON: invalid character '\"' "
                        "after object key:value pair");
  ck_assert_parse_error("[1 2]", "t.json:1:4: invalid JSON: invalid character "
                                 "'2' after array element");
  ck_assert_parse_error("\"a\tb\"", "t.json:1:3: invalid JSON: invalid "
                                    "character 0x09 in string literal");
  ck_assert_parse_error("\"\\q\"", "t.json:1:3: invalid JSON: invalid "
                                   "character 'q' in string escape code");
  ck_assert_parse_error("01", "t.json:1:2: invalid JSON: invalid character "
                              "'1' after top-level value");
  ck_assert_parse_error("1.", "t.json: unexpected end of JSON input");
  ck_assert_parse_error("-", "t.json: unexpected end of JSON input");
  ck_assert_parse_error("1e400", "t.json:1:1: invalid JSON: number 1e400 is "
                                 "out of range");
  ck_assert_parse_error("NaN", "t.json:1:1: invalid JSON: invalid character "
                               "'N' looking for beginning of value");
  ck_assert_parse_error("tru", "t.json:1:1: invalid JSON: invalid character "
                               "'t' looking for beginning of value");
  ck_assert_parse_error("", "t.json: unexpected end of JSON input");
  ck_assert_parse_error("  \n", "t.json: unexpected end of JSON input");
  ck_assert_parse_error("[", "t.json: unexpected end of JSON input");
  ck_assert_parse_error("\"abc", "t.json: unexpected end of JSON input");
  ck_assert_parse_error("{} {}", "t.json:1:4: invalid JSON: invalid "
                                 "character '{' after top-level value");
  ck_assert_parse_error("\xef\xbb\xbf{}", "t.json:1:1: invalid JSON: invalid "
                                          "character 0xef looking for "
                                          "beginning of value");
  ck_assert_parse_error("{\"a\\u0000b\":1}",
                        "t.json: invalid JSON: an object key holds \\u0000, "
                        "which we cannot keep");
}
END_TEST

START_TEST(parse_reads_only_n_bytes)
{
  struct json_object *o = NULL;
  struct err e;
  ck_assert_int_eq(kjson_parse("[1,2]garbage", 5, "t", &o, &e), 0);
  ck_assert_uint_eq(json_object_array_length(o), 2);
  json_object_put(o);
}
END_TEST

static char *brackets(int depth)
{
  char *s = malloc(2 * (size_t)depth + 1);
  memset(s, '[', (size_t)depth);
  memset(s + depth, ']', (size_t)depth);
  s[2 * depth] = '\0';
  return s;
}

START_TEST(parse_depth_is_bounded)
{
  char *ok = brackets(KJSON_MAX_DEPTH);
  struct json_object *o = parse_ok(ok);
  json_object_put(o);
  free(ok);
  char *deep = brackets(100000);
  int rc;
  const char *msg = parse_error(deep, strlen(deep), &rc);
  ck_assert_int_eq(rc, -ELOOP);
  ck_assert_str_eq(msg, "t.json: invalid JSON: nesting deeper than 1000 "
                        "levels");
  free(deep);
}
END_TEST

START_TEST(utf8_decode_as_go)
{
  uint32_t cp;
  ck_assert_uint_eq(kjson_utf8_decode("a", 1, &cp), 1);
  ck_assert_uint_eq(cp, 'a');
  ck_assert_uint_eq(kjson_utf8_decode("\xc3\xa9", 2, &cp), 2);
  ck_assert_uint_eq(cp, 0xe9);
  ck_assert_uint_eq(kjson_utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
  ck_assert_uint_eq(cp, 0x1f600);
  ck_assert_uint_eq(kjson_utf8_decode("\xe2\x82\xac", 2, &cp), 0); /* cut */
  ck_assert_uint_eq(kjson_utf8_decode("\xc0\x80", 2, &cp), 0); /* overlong */
  ck_assert_uint_eq(kjson_utf8_decode("\xed\xb0\x80", 3, &cp), 0);
  ck_assert_uint_eq(kjson_utf8_decode("\xf4\x90\x80\x80", 4, &cp), 0);
  ck_assert_uint_eq(kjson_utf8_decode("\x80", 1, &cp), 0);
  ck_assert_uint_eq(kjson_utf8_decode("\xff", 1, &cp), 0);
}
END_TEST

Suite *kjson_suite(void)
{
  Suite *s = suite_create("kjson");
  TCase *tw = tcase_create("write");
  tcase_add_test(tw, keys_sorted_bytewise);
  tcase_add_test(tw, strings_escaped_as_go);
  tcase_add_test(tw, invalid_utf8_becomes_replacement_per_byte);
  tcase_add_test(tw, nul_bytes_are_escaped);
  tcase_add_test(tw, indent_is_marshal_indent);
  tcase_add_test(tw, scalars_and_empties);
  tcase_add_test(tw, numbers_as_go_prints_them);
  tcase_add_test(tw, nan_and_inf_are_errors);
  tcase_add_test(tw, write_depth_is_bounded);
  tcase_add_test(tw, write_respects_buffer_ceiling);
  suite_add_tcase(s, tw);
  TCase *tr = tcase_create("read");
  tcase_add_test(tr, parse_values_and_types);
  tcase_add_test(tr, parse_numbers_at_the_end_of_the_text);
  tcase_add_test(tr, parse_strings);
  tcase_add_test(tr, parse_errors_name_the_place);
  tcase_add_test(tr, parse_reads_only_n_bytes);
  tcase_add_test(tr, parse_depth_is_bounded);
  tcase_add_test(tr, utf8_decode_as_go);
  suite_add_tcase(s, tr);
  return s;
}
