/* strvals: Helm's --set parsing and values merging, edge by edge. The
 * expectations are what Helm 3.17 gives (check_chart.c compares the same
 * flags against real Helm through a chart that prints every value's type). */
#include "strvals.h"
#include "tmpl.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parse result as compact JSON, with Go's type after each scalar:
 * {"a":"1(int64)"} makes the typing visible. */
static void typed(struct json_object *v, char *out, size_t cap)
{
  size_t n = strlen(out);
  if (json_object_is_type(v, json_type_object)) {
    strncat(out, "{", cap - n - 1);
    int first = 1;
    json_object_object_foreach (v, k, x) {
      n = strlen(out);
      snprintf(out + n, cap - n, "%s%s:", first ? "" : ",", k);
      typed(x, out, cap);
      first = 0;
    }
    strncat(out, "}", cap - strlen(out) - 1);
  } else if (json_object_is_type(v, json_type_array)) {
    strncat(out, "[", cap - n - 1);
    for (size_t i = 0; i < json_object_array_length(v); i++) {
      if (i)
        strncat(out, ",", cap - strlen(out) - 1);
      typed(json_object_array_get_idx(v, i), out, cap);
    }
    strncat(out, "]", cap - strlen(out) - 1);
  } else if (!v) {
    strncat(out, "nil", cap - n - 1);
  } else if (json_object_is_type(v, json_type_double)) {
    snprintf(out + n, cap - n, "%g(%s)", json_object_get_double(v),
             tmpl_val_type_name(v));
  } else {
    snprintf(out + n, cap - n, "%s(%s)", json_object_get_string(v),
             tmpl_val_type_name(v));
  }
}

static char *parse(const char *flag, enum strvals_kind kind, int *rc, char *err,
                   size_t errcap)
{
  struct json_object *m = json_object_new_object();
  struct err e;
  *rc = strvals_parse_into(flag, m, kind, &e);
  if (err)
    snprintf(err, errcap, "%s", *rc ? e.msg : "");
  static char out[4096];
  out[0] = '\0';
  typed(m, out, sizeof out);
  json_object_put(m);
  return out;
}

static void ok(const char *flag, enum strvals_kind kind, const char *want)
{
  int rc;
  char err[2048];
  const char *got = parse(flag, kind, &rc, err, sizeof err);
  ck_assert_msg(rc == 0, "%s: %s", flag, err);
  ck_assert_msg(strcmp(got, want) == 0, "%s:\n got %s\nwant %s", flag, got,
                want);
}

static void bad(const char *flag, enum strvals_kind kind, const char *want)
{
  int rc;
  char err[2048];
  parse(flag, kind, &rc, err, sizeof err);
  ck_assert_msg(rc != 0, "%s: no error", flag);
  ck_assert_msg(strcmp(err, want) == 0, "%s:\n got %s\nwant %s", flag, err,
                want);
}

START_TEST(set_types)
{
  ok("a=1,b=true,c=null,d=0,e=007,f=-3,g=+4,h=1.5,i=TRUE,j=Null,k=",
     STRVALS_SET,
     "{a:1(int64),b:true(bool),c:nil,d:0(int64),e:007(string),f:-3(int64),"
     "g:4(int64),h:1.5(string),i:true(bool),j:nil,k:(string)}");
  ok("big=9223372036854775808,exp=1e3,neg0=-0", STRVALS_SET,
     "{big:9223372036854775808(string),exp:1e3(string),neg0:0(int64)}");
  ok("a=1,b=true,c=null", STRVALS_STRING,
     "{a:1(string),b:true(string),c:null(string)}");
}
END_TEST

START_TEST(set_structure)
{
  ok("a.b.c=1,a.b.d=x", STRVALS_SET, "{a:{b:{c:1(int64),d:x(string)}}}");
  ok("l={1,x,null},e={}", STRVALS_SET,
     "{l:[1(int64),x(string),nil],e:[(string)]}");
  ok("l[2]=c,l[0]=a", STRVALS_SET, "{l:[a(string),nil,c(string)]}");
  ok("l[0].k=v,l[0].j=w,l[1][1]=z", STRVALS_SET,
     "{l:[{k:v(string),j:w(string)},[nil,z(string)]]}");
  ok("a[0]", STRVALS_SET, "{a:[]}");
  ok("a=", STRVALS_SET, "{a:(string)}");
}
END_TEST

START_TEST(set_escapes)
{
  ok("a\\.b=1", STRVALS_SET, "{a.b:1(int64)}");
  ok("a=x\\,y,b={p\\,q,r}", STRVALS_SET,
     "{a:x,y(string),b:[p,q(string),r(string)]}");
  ok("k=a\\\\b", STRVALS_SET, "{k:a\\b(string)}");
  ok("u=h\xc3\xa9llo,\\\xc3\xa9=1", STRVALS_SET,
     "{u:h\xc3\xa9llo(string),\xc3\xa9:1(int64)}");
}
END_TEST

START_TEST(set_errors)
{
  bad("a", STRVALS_SET, "key \"a\" has no value");
  bad("a,b=1", STRVALS_SET, "key \"a\" has no value (cannot end with ,)");
  bad("a.=1", STRVALS_SET, "key map \"a\" has no value");
  bad("a[x]=1", STRVALS_SET,
      "error parsing index: strconv.Atoi: parsing \"x\": invalid syntax");
  bad("a[-1]=1", STRVALS_SET, "negative -1 index not allowed");
  bad("a[70000]=1", STRVALS_SET,
      "index of 70000 is greater than maximum supported index of 65536");
  bad("a[1]x=1", STRVALS_SET, "unexpected data at end of array index: ['x']");
  bad("a={1,2", STRVALS_SET, "list must terminate with '}'");
  bad("a[1", STRVALS_SET, "error parsing index: EOF");
  ok("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.aa.bb.cc.dd.ee=1",
     STRVALS_SET,
     "{a:{b:{c:{d:{e:{f:{g:{h:{i:{j:{k:{l:{m:{n:{o:{p:{q:{r:{s:{t:"
     "{u:{v:{w:{x:{y:{z:{aa:{bb:{cc:{dd:{ee:1(int64)}}}}}}}}}}}}}}}}}}}}"
     "}}}}}}}}}}}");
  bad("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.aa.bb.cc.dd.ee.ff=1",
      STRVALS_SET,
      "value name nested level is greater than maximum supported "
      "nested level of 30");
}
END_TEST

START_TEST(set_type_clashes)
{
  /* Helm's recovered panics, when a key's existing value has another type. */
  struct json_object *m = json_object_new_object();
  struct err e;
  ck_assert_int_eq(strvals_parse_into("s=x,n=null,l={1}", m, STRVALS_SET, &e),
                   0);
  ck_assert_int_ne(strvals_parse_into("s.k=1", m, STRVALS_SET, &e), 0);
  ck_assert_str_eq(e.msg,
                   "unable to parse key: interface conversion: interface "
                   "{} is string, not map[string]interface {}");
  ck_assert_int_ne(strvals_parse_into("n.k=1", m, STRVALS_SET, &e), 0);
  ck_assert_str_eq(e.msg,
                   "unable to parse key: interface conversion: interface "
                   "{} is nil, not map[string]interface {}");
  ck_assert_int_ne(strvals_parse_into("s[0]=1", m, STRVALS_SET, &e), 0);
  ck_assert_str_eq(e.msg,
                   "unable to parse key: interface conversion: interface "
                   "{} is string, not []interface {}");
  ck_assert_int_ne(strvals_parse_into("l.k=1", m, STRVALS_SET, &e), 0);
  ck_assert_str_eq(e.msg,
                   "unable to parse key: interface conversion: interface "
                   "{} is []interface {}, not map[string]interface {}");
  /* A list item that is not a map becomes one. */
  ck_assert_int_eq(strvals_parse_into("l[0].k=v", m, STRVALS_SET, &e), 0);
  ck_assert_str_eq(json_object_to_json_string_ext(
                       json_object_object_get(m, "l"), JSON_C_TO_STRING_PLAIN),
                   "[{\"k\":\"v\"}]");
  json_object_put(m);
}
END_TEST

START_TEST(set_json_and_literal)
{
  ok("j={\"a\":[1,2.5,{\"b\":null}]},k=[1],n=null", STRVALS_JSON,
     "{j:{a:[1(float64),2.5(float64),{b:nil}]},k:[1(float64)],n:nil}");
  ok("s=\"x\" ,t=2", STRVALS_JSON, "{s:x(string),t:2(float64)}");
  bad("k={'a':1}", STRVALS_JSON, "invalid JSON value");
  ok("lit=a,b=c\\d", STRVALS_LITERAL, "{lit:a,b=c\\d(string)}");
  ok("a.b[1]=x,y", STRVALS_LITERAL, "{a:{b:[nil,x,y(string)]}}");
}
END_TEST

START_TEST(merge_maps)
{
  struct json_object *a = json_tokener_parse(
      "{\"m\":{\"x\":1,\"y\":{\"z\":1}},\"l\":[1,2],\"s\":\"a\"}");
  struct json_object *b = json_tokener_parse(
      "{\"m\":{\"y\":{\"w\":2},\"x\":null},\"l\":[3],\"s\":{\"now\":\"map\"}}");
  struct json_object *m = strvals_merge_maps(a, b);
  ck_assert_str_eq(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN),
                   "{\"m\":{\"x\":null,\"y\":{\"z\":1,\"w\":2}},\"l\":[3],"
                   "\"s\":{\"now\":\"map\"}}");
  /* a is not changed: merged maps are new. */
  ck_assert_str_eq(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
                   "{\"m\":{\"x\":1,\"y\":{\"z\":1}},\"l\":[1,2],\"s\":\"a\"}");
  json_object_put(a);
  json_object_put(b);
  json_object_put(m);
}
END_TEST

START_TEST(merge_order)
{
  /* Whatever the command-line order, --set-string comes after --set. */
  const char *sets[] = {"a=1"}, *strs[] = {"a=2"}, *jsons[] = {"a=3,b=[1]"};
  struct strvals_opts o = {0};
  o.flags[STRVALS_SET] = sets;
  o.nflags[STRVALS_SET] = 1;
  o.flags[STRVALS_STRING] = strs;
  o.nflags[STRVALS_STRING] = 1;
  o.flags[STRVALS_JSON] = jsons;
  o.nflags[STRVALS_JSON] = 1;
  struct json_object *v = NULL;
  struct err e;
  ck_assert_int_eq(strvals_merge_values(&o, &v, &e), 0);
  char out[256] = "";
  typed(v, out, sizeof out);
  ck_assert_str_eq(out, "{a:2(string),b:[1(float64)]}");
  json_object_put(v);
  const char *bad_set[] = {"x"};
  o.flags[STRVALS_SET] = bad_set;
  ck_assert_int_ne(strvals_merge_values(&o, &v, &e), 0);
  ck_assert_str_eq(e.msg, "failed parsing --set data: key \"x\" has no value");
}
END_TEST

START_TEST(yaml_map_reading)
{
  struct json_object *m = NULL;
  struct err e;
  ck_assert_int_eq(strvals_yaml_map("a: 1\n---\nb: 2\n", 15, "v.yaml", &m, &e),
                   0);
  ck_assert_str_eq(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN),
                   "{\"a\":1.0}");
  json_object_put(m);
  ck_assert_int_eq(strvals_yaml_map("# nothing\n", 10, "v.yaml", &m, &e), 0);
  ck_assert_int_eq(json_object_object_length(m), 0);
  json_object_put(m);
  ck_assert_int_ne(strvals_yaml_map("a: 1\n b: 2\n", 11, "v.yaml", &m, &e), 0);
  ck_assert_str_eq(e.msg,
                   "error converting YAML to JSON: yaml: line 2: mapping "
                   "values are not allowed in this context");
}
END_TEST

Suite *strvals_suite(void)
{
  Suite *s = suite_create("strvals");
  TCase *tc = tcase_create("parse");
  tcase_add_test(tc, set_types);
  tcase_add_test(tc, set_structure);
  tcase_add_test(tc, set_escapes);
  tcase_add_test(tc, set_errors);
  tcase_add_test(tc, set_type_clashes);
  tcase_add_test(tc, set_json_and_literal);
  tcase_add_test(tc, merge_maps);
  tcase_add_test(tc, merge_order);
  tcase_add_test(tc, yaml_map_reading);
  suite_add_tcase(s, tc);
  return s;
}
