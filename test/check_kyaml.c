/* kyaml: YAML read as Kubernetes tools read it (sigs.k8s.io/yaml over
 * go-yaml v2), through the API and through `iop yaml` as a user runs it.
 *
 * Values are shown in a typed JSON form: doubles carry an "f" (1000f,
 * 0.5f), ints do not, so the Unstructured and Helm number modes can be
 * told apart. */
#include "kjson.h"
#include "kyaml.h"
#include "testutil.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

static void dump(struct buf *b, struct json_object *o);

static int key_cmp(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void dump_string(struct buf *b, const char *s, size_t n)
{
  struct json_object *str = json_object_new_string_len(s, (int)n);
  kjson_write(b, str, KJSON_NO_HTML_ESCAPE, NULL);
  json_object_put(str);
}

static void dump_object(struct buf *b, struct json_object *o)
{
  size_t n = (size_t)json_object_object_length(o), i = 0;
  const char **keys = malloc((n + 1) * sizeof *keys);
  json_object_object_foreach (o, k, v) {
    (void)v;
    keys[i++] = k;
  }
  qsort(keys, n, sizeof *keys, key_cmp);
  buf_putc(b, '{');
  for (i = 0; i < n; i++) {
    if (i)
      buf_putc(b, ',');
    dump_string(b, keys[i], strlen(keys[i]));
    buf_putc(b, ':');
    dump(b, json_object_object_get(o, keys[i]));
  }
  buf_putc(b, '}');
  free(keys);
}

static void dump(struct buf *b, struct json_object *o)
{
  char num[64];
  switch (json_object_get_type(o)) {
  case json_type_null:
    buf_puts(b, "null");
    break;
  case json_type_boolean:
    buf_puts(b, json_object_get_boolean(o) ? "true" : "false");
    break;
  case json_type_int:
    buf_printf(b, "%lld", (long long)json_object_get_int64(o));
    break;
  case json_type_double:
    kjson_format_double(num, sizeof num, json_object_get_double(o));
    buf_printf(b, "%sf", num);
    break;
  case json_type_string:
    dump_string(b, json_object_get_string(o),
                (size_t)json_object_get_string_len(o));
    break;
  case json_type_array:
    buf_putc(b, '[');
    for (size_t i = 0; i < json_object_array_length(o); i++) {
      if (i)
        buf_putc(b, ',');
      dump(b, json_object_array_get_idx(o, i));
    }
    buf_putc(b, ']');
    break;
  case json_type_object:
    dump_object(b, o);
    break;
  }
}

static char *typed(struct json_object *o)
{
  struct buf b;
  buf_init(&b, 0);
  dump(&b, o);
  return buf_take(&b);
}

/* Parses one document in a number mode; the typed form, or "ERROR: msg". */
static char *read_mode(const char *text, enum kyaml_numbers mode)
{
  struct json_object *o = NULL;
  struct err e;
  struct kyaml_opts opts = {.name = "t.yaml", .numbers = mode};
  err_clear(&e);
  if (kyaml_parse(text, strlen(text), &opts, &o, &e) != 0) {
    char *msg = malloc(strlen(e.msg) + 8);
    sprintf(msg, "ERROR: %s", e.msg);
    return msg;
  }
  char *s = typed(o);
  json_object_put(o);
  return s;
}

#define ck_read(mode, text, want)                                              \
  do {                                                                         \
    char *got_ = read_mode(text, mode);                                        \
    ck_assert_msg(strcmp(got_, want) == 0, "%s\n got: %s\nwant: %s", text,     \
                  got_, want);                                                 \
    free(got_);                                                                \
  } while (0)

/* Unstructured (objects, kubectl) and float (Helm values) modes. */
#define ck_obj(text, want) ck_read(KYAML_NUMBERS_UNSTRUCTURED, text, want)
#define ck_val(text, want) ck_read(KYAML_NUMBERS_FLOAT, text, want)

/* ---- YAML 1.1 scalars ---- */

START_TEST(booleans_of_yaml_1_1)
{
  ck_obj("[y, Y, yes, Yes, YES, on, On, ON, true, True, TRUE]",
         "[true,true,true,true,true,true,true,true,true,true,true]");
  ck_obj("[n, N, no, No, NO, off, Off, OFF, false, False, FALSE]",
         "[false,false,false,false,false,false,false,false,false,false,false]");
  ck_obj("[yEs, tRUE, oN, 'yes', \"on\", yes please]",
         "[\"yEs\",\"tRUE\",\"oN\",\"yes\",\"on\",\"yes please\"]");
}
END_TEST

START_TEST(nulls_of_yaml_1_1)
{
  ck_obj("a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: nULL\ng: '~'\n",
         "{\"a\":null,\"b\":null,\"c\":null,\"d\":null,\"e\":null,"
         "\"f\":\"nULL\",\"g\":\"~\"}");
  ck_obj("", "null");
  ck_obj("# only a comment\n", "null");
  ck_obj("~", "null");
}
END_TEST

START_TEST(integers_in_every_base)
{
  ck_obj("[0777, 0x1F, 0o17, 0b101, -0b1, 1_000, +5, -0, 0x_1F, 0_1]",
         "[511,31,15,5,-1,1000,5,0,31,1]");
  ck_val("[0777, 0x1F, 0o17, 0b101, -0b1, 1_000, +5]",
         "[511f,31f,15f,5f,-1f,1000f,5f]");
  /* Not integers: left as strings or read as floats. */
  ck_obj("[08, 09.5, 0x, 0b, 0b2, 1__0, _1, 0x1p3]",
         "[8,9.5f,\"0x\",\"0b\",\"0b2\",10,\"_1\",\"0x1p3\"]");
}
END_TEST

START_TEST(integers_beyond_int64)
{
  /* int64 stays an int; uint64 and beyond become floats, as the JSON
   * step reads them back. */
  ck_obj("[9223372036854775807, 9223372036854775808, "
         "18446744073709551615, 18446744073709551616, -9223372036854775808, "
         "-9223372036854775809, 0xffffffffffffffff, "
         "0b1111111111111111111111111111111111111111111111111111111111111111]",
         "[9223372036854775807,9223372036854776000f,18446744073709552000f,"
         "18446744073709552000f,-9223372036854775808,-9223372036854776000f,"
         "18446744073709552000f,18446744073709552000f]");
}
END_TEST

START_TEST(floats_and_integral_floats)
{
  ck_obj("[1e3, .5, 1.0, 1.5, 1., 0., +.5, -1.5e-3, 1e21, 12e03, 1_0.5, .5_5]",
         "[1000,0.5f,1,1.5f,1,0,0.5f,-0.0015f,1e+21f,12000,10.5f,0.55f]");
  ck_val("[1e3, 1.0, 1e21, 1e-7]", "[1000f,1f,1e+21f,1e-7f]");
  /* past 2^53 JSON prints a double's shortest digits, not its value */
  ck_obj("[1152921504606846976.0, 9007199254740991.0, -0.0, 1e19]",
         "[1152921504606847000,9007199254740991,0,10000000000000000000f]");
  ck_obj("[1e, 1e400, ..5, -.inf1, .5e]",
         "[\"1e\",\"1e400\",\"..5\",\"-.inf1\",\".5e\"]");
}
END_TEST

START_TEST(inf_and_nan_are_clear_errors)
{
  ck_obj("a: .inf", "ERROR: t.yaml:1:4: .inf is not a number JSON can hold "
                    "(quote it to keep it as a string)");
  ck_obj("- -.Inf", "ERROR: t.yaml:1:3: -.Inf is not a number JSON can hold "
                    "(quote it to keep it as a string)");
  ck_val("x: .NaN", "ERROR: t.yaml:1:4: .NaN is not a number JSON can hold "
                    "(quote it to keep it as a string)");
  ck_obj("a: '.inf'\nb: .infinity", "{\"a\":\".inf\",\"b\":\".infinity\"}");
}
END_TEST

START_TEST(timestamps_stay_strings)
{
  ck_obj("[2001-12-14, 2001-12-14t21:59:43.10-05:00, 2001-12-14 21:59:43.10, "
         "2002-12-14T21:59:43Z, 2001-1-2, 2001-13-14, 2001-02-29]",
         "[\"2001-12-14\",\"2001-12-14t21:59:43.10-05:00\","
         "\"2001-12-14 21:59:43.10\",\"2002-12-14T21:59:43Z\",\"2001-1-2\","
         "\"2001-13-14\",\"2001-02-29\"]");
  struct kyaml_scalar sc;
  ck_assert_int_eq(kyaml_resolve("2000-02-29", 10, &sc), KYAML_TAG_TIMESTAMP);
  ck_assert_int_eq(kyaml_resolve("2001-02-29", 10, &sc), KYAML_TAG_STR);
  ck_assert_int_eq(kyaml_resolve("2001-12-14T21:59:43.10+25:00", 28, &sc),
                   KYAML_TAG_STR);
  ck_assert_int_eq(kyaml_resolve("2001-12-14T21:59:43.10+24:61", 28, &sc),
                   KYAML_TAG_STR);
  ck_assert_int_eq(kyaml_resolve("2001-12-14T21:59:43.10+24:60", 28, &sc),
                   KYAML_TAG_TIMESTAMP);
  ck_assert_int_eq(kyaml_resolve("2001-12-14 1:2:3", 16, &sc),
                   KYAML_TAG_TIMESTAMP);
}
END_TEST

START_TEST(resolve_api)
{
  struct kyaml_scalar sc;
  ck_assert_int_eq(kyaml_resolve("<<", 2, &sc), KYAML_TAG_MERGE);
  ck_assert_int_eq(kyaml_resolve("", 0, &sc), KYAML_TAG_NULL);
  ck_assert_int_eq(kyaml_resolve("yes", 3, &sc), KYAML_TAG_BOOL);
  ck_assert_int_eq(sc.b, 1);
  ck_assert_int_eq(kyaml_resolve("0x1F", 4, &sc), KYAML_TAG_INT);
  ck_assert_int_eq(sc.i, 31);
  ck_assert_int_eq(kyaml_resolve("18446744073709551615", 20, &sc),
                   KYAML_TAG_UINT);
  ck_assert(sc.u == UINT64_MAX);
  ck_assert_int_eq(kyaml_resolve(".5", 2, &sc), KYAML_TAG_FLOAT);
  ck_assert_int_eq(kyaml_resolve("-.inf", 5, &sc), KYAML_TAG_FLOAT);
  ck_assert_int_eq(kyaml_resolve("\0abc", 4, &sc), KYAML_TAG_STR);
  ck_assert_int_eq(kyaml_resolve("12", 1, &sc), KYAML_TAG_INT);
  ck_assert_int_eq(sc.i, 1);
  ck_assert(kyaml_is_base60_float("1:20", 4));
  ck_assert(kyaml_is_base60_float("-190:20:30.15", 13));
  ck_assert(!kyaml_is_base60_float("1:60", 4));
  ck_assert(!kyaml_is_base60_float("1:2:", 4));
  ck_assert(!kyaml_is_base60_float("a:20", 4));
  ck_obj("[1:20, 190:20:30]", "[\"1:20\",\"190:20:30\"]");
}
END_TEST

/* ---- tags ---- */

START_TEST(explicit_tags)
{
  ck_obj("[!!str 123, !!str true, !!int \"0x1F\", !!float 1, !!float 1.5, "
         "!!bool yes, !!null ~, !!timestamp 2001-01-01, !!merge x, !foo 12, "
         "! 12, !!str ]",
         "[\"123\",\"true\",31,1,1.5f,true,null,\"2001-01-01\",\"x\","
         "\"12\",\"12\",\"\"]");
  ck_val("[!!float 1, !!int 2]", "[1f,2f]");
  ck_obj("a: !!int abc", "ERROR: t.yaml:1:4: cannot decode `abc` as a !!int");
  ck_obj("a: !!int 1.5", "ERROR: t.yaml:1:4: cannot decode `1.5` as a !!int");
  ck_obj("a: !!null x", "ERROR: t.yaml:1:4: cannot decode `x` as a !!null");
  ck_obj("a: !!float 18446744073709551615",
         "ERROR: t.yaml:1:4: cannot decode `18446744073709551615` as a "
         "!!float");
  ck_obj("a: !!timestamp x",
         "ERROR: t.yaml:1:4: cannot decode `x` as a !!timestamp");
}
END_TEST

START_TEST(binary_tag)
{
  ck_obj("a: !!binary aGVsbG8=\nb: !!binary |\n  aGVs\n  bG8=\n"
         "c: !!binary \"\"\n",
         "{\"a\":\"hello\",\"b\":\"hello\",\"c\":\"\"}");
  /* Bytes that are not UTF-8 come out as U+FFFD, as after JSON. */
  ck_obj("a: !!binary /w==", "{\"a\":\"\xef\xbf\xbd\"}");
  ck_obj("!!binary aGk=: 1", "{\"hi\":1}");
  static const char *const bad[] = {
      "a: !!binary aGVsbG8", "a: !!binary \"aGVs bG8=\"",
      "a: !!binary aGVsbG8=aGk=", "a: !!binary ====", "a: !!binary a*=="};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_obj(bad[i], "ERROR: t.yaml:1:4: !!binary value contains invalid "
                   "base64 data");
}
END_TEST

/* ---- merges, anchors, aliases ---- */

START_TEST(merge_keys)
{
  const char *base = "base: &b {a: 1, b: 2}\n";
  char text[512];
  snprintf(text, sizeof text, "%sx:\n  <<: *b\n  c: 3\n", base);
  ck_obj(text, "{\"base\":{\"a\":1,\"b\":2},\"x\":{\"a\":1,\"b\":2,\"c\":3}}");
  /* Position decides, as go-yaml merges into the map being built: a key
   * before the merge is overwritten, a key after it wins. */
  snprintf(text, sizeof text, "%sx:\n  a: 9\n  <<: *b\nz:\n  <<: *b\n  a: 9\n",
           base);
  ck_obj(text, "{\"base\":{\"a\":1,\"b\":2},\"x\":{\"a\":1,\"b\":2},"
               "\"z\":{\"a\":9,\"b\":2}}");
}
END_TEST

START_TEST(merge_sequences_earlier_wins)
{
  ck_obj("p: &p {a: 1, b: 1}\nq: &q {b: 2, c: 2}\nx:\n  <<: [*p, *q]\n"
         "w:\n  <<: [*q, *p]\nz:\n  <<: [{a: 5}, *q]\n  c: 7\n",
         "{\"p\":{\"a\":1,\"b\":1},\"q\":{\"b\":2,\"c\":2},"
         "\"w\":{\"a\":1,\"b\":2,\"c\":2},\"x\":{\"a\":1,\"b\":1,\"c\":2},"
         "\"z\":{\"a\":5,\"b\":2,\"c\":7}}");
}
END_TEST

START_TEST(merge_key_forms)
{
  ck_obj("x:\n  \"<<\": {a: 1}\n", "{\"x\":{\"<<\":{\"a\":1}}}");
  ck_obj("x:\n  !!merge <<: {a: 1}\n", "{\"x\":{\"a\":1}}");
  ck_obj("x:\n  ! <<: {a: 1}\n", "{\"x\":{\"a\":1}}");
  ck_obj("x: <<\n", "{\"x\":\"<<\"}");
  ck_obj("x:\n  <<: {a: {<<: {b: 1}}}\n", "{\"x\":{\"a\":{\"b\":1}}}");
  ck_obj("x:\n  <<: 1\n", "ERROR: t.yaml:2:7: map merge requires map or "
                          "sequence of maps as the value");
  ck_obj("x:\n  <<: [{a: 1}, 2]\n", "ERROR: t.yaml:2:7: map merge requires "
                                    "map or sequence of maps as the value");
  ck_obj("x:\n  <<:\n", "ERROR: t.yaml:2:6: map merge requires map or "
                        "sequence of maps as the value");
}
END_TEST

START_TEST(anchors_and_aliases)
{
  ck_obj("a: &s hello\nb: *s\nc: &l [1, 2]\nd: *l\ne: &m {k: v}\nf: *m\n",
         "{\"a\":\"hello\",\"b\":\"hello\",\"c\":[1,2],\"d\":[1,2],"
         "\"e\":{\"k\":\"v\"},\"f\":{\"k\":\"v\"}}");
  ck_obj("a: &n\nb: *n\n", "{\"a\":null,\"b\":null}");
  /* An alias is a copy: the trees do not share nodes. */
  struct json_object *o = NULL;
  struct err e;
  const char *text = "a: &m {k: v}\nb: *m\n";
  ck_assert_int_eq(kyaml_parse(text, strlen(text), NULL, &o, &e), 0);
  ck_assert_ptr_ne(json_object_object_get(o, "a"),
                   json_object_object_get(o, "b"));
  json_object_put(o);
}
END_TEST

START_TEST(anchor_redefined_inside_its_node)
{
  /* go-yaml registers an anchor when its node starts: the inner &x,
   * registered later, is the one *x means afterwards. */
  ck_obj("a: &x [&x 1, 2]\nb: *x\n", "{\"a\":[1,2],\"b\":1}");
  ck_obj("a: &x 1\nb: &x 2\nc: *x\n", "{\"a\":1,\"b\":2,\"c\":2}");
}
END_TEST

START_TEST(alias_errors)
{
  ck_obj("a: *nope\n", "ERROR: t.yaml:1:4: unknown anchor 'nope' referenced");
  ck_obj("a: &x [*x]\n", "ERROR: t.yaml:1:8: anchor 'x' value contains itself");
  ck_obj("a: &x {b: *x}\n",
         "ERROR: t.yaml:1:11: anchor 'x' value contains itself");
  ck_obj("a: *x\nb: &x 1\n", "ERROR: t.yaml:1:4: unknown anchor 'x' "
                             "referenced");
}
END_TEST

START_TEST(aliases_as_keys)
{
  ck_obj("a: &k name\n*k : 1\n", "{\"a\":\"name\",\"name\":1}");
  ck_obj("a: &k 12\n*k : 1\n", "{\"12\":1,\"a\":12}");
  ck_obj("&k x: 1\nz: *k\n", "{\"x\":1,\"z\":\"x\"}");
  ck_obj("a: &k [1]\n*k : 1\n", "ERROR: t.yaml:2:1: a sequence cannot be a "
                                "map key (JSON keys are strings)");
  ck_obj("a: &k\n*k : 1\n", "ERROR: t.yaml:2:1: a null key (empty) cannot be "
                            "a JSON object key; quote it to make it a string");
}
END_TEST

/* The classic "billion laughs": ten levels of ten aliases each. */
static char *laughs(void)
{
  struct buf b;
  buf_init(&b, 0);
  buf_puts(&b, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
  for (int i = 1; i < 10; i++) {
    buf_printf(&b, "a%d: &a%d [", i, i);
    for (int k = 0; k < 10; k++)
      buf_printf(&b, "%s*a%d", k ? ", " : "", i - 1);
    buf_puts(&b, "]\n");
  }
  return buf_take(&b);
}

START_TEST(billion_laughs_fails_early)
{
  char *text = laughs();
  char *got = read_mode(text, KYAML_NUMBERS_UNSTRUCTURED);
  ck_assert_msg(strstr(got, "ERROR: t.yaml:4:") == got &&
                    strstr(got, "document contains excessive aliasing"),
                "got %s", got);
  free(got);
  free(text);
}
END_TEST

START_TEST(map_bomb_fails_early)
{
  struct buf b;
  buf_init(&b, 0);
  buf_puts(&b, "m0: &m0 {k: v}\n");
  for (int i = 1; i < 40; i++)
    buf_printf(&b, "m%d: &m%d {x: *m%d, y: *m%d}\n", i, i, i - 1, i - 1);
  char *got = read_mode(b.data, KYAML_NUMBERS_UNSTRUCTURED);
  ck_assert_msg(strstr(got, "document contains excessive aliasing"), "got %s",
                got);
  free(got);
  buf_free(&b);
}
END_TEST

START_TEST(moderate_aliasing_is_fine)
{
  /* 100 uses of a 10-node map: what real values files do. */
  struct buf b;
  buf_init(&b, 0);
  buf_puts(&b, "d: &d {a: 1, b: 2, c: 3, e: 4, f: 5}\nl:\n");
  for (int i = 0; i < 100; i++)
    buf_puts(&b, "- *d\n");
  char *got = read_mode(b.data, KYAML_NUMBERS_UNSTRUCTURED);
  ck_assert_msg(strncmp(got, "ERROR", 5) != 0, "got %s", got);
  free(got);
  buf_free(&b);
}
END_TEST

START_TEST(aliases_cannot_nest_past_the_depth_limit)
{
  struct buf b;
  buf_init(&b, 0);
  buf_puts(&b, "a: &a ");
  for (int i = 0; i < 600; i++)
    buf_putc(&b, '[');
  for (int i = 0; i < 600; i++)
    buf_putc(&b, ']');
  buf_puts(&b, "\nb: [[[[*a]]]]\nc: ");
  for (int i = 0; i < 500; i++)
    buf_putc(&b, '[');
  buf_puts(&b, "*a");
  for (int i = 0; i < 500; i++)
    buf_putc(&b, ']');
  buf_putc(&b, '\n');
  char *got = read_mode(b.data, KYAML_NUMBERS_UNSTRUCTURED);
  ck_assert_str_eq(got, "ERROR: t.yaml:3:504: alias *a nests the document "
                        "deeper than 1000 levels");
  free(got);
  buf_free(&b);
}
END_TEST

/* ---- keys ---- */

START_TEST(duplicate_keys_last_wins)
{
  ck_obj("a: 1\nb: 2\na: 3\n", "{\"a\":3,\"b\":2}");
  ck_obj("1: a\n\"1\": b\n", "{\"1\":\"b\"}");
  ck_obj("yes: a\ntrue: b\n", "{\"true\":\"b\"}");
}
END_TEST

START_TEST(non_string_keys_become_strings)
{
  ck_obj("1: a\n0x10: b\n-1: c\n1.5: d\n1e3: e\n3.14159265358979: f\n"
         "true: g\nno: h\n.inf: i\n-.inf: j\n.nan: k\n2001-12-14: l\n"
         "1.0: m\n0.1: o\n",
         "{\"-.inf\":\"j\",\"-1\":\"c\",\".inf\":\"i\",\".nan\":\"k\","
         "\"0.1\":\"o\",\"1\":\"m\",\"1.5\":\"d\",\"1000\":\"e\",\"16\":\"b\","
         "\"2001-12-14\":\"l\",\"3.1415927\":\"f\",\"false\":\"h\","
         "\"true\":\"g\"}");
}
END_TEST

START_TEST(keys_that_cannot_be_json_keys)
{
  ck_obj("~: 1\n", "ERROR: t.yaml:1:1: a null key (~) cannot be a JSON object "
                   "key; quote it to make it a string");
  ck_obj("?\n: 1\n", "ERROR: t.yaml:1:2: a null key (empty) cannot be a "
                     "JSON object key; quote it to make it a string");
  ck_obj("18446744073709551615: 1\n",
         "ERROR: t.yaml:1:1: the key 18446744073709551615 is above the int64 "
         "range, which sigs.k8s.io/yaml cannot turn into a JSON key; quote "
         "it");
  ck_obj("? [a]\n: 1\n", "ERROR: t.yaml:1:3: a sequence cannot be a map key "
                         "(JSON keys are strings)");
  ck_obj("{a: 1}: 1\n", "ERROR: t.yaml:1:1: a mapping cannot be a map key "
                        "(JSON keys are strings)");
  ck_obj("\"a\\0b\": 1\n", "ERROR: t.yaml:1:1: a map key holds a NUL "
                           "character (\\0), which we cannot keep");
}
END_TEST

/* ---- scalar styles ---- */

START_TEST(block_scalars_and_chomping)
{
  ck_obj(
      "a: |\n  x\n  y\n\n\nb: |-\n  x\n\nc: |+\n  x\n\n\nd: >\n  folded\n"
      "  line\n\n  para\ne: >-\n  x\n   more\nf: |2\n    two\ng: >+\n  k\n\n",
      "{\"a\":\"x\\ny\\n\",\"b\":\"x\",\"c\":\"x\\n\\n\\n\","
      "\"d\":\"folded line\\npara\\n\",\"e\":\"x\\n more\","
      "\"f\":\"  two\\n\",\"g\":\"k\\n\\n\"}");
}
END_TEST

START_TEST(flow_scalars_and_escapes)
{
  ck_obj("a: \"\\x41\\u00e9\\U0001F600\\t\\N\\_\\L\\P\\\\\\\"\\0\"\n"
         "b: 'it''s'\nc: plain\n  folded\nd: \"one\n\n  two\"\n",
         "{\"a\":\"A\xc3\xa9\xf0\x9f\x98\x80\\t\xc2\x85\xc2\xa0\\u2028"
         "\\u2029\\\\\\\"\\u0000\",\"b\":\"it's\",\"c\":\"plain folded\","
         "\"d\":\"one\\ntwo\"}");
}
END_TEST

/* ---- documents ---- */

struct docs {
  char text[4096];
  int lines[16];
  int count;
};

static int collect_cb(struct json_object *doc, int line, void *data)
{
  struct docs *d = data;
  char *s = typed(doc);
  size_t len = strlen(d->text);
  snprintf(d->text + len, sizeof d->text - len, "%s%s", d->count ? "|" : "", s);
  free(s);
  if (d->count < 16)
    d->lines[d->count] = line;
  d->count++;
  json_object_put(doc);
  return 0;
}

static char *read_all(const char *text, struct docs *d)
{
  struct kyaml_opts o = {.name = "m.yaml"};
  static struct err e;
  memset(d, 0, sizeof *d);
  err_clear(&e);
  int rc = kyaml_parse_each(text, strlen(text), &o, collect_cb, d, &e);
  return rc ? e.msg : NULL;
}

START_TEST(documents_split_on_dashes)
{
  struct docs d;
  ck_assert_ptr_null(read_all("a: 1\n---\nb: 2\n---\n\n---\n# note\n---\n"
                              "c: 3\n",
                              &d));
  ck_assert_str_eq(d.text, "{\"a\":1}|{\"b\":2}|{\"c\":3}");
  ck_assert_int_eq(d.count, 3);
  ck_assert_int_eq(d.lines[0], 1);
  ck_assert_int_eq(d.lines[1], 3);
  ck_assert_int_eq(d.lines[2], 9);
}
END_TEST

START_TEST(dashes_with_content)
{
  struct docs d;
  /* "--- x" starts a document holding x; "---x" is a separator line that
   * is dropped, as istioctl's splitter drops it. */
  ck_assert_ptr_null(read_all("--- |\n  text\n--- {a: 1}\n---x\nb: 2\n"
                              "--- # comment\nc: 3\n--- ~\n",
                              &d));
  ck_assert_str_eq(d.text, "\"text\\n\"|{\"a\":1}|{\"b\":2}|{\"c\":3}|null");
}
END_TEST

START_TEST(directives_belong_to_the_next_document)
{
  /* Helm reads these (it does not split values files); kubectl would split
   * the directive off and fail. */
  struct docs d;
  ck_assert_ptr_null(read_all("%YAML 1.1\n---\na: 1\n---\n# c\n"
                              "%TAG !e! tag:example.com,2000:\n---\n"
                              "b: !e!x 2\n",
                              &d));
  ck_assert_str_eq(d.text, "{\"a\":1}|{\"b\":\"2\"}");
  ck_assert_int_eq(d.lines[0], 1); /* a document starts at its directives */
  ck_assert_int_eq(d.lines[1], 6);
}
END_TEST

START_TEST(content_after_document_end_is_ignored)
{
  /* sigs.k8s.io/yaml reads the first document of each part (kubectl too):
   * what follows "..." is never parsed. */
  struct docs d;
  ck_assert_ptr_null(read_all("a: 1\n...\nb: [\n---\nc: 3\n", &d));
  ck_assert_str_eq(d.text, "{\"a\":1}|{\"c\":3}");
  ck_obj("a: 1\n...\nb: 2\n", "{\"a\":1}");
}
END_TEST

START_TEST(content_dedented_past_the_root_is_ignored)
{
  /* go-yaml ends the document when the root collection ends; Helm and
   * kubectl silently drop what follows. So do we. */
  ck_obj("\n  x: 1\n y: 2\n", "{\"x\":1}");
  ck_obj("  - a\n - b\n", "[\"a\"]");
}
END_TEST

START_TEST(errors_in_later_documents_name_their_line)
{
  struct docs d;
  const char *msg = read_all("a: 1\n---\nb: 2\n---\n# c\nc: [1,\n  2\n", &d);
  ck_assert_str_eq(msg, "m.yaml:8:1: expected ',' or ']' in the flow sequence "
                        "that starts at 6:4");
  ck_assert_int_eq(d.count, 2);
  msg = read_all("a: 1\n---\n\n  x: 1\n  y: [\n", &d);
  ck_assert_str_eq(msg, "m.yaml:6:1: expected a value");
  msg = read_all("a: 1\n---\nb: \"\xc3\xa9\t\n", &d);
  ck_assert_str_eq(msg, "m.yaml:4:1: unterminated quoted string: the quote "
                        "at 3:4 is never closed");
}
END_TEST

static int stop_cb(struct json_object *doc, int line, void *data)
{
  (void)line;
  json_object_put(doc);
  return ++*(int *)data == 2 ? -ECANCELED : 0;
}

START_TEST(callback_can_stop_the_walk)
{
  int seen = 0;
  struct err e;
  const char *text = "a: 1\n---\nb: 2\n---\nc: 3\n";
  ck_assert_int_eq(
      kyaml_parse_each(text, strlen(text), NULL, stop_cb, &seen, &e),
      -ECANCELED);
  ck_assert_int_eq(seen, 2);
}
END_TEST

START_TEST(parse_all_collects_non_null_documents)
{
  struct json_object *docs = NULL;
  struct err e;
  const char *text = "a: 1\n--- ~\n---\nb: 2\n";
  ck_assert_int_eq(kyaml_parse_all(text, strlen(text), NULL, &docs, &e), 0);
  ck_assert_uint_eq(json_object_array_length(docs), 2);
  json_object_put(docs);
  ck_assert_int_eq(kyaml_parse_all("a: [", 4, NULL, &docs, &e), -EINVAL);
  ck_assert_ptr_null(docs);
}
END_TEST

struct parts {
  char text[1024];
  int lines[16];
  int count;
};

static int part_cb(const char *part, size_t len, int line, void *data)
{
  struct parts *p = data;
  size_t at = strlen(p->text);
  snprintf(p->text + at, sizeof p->text - at, "[%.*s]", (int)len, part);
  p->lines[p->count++] = line;
  return 0;
}

START_TEST(split_as_istioctl_does)
{
  struct parts p = {{0}, {0}, 0};
  const char *text = "\n\na: 1\n---\n\n---x\n  b: 2  \n--- y\nc\n---";
  ck_assert_int_eq(kyaml_split(text, strlen(text), 1, part_cb, &p), 0);
  ck_assert_str_eq(p.text, "[a: 1][b: 2][c]");
  ck_assert_int_eq(p.lines[0], 3);
  ck_assert_int_eq(p.lines[1], 7);
  ck_assert_int_eq(p.lines[2], 9);
  memset(&p, 0, sizeof p);
  ck_assert_int_eq(kyaml_split(text, strlen(text), 0, part_cb, &p), 0);
  ck_assert_str_eq(p.text, "[\n\na: 1\n][\n][  b: 2  \n][--- y\nc\n][]");
  ck_assert_int_eq(p.lines[1], 5);
  ck_assert_int_eq(p.lines[3], 8);
}
END_TEST

START_TEST(single_parse_takes_the_first_document)
{
  ck_obj("a: 1\n---\nb: 2\n", "{\"a\":1}");
  ck_obj("--- \n# c\n", "null");
  struct json_object *o = NULL;
  struct err e;
  struct kyaml_opts opts = {.name = "chart.yaml", .first_line = 10};
  ck_assert_int_eq(kyaml_parse("a: [", 4, &opts, &o, &e), -EINVAL);
  ck_assert_str_eq(e.msg, "chart.yaml:11:1: expected a value");
}
END_TEST

/* ---- limits ---- */

static char *repeated(const char *open, int n, const char *middle,
                      const char *close)
{
  struct buf b;
  buf_init(&b, 0);
  for (int i = 0; i < n; i++)
    buf_puts(&b, open);
  buf_puts(&b, middle);
  for (int i = 0; close && i < n; i++)
    buf_puts(&b, close);
  return buf_take(&b);
}

START_TEST(nesting_depth_is_bounded)
{
  char *ok = repeated("[", 1000, "1", "]");
  char *got = read_mode(ok, KYAML_NUMBERS_UNSTRUCTURED);
  ck_assert_int_eq(strncmp(got, "[[[[", 4), 0);
  free(got);
  free(ok);
  char *flow = repeated("[", 10000, "", "]");
  got = read_mode(flow, KYAML_NUMBERS_UNSTRUCTURED);
  ck_assert_str_eq(got, "ERROR: t.yaml:1:1001: nesting deeper than 1000 "
                        "levels");
  free(got);
  free(flow);
  char *block = repeated("- ", 10000, "x\n", NULL);
  got = read_mode(block, KYAML_NUMBERS_UNSTRUCTURED);
  ck_assert_str_eq(got, "ERROR: t.yaml:1:2001: nesting deeper than 1000 "
                        "levels");
  free(got);
  free(block);
}
END_TEST

START_TEST(size_and_node_limits)
{
  struct json_object *o = NULL;
  struct err e;
  struct kyaml_opts small = {.name = "s.yaml", .max_bytes = 8};
  ck_assert_int_eq(kyaml_parse("a: 123456", 9, &small, &o, &e), -E2BIG);
  ck_assert_str_eq(e.msg, "s.yaml: 9 bytes of YAML, more than the limit of 8");
  ck_assert_int_eq(
      kyaml_parse_each("a: 123456", 9, &small, collect_cb, NULL, &e), -E2BIG);
  struct kyaml_opts few = {.name = "n.yaml", .max_nodes = 5};
  ck_assert_int_eq(kyaml_parse("[1, 2, 3, 4, 5]", 15, &few, &o, &e), -E2BIG);
  ck_assert_str_eq(e.msg, "n.yaml:1:14: document has more than 5 nodes");
  struct kyaml_opts mem = {.name = "m.yaml", .max_memory = 100000};
  char *maps = repeated("[{}, ", 200, "{}", "]");
  ck_assert_int_eq(kyaml_parse(maps, strlen(maps), &mem, &o, &e), -E2BIG);
  ck_assert_ptr_nonnull(strstr(e.msg, "document needs more than 0 MiB of "
                                      "memory once read"));
  free(maps);
}
END_TEST

/* ---- malformed input: messages a user can act on ---- */

struct bad_case {
  const char *text;
  const char *msg;
};

static const struct bad_case bad_cases[] = {
    {"a: 1\n\tb: 2\n", "t.yaml:2:1: found a tab character in indentation "
                       "(YAML indents with spaces only)"},
    {"a:\n\t- x\n", "t.yaml:2:1: found a tab character in indentation (YAML "
                    "indents with spaces only)"},
    {"\xc3\xa9\xc3\xa9: x\n\tb: 1\n", "t.yaml:2:1: found a tab character in "
                                      "indentation (YAML indents with spaces "
                                      "only)"},
    {"a: \"abc\n", "t.yaml:2:1: unterminated quoted string: the quote at 1:4 "
                   "is never closed"},
    {"a: 'abc\n", "t.yaml:2:1: unterminated quoted string: the quote at 1:4 "
                  "is never closed"},
    {"a: [1, 2\n", "t.yaml:2:1: expected ',' or ']' in the flow sequence "
                   "that starts at 1:4"},
    {"a: {x: 1\n", "t.yaml:2:1: expected ',' or '}' in the flow mapping that "
                   "starts at 1:4"},
    {"a: b: c\n", "t.yaml:1:5: found ': ' where a value cannot start a "
                  "mapping (quote a value that holds ': ')"},
    {"- a\nb: 1\n", "t.yaml:2:1: expected a '- ' item of the list that starts "
                    "at 1:1 (check the indentation)"},
    {"a:\n  b: 1\n c: 2\n", "t.yaml:3:2: expected a key of the mapping that "
                            "starts at 1:1 (check the indentation)"},
    {"a: |\n  x\n y\n", "t.yaml:3:2: expected a key of the mapping that "
                        "starts at 1:1 (check the indentation)"},
    {"a: @x\n", "t.yaml:1:4: '@' is reserved and cannot start a plain value; "
                "quote the value"},
    {"a: `x\n", "t.yaml:1:4: '`' is reserved and cannot start a plain value; "
                "quote the value"},
    {"a: \"\\q\"\n", "t.yaml:1:5: unknown escape sequence in the double-quoted "
                     "string that starts at 1:4 (write \\\\ for a backslash)"},
    {"a: \xff\n", "t.yaml:1:4: invalid UTF-8 (byte 0xff): YAML text must be "
                  "UTF-8"},
    {"\xc3\xa9\xc3\xa9: \xc3\x28\n", "t.yaml:1:6: invalid UTF-8 (byte 0x28): "
                                     "YAML text must be UTF-8"},
    {"a: b\x01"
     "c\n",
     "t.yaml:1:5: control character U+0001 is not allowed in "
     "YAML text"},
    {"a: 1\nb\n", "t.yaml:3:1: a key must be followed by ':' on the same line "
                  "(key at 2:1)"},
    {"a: 1\n: 2\n", "t.yaml:2:1: found ':' with no key before it"},
    {"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "k"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     ": 1\n",
     "t.yaml:1:1083: a key longer than 1024 characters must be written in the "
     "explicit form \"? key\" then \": value\""},
    {"%YAML 2.0\n---\na: 1\n", "t.yaml:1:1: found incompatible YAML document"},
};

START_TEST(malformed_yaml_messages)
{
  const struct bad_case *c = &bad_cases[_i];
  char want[1024];
  snprintf(want, sizeof want, "ERROR: %s", c->msg);
  ck_obj(c->text, want);
}
END_TEST

/* ---- through `iop yaml`, as a user runs it ---- */

static struct run_result iop_yaml(const char *input, const char *arg)
{
  char *argv[] = {(char *)test_iop_bin(), "yaml", (char *)arg, NULL};
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, input, &r), 0);
  return r;
}

/* One line on stderr that starts with `prefix`, exit 1, stdout empty. */
static void assert_clean_failure(struct run_result *r, const char *prefix)
{
  ck_assert_msg(r->status == 1, "exit %d, stderr: %s", r->status, r->err);
  ck_assert_str_eq(r->out, "");
  ck_assert_msg(strncmp(r->err, prefix, strlen(prefix)) == 0,
                "stderr: %s\nwant prefix: %s", r->err, prefix);
  char *nl = strchr(r->err, '\n');
  ck_assert_msg(nl && nl[1] == '\0', "not one line: %s", r->err);
}

START_TEST(cli_malformed_yaml_names_the_place)
{
  struct run_result r = iop_yaml("a: 1\n---\nb: [1, 2\nc: 3\n", NULL);
  assert_clean_failure(&r, "Error: <stdin>:4:2: expected ',' or ']' in the "
                           "flow sequence that starts at 3:4\n");
  run_result_free(&r);
}
END_TEST

START_TEST(cli_invalid_utf8)
{
  struct run_result r = iop_yaml("ok: 1\nbad: caf\xe9\n", NULL);
  assert_clean_failure(&r, "Error: <stdin>:2:9: invalid UTF-8 (byte 0xe9): "
                           "YAML text must be UTF-8\n");
  run_result_free(&r);
}
END_TEST

START_TEST(cli_tab_indentation)
{
  struct run_result r = iop_yaml("spec:\n\treplicas: 2\n", NULL);
  assert_clean_failure(&r, "Error: <stdin>:2:1: found a tab character in "
                           "indentation (YAML indents with spaces only)\n");
  run_result_free(&r);
}
END_TEST

START_TEST(cli_unterminated_quote)
{
  struct run_result r = iop_yaml("a: 1\nb: \"open\nc: 3\n", NULL);
  assert_clean_failure(&r, "Error: <stdin>:4:1: unterminated quoted string: "
                           "the quote at 2:4 is never closed\n");
  run_result_free(&r);
}
END_TEST

START_TEST(cli_huge_document)
{
  char *dir = test_tmpdir();
  char path[4096];
  snprintf(path, sizeof path, "%s/huge.yaml", dir);
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  static char line[1024];
  memset(line, 'x', sizeof line - 1);
  line[0] = 'k', line[1] = ':', line[2] = ' ', line[sizeof line - 2] = '\n';
  for (int i = 0; i < 100 * 1024; i++) /* 100 MiB */
    fwrite(line, 1, sizeof line - 1, f);
  fclose(f);
  struct run_result r = iop_yaml(NULL, path);
  char want[4200];
  snprintf(want, sizeof want, "Error: %s: larger than the 32 MiB limit\n",
           path);
  assert_clean_failure(&r, want);
  run_result_free(&r);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(cli_deep_nesting_flow_and_block)
{
  char *flow = repeated("[", 10000, "", "]");
  struct run_result r = iop_yaml(flow, NULL);
  assert_clean_failure(&r, "Error: <stdin>:1:1001: nesting deeper than 1000 "
                           "levels\n");
  run_result_free(&r);
  free(flow);
  char *block = repeated("- ", 10000, "x\n", NULL);
  r = iop_yaml(block, NULL);
  assert_clean_failure(&r, "Error: <stdin>:1:2001: nesting deeper than 1000 "
                           "levels\n");
  run_result_free(&r);
  free(block);
  char *maps = repeated("{a: ", 10000, "1", "}");
  r = iop_yaml(maps, NULL);
  assert_clean_failure(&r, "Error: <stdin>:1:4001: nesting deeper than 1000 "
                           "levels\n");
  run_result_free(&r);
  free(maps);
}
END_TEST

START_TEST(cli_billion_laughs)
{
  char *text = laughs();
  struct run_result r = iop_yaml(text, NULL);
  assert_clean_failure(&r, "Error: <stdin>:4:");
  ck_assert_ptr_nonnull(strstr(r.err, "excessive aliasing"));
  run_result_free(&r);
  free(text);
}
END_TEST

START_TEST(cli_nothing_printed_when_a_later_document_fails)
{
  struct run_result r = iop_yaml("a: 1\n---\nb: 2\n---\nc: .inf\n", NULL);
  assert_clean_failure(&r, "Error: <stdin>:5:4: .inf is not a number JSON "
                           "can hold (quote it to keep it as a string)\n");
  run_result_free(&r);
}
END_TEST

START_TEST(cli_output_and_flags)
{
  struct run_result r = iop_yaml("b: 1.0\na: [on, '1']\n", NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "a:\n- true\n- \"1\"\nb: 1\n");
  run_result_free(&r);
  r = iop_yaml("x: 1\n", "-o");
  assert_clean_failure(&r, "Error: flag -o needs a value (see iop yaml "
                           "--help)\n");
  run_result_free(&r);
  r = iop_yaml("x: 1\n", "--colour");
  assert_clean_failure(&r, "Error: unknown flag \"--colour\" (see iop yaml "
                           "--help)\n");
  run_result_free(&r);
  char *argv[] = {
      (char *)test_iop_bin(), "yaml", "-o", "json", "--floats", NULL};
  ck_assert_int_eq(run_cmd(argv, "x: 1\n---\nv: 2.5\n", &r), 0);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "{\n  \"x\": 1\n}\n{\n  \"v\": 2.5\n}\n");
  run_result_free(&r);
  char *bad[] = {(char *)test_iop_bin(), "yaml", "-o", "xml", NULL};
  ck_assert_int_eq(run_cmd(bad, "x: 1\n", &r), 0);
  assert_clean_failure(&r, "Error: --output must be yaml or json, not "
                           "\"xml\"\n");
  run_result_free(&r);
  r = iop_yaml(NULL, "/nonexistent/file.yaml");
  assert_clean_failure(&r, "Error: /nonexistent/file.yaml: No such file or "
                           "directory\n");
  run_result_free(&r);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *kyaml_suite(void)
{
  Suite *s = suite_create("kyaml");
  TCase *ts = tcase_create("scalars");
  tcase_add_test(ts, booleans_of_yaml_1_1);
  tcase_add_test(ts, nulls_of_yaml_1_1);
  tcase_add_test(ts, integers_in_every_base);
  tcase_add_test(ts, integers_beyond_int64);
  tcase_add_test(ts, floats_and_integral_floats);
  tcase_add_test(ts, inf_and_nan_are_clear_errors);
  tcase_add_test(ts, timestamps_stay_strings);
  tcase_add_test(ts, resolve_api);
  tcase_add_test(ts, explicit_tags);
  tcase_add_test(ts, binary_tag);
  tcase_add_test(ts, block_scalars_and_chomping);
  tcase_add_test(ts, flow_scalars_and_escapes);
  suite_add_tcase(s, ts);
  TCase *ta = tcase_create("aliases");
  tcase_add_test(ta, merge_keys);
  tcase_add_test(ta, merge_sequences_earlier_wins);
  tcase_add_test(ta, merge_key_forms);
  tcase_add_test(ta, anchors_and_aliases);
  tcase_add_test(ta, anchor_redefined_inside_its_node);
  tcase_add_test(ta, alias_errors);
  tcase_add_test(ta, aliases_as_keys);
  tcase_add_test(ta, billion_laughs_fails_early);
  tcase_add_test(ta, map_bomb_fails_early);
  tcase_add_test(ta, moderate_aliasing_is_fine);
  tcase_add_test(ta, aliases_cannot_nest_past_the_depth_limit);
  suite_add_tcase(s, ta);
  TCase *tk = tcase_create("keys");
  tcase_add_test(tk, duplicate_keys_last_wins);
  tcase_add_test(tk, non_string_keys_become_strings);
  tcase_add_test(tk, keys_that_cannot_be_json_keys);
  suite_add_tcase(s, tk);
  TCase *td = tcase_create("documents");
  tcase_add_test(td, documents_split_on_dashes);
  tcase_add_test(td, dashes_with_content);
  tcase_add_test(td, directives_belong_to_the_next_document);
  tcase_add_test(td, content_after_document_end_is_ignored);
  tcase_add_test(td, content_dedented_past_the_root_is_ignored);
  tcase_add_test(td, errors_in_later_documents_name_their_line);
  tcase_add_test(td, callback_can_stop_the_walk);
  tcase_add_test(td, parse_all_collects_non_null_documents);
  tcase_add_test(td, split_as_istioctl_does);
  tcase_add_test(td, single_parse_takes_the_first_document);
  suite_add_tcase(s, td);
  TCase *tl = tcase_create("limits");
  tcase_add_test(tl, nesting_depth_is_bounded);
  tcase_add_test(tl, size_and_node_limits);
  tcase_add_loop_test(tl, malformed_yaml_messages, 0, N(bad_cases));
  suite_add_tcase(s, tl);
  TCase *tc = tcase_create("cli");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, cli_malformed_yaml_names_the_place);
  tcase_add_test(tc, cli_invalid_utf8);
  tcase_add_test(tc, cli_tab_indentation);
  tcase_add_test(tc, cli_unterminated_quote);
  tcase_add_test(tc, cli_huge_document);
  tcase_add_test(tc, cli_deep_nesting_flow_and_block);
  tcase_add_test(tc, cli_billion_laughs);
  tcase_add_test(tc, cli_nothing_printed_when_a_later_document_fails);
  tcase_add_test(tc, cli_output_and_flags);
  suite_add_tcase(s, tc);
  return s;
}
