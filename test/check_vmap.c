/* vmap: istioctl's value-map rules, as a user of --set and -f sees them. */
#include "kjson.h"
#include "kyaml.h"
#include "vmap.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct json_object *yaml(const char *text)
{
  struct json_object *o = NULL;
  struct err e;
  struct kyaml_opts opts = {.name = "test", .numbers = KYAML_NUMBERS_FLOAT};
  ck_assert_msg(kyaml_parse(text, strlen(text), &opts, &o, &e) == 0, "%s",
                e.msg);
  return o;
}

/* Compact JSON, as Go prints it. */
static char *json(struct json_object *o)
{
  struct buf b;
  struct err e;
  buf_init(&b, 0);
  ck_assert_int_eq(kjson_write(&b, o, 0, &e), 0);
  return buf_take(&b);
}

#define ck_assert_json(o, want)                                                \
  do {                                                                         \
    char *got_ = json(o);                                                      \
    ck_assert_str_eq(got_, want);                                              \
    free(got_);                                                                \
  } while (0)

static struct json_object *set(const char *start, const char *flag)
{
  struct json_object *m = yaml(start);
  struct err e;
  ck_assert_msg(vmap_set_paths(m, flag, &e) == 0, "%s: %s", flag, e.msg);
  return m;
}

START_TEST(merge_replaces_lists_and_nulls_overwrite)
{
  struct json_object *m = yaml("a: {x: 1, l: [1, 2]}\nb: 2\n");
  struct json_object *o = yaml("a: {z: 2, l: [3]}\nb: null\n");
  vmap_merge_from(m, o);
  ck_assert_json(m, "{\"a\":{\"l\":[3],\"x\":1,\"z\":2},\"b\":null}");
  json_object_put(m);
  json_object_put(o);
}
END_TEST

START_TEST(merge_shares_by_reference)
{
  /* A map merged in is the same map: writing to one shows in the other,
   * which is how istioctl's values can flow back into the user's map. */
  struct json_object *m = yaml("spec: {}\n");
  struct json_object *user =
      yaml("spec: {values: {pilot: {enabled: false}}}\n");
  vmap_merge_from(m, user);
  struct err e;
  ck_assert_int_eq(vmap_set_path(m, "spec.values.pilot.enabled",
                                 json_object_new_boolean(1), &e),
                   0);
  ck_assert_json(user,
                 "{\"spec\":{\"values\":{\"pilot\":{\"enabled\":true}}}}");
  json_object_put(m);
  json_object_put(user);
}
END_TEST

START_TEST(deep_clone_turns_ints_into_floats)
{
  struct json_object *m = set("{}", "a.b=3");
  ck_assert(json_object_is_type(vmap_get_path(m, "a.b", NULL), json_type_int));
  struct json_object *c = vmap_deep_clone(m);
  ck_assert(
      json_object_is_type(vmap_get_path(c, "a.b", NULL), json_type_double));
  json_object_put(c);
  json_object_put(m);
}
END_TEST

START_TEST(set_types_values_like_istioctl)
{
  struct json_object *m = set("{}", "a=1");
  ck_assert(json_object_is_type(vmap_get_path(m, "a", NULL), json_type_int));
  json_object_put(m);
  m = set("{}", "a=1.5");
  ck_assert(json_object_is_type(vmap_get_path(m, "a", NULL), json_type_double));
  json_object_put(m);
  m = set("{}", "a=True");
  ck_assert(
      json_object_is_type(vmap_get_path(m, "a", NULL), json_type_boolean));
  json_object_put(m);
  m = set("{}", "a = x\\,y ");
  ck_assert_str_eq(vmap_get_string(m, "a"), "x,y");
  json_object_put(m);
  /* Tags stay strings: 1.20 must not become 1.2. */
  m = set("{}", "spec.tag=1.20");
  ck_assert_str_eq(vmap_get_string(m, "spec.tag"), "1.20");
  json_object_put(m);
  m = set("{}", "spec.meshConfig.defaultConfig.proxyMetadata.X=1");
  ck_assert_str_eq(vmap_get_string(m, "spec.meshConfig.defaultConfig."
                                      "proxyMetadata.X"),
                   "1");
  json_object_put(m);
}
END_TEST

START_TEST(set_paths_with_lists)
{
  struct json_object *m =
      set("g: [{name: a, v: 1}, {name: b}]\n", "g.[name:b].v=2");
  ck_assert_json(m,
                 "{\"g\":[{\"name\":\"a\",\"v\":1},{\"name\":\"b\",\"v\":2}]}");
  json_object_put(m);
  m = set("g: [{name: a}]\n", "g[0].k8s.replicaCount=3");
  ck_assert_json(m, "{\"g\":[{\"k8s\":{\"replicaCount\":3},\"name\":\"a\"}]}");
  json_object_put(m);
  /* An index past the end appends. */
  m = set("{}", "g.[5].name=new");
  ck_assert_json(m, "{\"g\":[{\"name\":\"new\"}]}");
  json_object_put(m);
}
END_TEST

START_TEST(set_escaped_dots_are_one_key)
{
  struct json_object *m = set("{}", "a.kubernetes\\.io/name=x");
  ck_assert_json(m, "{\"a\":{\"kubernetes.io/name\":\"x\"}}");
  json_object_put(m);
}
END_TEST

START_TEST(set_missing_selector_is_an_error)
{
  struct json_object *m = yaml("g: [{name: a}]\n");
  struct err e;
  ck_assert_int_ne(vmap_set_paths(m, "g.[name:zz].v=1", &e), 0);
  ck_assert_str_eq(e.msg, "element [name:zz] not found");
  ck_assert_int_ne(vmap_set_paths(m, "g.[30m].v=1", &e), 0);
  ck_assert_str_eq(e.msg, "unknown segment [30m]");
  json_object_put(m);
}
END_TEST

START_TEST(set_through_null_is_lost)
{
  /* istioctl's quirk: a path through a null value writes nowhere. */
  struct json_object *m = set("values: null\n", "values.global.hub=x");
  ck_assert_json(m, "{\"values\":null}");
  json_object_put(m);
}
END_TEST

START_TEST(get_path_and_map)
{
  struct json_object *m = yaml("a: {b: [{n: x, v: 1}, {n: y, v: 2}]}\n");
  int found;
  ck_assert_ptr_nonnull(vmap_get_path(m, "a.b.[1].v", &found));
  ck_assert_int_eq(found, 1);
  vmap_get_path(m, "a.c", &found);
  ck_assert_int_eq(found, 0);
  ck_assert_ptr_nonnull(vmap_get_path_map(m, "a"));
  ck_assert_ptr_null(vmap_get_path_map(m, "a.b"));
  json_object_put(m);
}
END_TEST

START_TEST(clean_path_as_go)
{
  const char *cases[][2] = {{"", "."},         {"a.b", "a.b"},  {"a//b", "a/b"},
                            {"a/./b/", "a/b"}, {"a/../b", "b"}, {"/../a", "/a"},
                            {"../a", "../a"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *c = vmap_clean_path(cases[i][0]);
    ck_assert_str_eq(c, cases[i][1]);
    free(c);
  }
}
END_TEST

Suite *vmap_suite(void)
{
  Suite *s = suite_create("vmap");
  TCase *tc = tcase_create("semantics");
  tcase_add_test(tc, merge_replaces_lists_and_nulls_overwrite);
  tcase_add_test(tc, merge_shares_by_reference);
  tcase_add_test(tc, deep_clone_turns_ints_into_floats);
  tcase_add_test(tc, set_types_values_like_istioctl);
  tcase_add_test(tc, set_paths_with_lists);
  tcase_add_test(tc, set_escaped_dots_are_one_key);
  tcase_add_test(tc, set_missing_selector_is_an_error);
  tcase_add_test(tc, set_through_null_is_lost);
  tcase_add_test(tc, get_path_and_map);
  tcase_add_test(tc, clean_path_as_go);
  suite_add_tcase(s, tc);
  return s;
}
