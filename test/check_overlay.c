/* overlay: k8s.overlays paths and values as istioctl applies them. */
#include "kjson.h"
#include "kyaml.h"
#include "overlay.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const char *deployment =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: istiod\n"
    "spec:\n  template:\n    spec:\n      containers:\n      - name: "
    "discovery\n"
    "        args: [discovery, --keepaliveMaxServerConnectionAge, 30m]\n"
    "        ports:\n        - {containerPort: 8080, protocol: TCP}\n"
    "        - {containerPort: 15010, protocol: TCP}\n"
    "        env:\n        - {name: REVISION, value: default}\n"
    "        - name: POD_NAMESPACE\n          valueFrom:\n"
    "            fieldRef: {apiVersion: v1, fieldPath: metadata.namespace}\n"
    "        securityContext: {runAsUser: 1337}\n";

static struct json_object *yaml(const char *text)
{
  struct json_object *o = NULL;
  struct err e;
  struct kyaml_opts opts = {.name = "t", .numbers = KYAML_NUMBERS_FLOAT};
  ck_assert_msg(kyaml_parse(text, strlen(text), &opts, &o, &e) == 0, "%s",
                e.msg);
  return o;
}

static char *apply(const char *object, const char *patches, int *rc,
                   struct err *e)
{
  struct json_object *obj = yaml(object), *p = yaml(patches);
  *rc = overlay_apply(obj, p, e);
  struct buf b;
  struct err we;
  buf_init(&b, 0);
  ck_assert_int_eq(kjson_write(&b, obj, 0, &we), 0);
  json_object_put(obj);
  json_object_put(p);
  return buf_take(&b);
}

static char *ok(const char *object, const char *patches)
{
  int rc;
  struct err e;
  char *out = apply(object, patches, &rc, &e);
  ck_assert_msg(rc == 0, "%s", e.msg);
  return out;
}

#define CONTAINER "spec.template.spec.containers.[name:discovery]"

START_TEST(value_selector_is_a_regex_search)
{
  char *out =
      ok(deployment, "- path: " CONTAINER ".args.[30m]\n  value: 60m\n");
  ck_assert_ptr_nonnull(strstr(out,
                               "\"args\":[\"discovery\",\""
                               "--keepaliveMaxServerConnectionAge\",\"60m\"]"));
  free(out);
}
END_TEST

START_TEST(key_value_selector_then_field)
{
  char *out = ok(deployment,
                 "- path: " CONTAINER
                 ".ports.[containerPort:8080].containerPort\n  value: 1234\n");
  ck_assert_ptr_nonnull(
      strstr(out, "{\"containerPort\":1234,\"protocol\":\"TCP\"}"));
  free(out);
}
END_TEST

START_TEST(string_that_reads_as_a_map_becomes_one)
{
  char *out = ok(deployment,
                 "- path: " CONTAINER ".env.[name:POD_NAMESPACE].valueFrom\n"
                 "  value: \"fieldRef:\\n  apiVersion: v2\\n  fieldPath: "
                 "metadata.myPath\\n\"\n");
  ck_assert_ptr_nonnull(strstr(out,
                               "\"valueFrom\":{\"fieldRef\":{\"apiVersion\""
                               ":\"v2\",\"fieldPath\":\"metadata.myPath\"}}"));
  free(out);
}
END_TEST

START_TEST(no_value_deletes)
{
  char *out = ok(deployment, "- path: " CONTAINER ".env.[name:REVISION]\n"
                             "- path: " CONTAINER ".securityContext\n");
  ck_assert_ptr_null(strstr(out, "REVISION"));
  ck_assert_ptr_null(strstr(out, "securityContext"));
  ck_assert_ptr_nonnull(strstr(out, "POD_NAMESPACE"));
  free(out);
}
END_TEST

START_TEST(escaped_dots_in_selectors)
{
  const char *mwc =
      "apiVersion: admissionregistration.k8s.io/v1\n"
      "kind: MutatingWebhookConfiguration\nmetadata: {name: "
      "istio-sidecar-injector}\n"
      "webhooks:\n- name: namespace.sidecar-injector.istio.io\n"
      "  clientConfig: {service: {name: istiod, namespace: istio-system}}\n";
  char *out =
      ok(mwc, "- path: webhooks.[name:namespace\\.sidecar-injector\\.istio"
              "\\.io].clientConfig.service.name\n  value: foo\n");
  ck_assert_ptr_nonnull(strstr(out, "\"service\":{\"name\":\"foo\""));
  free(out);
}
END_TEST

START_TEST(missing_maps_are_created)
{
  char *out = ok("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: r}\n",
                 "- path: spec.automountServiceAccountToken\n  value: false\n");
  ck_assert_ptr_nonnull(
      strstr(out, "\"spec\":{\"automountServiceAccountToken\":false}"));
  free(out);
}
END_TEST

START_TEST(append_with_minus_one)
{
  char *out = ok(deployment, "- path: " CONTAINER ".args.[-1]\n  value: --x\n");
  ck_assert_ptr_nonnull(strstr(out, "\"30m\",\"--x\"]"));
  free(out);
}
END_TEST

START_TEST(element_not_found_is_an_error)
{
  int rc;
  struct err e;
  char *out = apply(deployment,
                    "- path: " CONTAINER ".env.[name:NOPE].value\n"
                    "  value: x\n",
                    &rc, &e);
  ck_assert_int_ne(rc, 0);
  ck_assert_str_eq(e.msg,
                   "path spec.template.spec.containers.[name:discovery]."
                   "env.[name:NOPE].value: element [name:NOPE] not found");
  free(out);
}
END_TEST

START_TEST(leaf_in_the_middle_is_an_error)
{
  int rc;
  struct err e;
  char *out =
      apply(deployment, "- path: metadata.name.x\n  value: y\n", &rc, &e);
  ck_assert_int_ne(rc, 0);
  ck_assert_str_eq(e.msg, "leaf type string in non-leaf Node x");
  free(out);
}
END_TEST

Suite *overlay_suite(void)
{
  Suite *s = suite_create("overlay");
  TCase *tc = tcase_create("paths");
  tcase_add_test(tc, value_selector_is_a_regex_search);
  tcase_add_test(tc, key_value_selector_then_field);
  tcase_add_test(tc, string_that_reads_as_a_map_becomes_one);
  tcase_add_test(tc, no_value_deletes);
  tcase_add_test(tc, escaped_dots_in_selectors);
  tcase_add_test(tc, missing_maps_are_created);
  tcase_add_test(tc, append_with_minus_one);
  tcase_add_test(tc, element_not_found_is_an_error);
  tcase_add_test(tc, leaf_in_the_middle_is_an_error);
  suite_add_tcase(s, tc);
  return s;
}
