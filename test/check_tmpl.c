/* The template engine on its own: lexing, parsing, execution and errors,
 * checked against what Go's text/template does (the differential suite in
 * check_tmpl_helm.c compares with real Helm). */
#include "kyaml.h"
#include "tmpl.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
  int rc;
  char text[4096];
  char err[ERR_MSG_MAX];
};

static struct json_object *values(const char *yaml)
{
  struct kyaml_opts o = {.name = "values", .numbers = KYAML_NUMBERS_FLOAT};
  struct json_object *v = NULL;
  struct err e;
  ck_assert_int_eq(kyaml_parse(yaml, strlen(yaml), &o, &v, &e), 0);
  return v;
}

/* Parses text as "t" and runs it with dot = the YAML document. */
static struct out render(const char *text, const char *yaml)
{
  struct out r = {0};
  struct tmpl_set *s = tmpl_set_new(NULL);
  struct err e;
  err_clear(&e);
  r.rc = tmpl_set_parse(s, "t", text, strlen(text), &e);
  struct buf b;
  buf_init(&b, 0);
  if (!r.rc) {
    struct json_object *data = yaml ? values(yaml) : NULL;
    r.rc = tmpl_execute(s, "t", data, NULL, &b, &e);
    json_object_put(data);
  }
  snprintf(r.text, sizeof r.text, "%s", b.data ? b.data : "");
  snprintf(r.err, sizeof r.err, "%s", r.rc ? e.msg : "");
  buf_free(&b);
  tmpl_set_free(s);
  return r;
}

#define RENDERS(t_, y_, want_)                                                 \
  do {                                                                         \
    struct out r_ = render(t_, y_);                                            \
    ck_assert_msg(r_.rc == 0, "%s: error %s", t_, r_.err);                     \
    ck_assert_str_eq(r_.text, want_);                                          \
  } while (0)

#define RENDER_FAILS(t_, y_, want_)                                            \
  do {                                                                         \
    struct out r_ = render(t_, y_);                                            \
    ck_assert_msg(r_.rc != 0, "%s: no error, output %s", t_, r_.text);         \
    ck_assert_str_eq(r_.err, want_);                                           \
  } while (0)

START_TEST(text_and_trim_markers)
{
  RENDERS("hello", NULL, "hello");
  RENDERS("a  {{- \"b\" -}}  c", NULL, "abc");
  RENDERS("a \n{{- /* comment */ -}}\n b", NULL, "ab");
  RENDERS("a {{/* c */}} b", NULL, "a  b");
  RENDERS("{{-3}}", NULL, "-3");
  RENDERS("x {{- 3 }}", NULL, "x3");
  RENDERS("{{ 3 -}}\n\n y", NULL, "3y");
  RENDERS("{{\"a\"\n}}", NULL, "a");
}
END_TEST

START_TEST(literals)
{
  RENDERS("{{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000 }}", NULL,
          "31 15 15 5 1000");
  RENDERS("{{ 1.5 }} {{ 1e6 }} {{ 0x1p-2 }} {{ -2.50 }}", NULL,
          "1.5 1e+06 0.25 -2.5");
  RENDERS("{{ 'a' }} {{ '\\n' }} {{ '\\x41' }} {{ '\\u00e9' }}", NULL,
          "97 10 65 233");
  RENDERS("{{ \"a\\tb\\u00e9\\x41\\101\" }}", NULL,
          "a\tb\xc3\xa9"
          "AA");
  RENDERS("{{ `raw\\n` }}", NULL, "raw\\n");
  RENDERS("{{ true }} {{ false }}", NULL, "true false");
  RENDERS("{{ print nil }}", NULL, "<nil>");
}
END_TEST

START_TEST(fields_and_missing_keys)
{
  const char *v = "a:\n  b: 1\n  s: x\nn: null\nl: [1, 2]\n";
  RENDERS("{{ .a.b }} {{ .a.s }} {{ .missing }} {{ .n }}", v,
          "1 x <no value> <no value>");
  RENDERS("{{ (.missing).x }}|{{ ((.a).nope).deeper }}", v,
          "<no value>|<no value>");
  RENDER_FAILS("{{ .missing.x }}", v,
               "template: t:1:11: executing \"t\" at <.missing.x>: nil pointer "
               "evaluating interface {}.x");
  RENDER_FAILS(
      "{{ .a.s.x }}", v,
      "template: t:1:5: executing \"t\" at <.a.s.x>: can't evaluate field x "
      "in type interface {}");
  RENDER_FAILS(
      "{{ .l.x }}", v,
      "template: t:1:5: executing \"t\" at <.l.x>: can't evaluate field x in "
      "type interface {}");
}
END_TEST

START_TEST(variables_and_scope)
{
  RENDERS("{{ $x := 1 }}{{ $x }}{{ $x = 2 }}{{ $x }}", NULL, "12");
  RENDERS(
      "{{ $x := 1 }}{{ if true }}{{ $x = 3 }}{{ $y := 4 }}{{ end }}{{ $x }}",
      NULL, "3");
  RENDER_FAILS("{{ if true }}{{ $y := 4 }}{{ end }}{{ $y }}", NULL,
               "template: t:1: undefined variable \"$y\"");
  RENDERS("{{ range $i, $e := .l }}{{ $i }}={{ $e }};{{ end }}", "l: [a, b]",
          "0=a;1=b;");
  RENDERS("{{ range $k, $v := . }}{{ $k }}={{ $v }};{{ end }}", "b: 2\na: 1",
          "a=1;b=2;");
  RENDERS("{{ range $e := .l }}{{ $e }}{{ end }}", "l: [x, z]", "xz");
  RENDERS("{{ $ }}", "a: 1", "map[a:1]");
}
END_TEST

START_TEST(control_structures)
{
  RENDERS("{{ if 0 }}a{{ else if \"\" }}b{{ else }}c{{ end }}", NULL, "c");
  RENDERS("{{ with .a }}{{ . }}{{ else }}none{{ end }}", "a: 0", "none");
  RENDERS("{{ with .a }}x{{ else with .b }}{{ . }}{{ end }}", "b: why", "why");
  RENDER_FAILS("{{ if .a }}x{{ else with .b }}y{{ end }}", NULL,
               "template: t:1: unexpected <with> in input");
  RENDERS("{{ range .l }}{{ . }}{{ else }}empty{{ end }}", "l: []", "empty");
  RENDERS(
      "{{ range .l }}{{ if eq . 2.0 }}{{ continue }}{{ end }}{{ if eq . 4.0 }}"
      "{{ break }}{{ end }}{{ . }}{{ end }}",
      "l: [1, 2, 3, 4, 5]", "13");
  RENDER_FAILS("{{ range 3 }}{{ . }}{{ end }}", NULL,
               "template: t:1:9: executing \"t\" at <3>: range can't "
               "iterate over 3");
  RENDER_FAILS(
      "{{ range .a }}{{ end }}", "a: 3",
      "template: t:1:9: executing \"t\" at <.a>: range can't iterate over 3");
}
END_TEST

START_TEST(define_template_block)
{
  RENDERS("{{ define \"x\" }}[{{ . }}]{{ end }}{{ template \"x\" 1 }}", NULL,
          "[1]");
  RENDERS("{{ block \"b\" . }}default {{ . }}{{ end }}", "a: 1",
          "default map[a:1]");
  RENDER_FAILS("{{ template \"nope\" }}", NULL,
               "template: t:1:12: executing \"t\" at <{{template \"nope\"}}>: "
               "template \"nope\" not defined");
  RENDER_FAILS(
      "{{ define \"x\" }}a{{ end }}{{ define \"x\" }}b{{ end }}", NULL,
      "template: t:1: template: multiple definition of template \"x\"");
}
END_TEST

START_TEST(redefinition_across_parses)
{
  struct tmpl_set *s = tmpl_set_new(NULL);
  struct err e;
  const char *a = "{{ define \"d\" }}first{{ end }}";
  const char *b = "{{ define \"d\" }}second{{ end }}";
  const char *c = "{{ define \"d\" }}  {{ end }}";
  const char *main = "{{ template \"d\" }}";
  ck_assert_int_eq(tmpl_set_parse(s, "a", a, strlen(a), &e), 0);
  ck_assert_int_eq(tmpl_set_parse(s, "b", b, strlen(b), &e), 0);
  ck_assert_int_eq(tmpl_set_parse(s, "c", c, strlen(c), &e), 0);
  ck_assert_int_eq(tmpl_set_parse(s, "m", main, strlen(main), &e), 0);
  struct buf out;
  buf_init(&out, 0);
  ck_assert_int_eq(tmpl_execute(s, "m", NULL, NULL, &out, &e), 0);
  ck_assert_str_eq(out.data, "second"); /* later wins; empty never does */
  buf_free(&out);
  tmpl_set_free(s);
}
END_TEST

START_TEST(comparisons)
{
  RENDERS("{{ eq 1 1 }} {{ eq \"a\" \"b\" \"a\" }} {{ ne 1 2 }} {{ lt 1 2 }} "
          "{{ le 2 2 }} {{ gt \"b\" \"a\" }} {{ ge 1.5 2.5 }}",
          NULL, "true true true true true true false");
  RENDERS("{{ eq .missing \"x\" }} {{ eq .missing .other }}", "a: 1",
          "false true");
  RENDER_FAILS(
      "{{ eq .a 1 }}", "a: 1",
      "template: t:1:3: executing \"t\" at <eq .a 1>: error calling eq: "
      "incompatible types for comparison");
  RENDER_FAILS(
      "{{ lt 1 \"a\" }}", NULL,
      "template: t:1:3: executing \"t\" at <lt 1 \"a\">: error calling lt: "
      "incompatible types for comparison");
}
END_TEST

START_TEST(and_or_not)
{
  RENDERS("{{ and 1 0 2 }} {{ and 1 2 }} {{ or 0 \"\" }} {{ or 0 \"x\" 3 }} "
          "{{ not 0 }} {{ not .a }}",
          "a: [1]", "0 2  x true false");
  RENDERS("{{ or .missing \"d\" }}", NULL, "d");
  /* short circuit: the failing call is never made */
  RENDERS("{{ or 1 (index nil 1) }}", NULL, "1");
}
END_TEST

START_TEST(builtins_len_index_slice)
{
  const char *v = "l: [a, b, c]\nm: {k: v}\ns: hello\n";
  RENDERS("{{ len .l }} {{ len .m }} {{ len .s }}", v, "3 1 5");
  RENDERS("{{ index .l 1 }} {{ index .m \"k\" }} {{ index .m \"x\" }} "
          "{{ index .s 1 }}",
          v, "b v <no value> 101");
  RENDERS("{{ slice .l 1 }} {{ slice .s 1 3 }} {{ slice .l }}", v,
          "[b c] el [a b c]");
  RENDER_FAILS(
      "{{ index .l 5 }}", v,
      "template: t:1:3: executing \"t\" at <index .l 5>: error calling "
      "index: index out of range: 5");
  RENDER_FAILS(
      "{{ len 3 }}", NULL,
      "template: t:1:3: executing \"t\" at <len 3>: error calling len: len "
      "of type int");
}
END_TEST

START_TEST(printing)
{
  const char *v = "f: 1000000\ng: 0.00001\nm: {b: [1, x], a: null}\n";
  RENDERS("{{ .f }} {{ .g }} {{ .m }}", v, "1e+06 1e-05 map[a:<nil> b:[1 x]]");
  RENDERS(
      "{{ printf \"%5.2f|%-4d|%04d|%x|%X|%o|%b|%q|%v|%T\" 3.14159 7 -7 255 "
      "255 8 5 \"a\\\"b\" .m .f }}",
      v,
      " 3.14|7   |-007|ff|FF|10|101|\"a\\\"b\"|map[a:<nil> b:[1 x]]|float64");
  RENDERS("{{ printf \"%d %s\" \"x\" 1 }}", NULL, "%!d(string=x) %!s(int=1)");
  RENDERS("{{ printf \"%d\" }} {{ printf \"%d\" 1 2 }}", NULL,
          "%!d(MISSING) 1%!(EXTRA int=2)");
  RENDERS("{{ print 1 2 \"a\" \"b\" 3 }}", NULL, "1 2ab3");
  RENDERS("{{ println 1 \"a\" }}", NULL, "1 a\n");
  RENDERS("{{ printf \"%c %U %#U %t %e %g %8.3s|\" 65 65 233 true 1234.5678 "
          "0.000012 \"abcdef\" }}",
          NULL, "A U+0041 U+00E9 'é' true 1.234568e+03 1.2e-05      abc|");
}
END_TEST

START_TEST(escapers)
{
  RENDERS("{{ html \"<a href='x'>&\\\"\" }}", NULL,
          "&lt;a href=&#39;x&#39;&gt;&amp;&#34;");
  RENDERS("{{ js \"a'b\\\"c<>=\\n\" }}", NULL,
          "a\\'b\\\"c\\u003C\\u003E\\u003D\\u000A");
  RENDERS("{{ urlquery \"a b&c=d/é\" }}", NULL, "a+b%26c%3Dd%2F%C3%A9");
  RENDERS("{{ html .missing }}", NULL, "&lt;no value&gt;");
}
END_TEST

START_TEST(argument_types)
{
  RENDER_FAILS(
      "{{ printf 1 }}", NULL,
      "template: t:1:10: executing \"t\" at <1>: expected string; found 1");
  RENDER_FAILS(
      "{{ .a | printf }}", "a: 1",
      "template: t:1:8: executing \"t\" at <printf>: wrong type for value; "
      "expected string; got float64");
  RENDER_FAILS(
      "{{ printf .missing }}", "a: 1",
      "template: t:1:10: executing \"t\" at <.missing>: wrong type for "
      "value; expected string; got interface {}");
  RENDER_FAILS("{{ .missing | printf }}", "a: 1",
               "template: t:1:14: executing \"t\" at <printf>: invalid value; "
               "expected string");
  RENDER_FAILS(
      "{{ 1 2 }}", NULL,
      "template: t:1:3: executing \"t\" at <1>: can't give argument to "
      "non-function 1");
}
END_TEST

START_TEST(parse_errors)
{
  RENDER_FAILS("{{ if }}", NULL, "template: t:1: missing value for if");
  RENDER_FAILS("{{ end }}", NULL, "template: t:1: unexpected {{end}}");
  RENDER_FAILS("{{ nope }}", NULL,
               "template: t:1: function \"nope\" not defined");
  RENDER_FAILS("{{ .a", NULL, "template: t:1: unclosed action");
  RENDER_FAILS("{{ \"abc }}", NULL,
               "template: t:1: unterminated quoted string");
  RENDER_FAILS("{{ 1a }}", NULL, "template: t:1: bad number syntax: \"1a\"");
  RENDER_FAILS("{{ if true }}x", NULL, "template: t:1: unexpected EOF");
  RENDER_FAILS("{{ break }}", NULL,
               "template: t:1: {{break}} outside {{range}}");
  RENDER_FAILS("{{ $x }}", NULL, "template: t:1: undefined variable \"$x\"");
  RENDER_FAILS("{{ (1 }}", NULL, "template: t:1: unclosed left paren");
  RENDER_FAILS("{{ 1) }}", NULL, "template: t:1: unexpected right paren");
  RENDER_FAILS("a\n{{ \"x\" | 3 }}", NULL,
               "template: t:2: non executable command in pipeline stage 2");
  RENDER_FAILS("{{/* x */ y }}", NULL,
               "template: t:1: comment ends before closing delimiter");
  RENDER_FAILS("{{ @ }}", NULL, "template: t:1: unexpected \"@\" in command");
  RENDER_FAILS("{{ .a@ }}", NULL, "template: t:1: bad character U+0040 '@'");
}
END_TEST

START_TEST(delims)
{
  struct tmpl_set *s = tmpl_set_new(NULL);
  struct err e;
  ck_assert_int_eq(tmpl_set_delims(s, "[[", "]]"), 0);
  const char *t = "{{ x }} [[- .a -]] !";
  ck_assert_int_eq(tmpl_set_parse(s, "t", t, strlen(t), &e), 0);
  struct json_object *d = values("a: 1");
  struct buf out;
  buf_init(&out, 0);
  ck_assert_int_eq(tmpl_execute(s, "t", d, NULL, &out, &e), 0);
  ck_assert_str_eq(out.data, "{{ x }}1!");
  buf_free(&out);
  json_object_put(d);
  tmpl_set_free(s);
}
END_TEST

START_TEST(limits)
{
  struct tmpl_set *s = tmpl_set_new(NULL);
  struct err e;
  const char *t = "{{ define \"r\" }}x{{ template \"r\" }}{{ end }}"
                  "{{ template \"r\" }}";
  ck_assert_int_eq(tmpl_set_parse(s, "t", t, strlen(t), &e), 0);
  struct buf out;
  buf_init(&out, 0);
  struct tmpl_exec_opts o = {.max_depth = 50};
  ck_assert_int_eq(tmpl_execute(s, "t", NULL, &o, &out, &e), -EINVAL);
  ck_assert_msg(strstr(e.msg, "exceeded maximum template depth (50)"), "%s",
                e.msg);
  buf_reset(&out);
  const char *big = "{{ define \"k\" }}0123456789012345678901234567890123456"
                    "789{{ end }}{{ template \"k\" }}{{ template \"k\" }}"
                    "{{ template \"k\" }}{{ template \"k\" }}";
  ck_assert_int_eq(tmpl_set_parse(s, "big", big, strlen(big), &e), 0);
  struct tmpl_exec_opts small = {.max_output = 100};
  ck_assert_int_eq(tmpl_execute(s, "big", NULL, &small, &out, &e), -EINVAL);
  ck_assert_msg(strstr(e.msg, "output exceeds the limit of 100 bytes"), "%s",
                e.msg);
  buf_free(&out);
  tmpl_set_free(s);
  /* Deep nesting is a parse error, not a crash. */
  char deep[8192];
  size_t n = 0;
  n += (size_t)snprintf(deep + n, sizeof deep - n, "{{ ");
  for (int i = 0; i < 2000; i++)
    deep[n++] = '(';
  deep[n++] = '1';
  for (int i = 0; i < 2000; i++)
    deep[n++] = ')';
  snprintf(deep + n, sizeof deep - n, " }}");
  struct out r = render(deep, NULL);
  ck_assert_str_eq(r.err, "template: t:1: max expression depth exceeded");
}
END_TEST

START_TEST(no_value_strip)
{
  struct buf b;
  buf_init(&b, 0);
  buf_puts(&b, "a<no value>b<no value><no val");
  tmpl_strip_no_value(&b);
  ck_assert_str_eq(b.data, "ab<no val");
  ck_assert_uint_eq(b.len, strlen("ab<no val"));
  buf_free(&b);
}
END_TEST

/* Maps are shared by reference: a function that mutates one is seen later. */
static int fn_set(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                  struct tmpl_value *out)
{
  (void)c;
  (void)argc;
  json_object_object_add(argv[0].o, json_object_get_string(argv[1].o),
                         json_object_get(argv[2].o));
  out->o = json_object_get(argv[0].o);
  return 0;
}

static int fn_fail(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                   struct tmpl_value *out)
{
  (void)argc;
  (void)out;
  return tmpl_call_errorf(c, "%s", json_object_get_string(argv[0].o));
}

static const struct tmpl_func test_funcs[] = {
    {"set", fn_set, "msa", NULL},
    {"fail", fn_fail, "s", NULL},
};

START_TEST(registry_and_aliasing)
{
  struct tmpl_funcs *f = tmpl_funcs_new();
  ck_assert_int_eq(tmpl_funcs_add(f, test_funcs, 2), 0);
  struct tmpl_set *s = tmpl_set_new(f);
  struct err e;
  const char *t = "{{ $m := .a }}{{ $_ := set $m \"k\" 1 }}{{ .a.k }}"
                  "{{ $_ := set . \"n\" 2 }}{{ .n }}";
  ck_assert_int_eq(tmpl_set_parse(s, "t", t, strlen(t), &e), 0);
  struct json_object *d = values("a: {}");
  struct buf out;
  buf_init(&out, 0);
  ck_assert_int_eq(tmpl_execute(s, "t", d, NULL, &out, &e), 0);
  ck_assert_str_eq(out.data, "12");
  ck_assert_int_eq(json_object_object_length(d), 2);
  /* A map holding itself prints, where Go would overflow its stack. */
  const char *t3 = "{{ $_ := set .a \"up\" . }}{{ .a.up.n }} {{ . }}";
  ck_assert_int_eq(tmpl_set_parse(s, "t3", t3, strlen(t3), &e), 0);
  buf_reset(&out);
  ck_assert_msg(tmpl_execute(s, "t3", d, NULL, &out, &e) == 0, "%s", e.msg);
  ck_assert_str_eq(out.data, "2 map[a:map[k:1 up:<cycle>] n:2]");
  /* break the reference cycle */
  json_object_object_del(json_object_object_get(d, "a"), "up");
  buf_reset(&out);
  const char *t2 = "{{ fail \"boom\" }}";
  ck_assert_int_eq(tmpl_set_parse(s, "t2", t2, strlen(t2), &e), 0);
  ck_assert_int_eq(tmpl_execute(s, "t2", d, NULL, &out, &e), -EINVAL);
  ck_assert_str_eq(e.msg, "template: t2:1:3: executing \"t2\" at <fail "
                          "\"boom\">: error calling fail: boom");
  buf_free(&out);
  json_object_put(d);
  tmpl_set_free(s);
  tmpl_funcs_free(f);
}
END_TEST

Suite *tmpl_suite(void)
{
  Suite *s = suite_create("tmpl");
  TCase *tc = tcase_create("engine");
  tcase_add_test(tc, text_and_trim_markers);
  tcase_add_test(tc, literals);
  tcase_add_test(tc, fields_and_missing_keys);
  tcase_add_test(tc, variables_and_scope);
  tcase_add_test(tc, control_structures);
  tcase_add_test(tc, define_template_block);
  tcase_add_test(tc, redefinition_across_parses);
  tcase_add_test(tc, comparisons);
  tcase_add_test(tc, and_or_not);
  tcase_add_test(tc, builtins_len_index_slice);
  tcase_add_test(tc, printing);
  tcase_add_test(tc, escapers);
  tcase_add_test(tc, argument_types);
  tcase_add_test(tc, parse_errors);
  tcase_add_test(tc, delims);
  tcase_add_test(tc, limits);
  tcase_add_test(tc, no_value_strip);
  tcase_add_test(tc, registry_and_aliasing);
  suite_add_tcase(s, tc);
  return s;
}
