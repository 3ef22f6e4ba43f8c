/* smp: strategic merge patches compared with what real kubectl does
 * (`kubectl patch --local --type strategic`), case by case. */
#include "kjson.h"
#include "kyaml.h"
#include "smp.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct smp_case {
  const char *name;
  const char *object; /* YAML */
  const char *patch;  /* JSON */
};

#define DEPLOY_HEAD                                                            \
  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: istiod\n"         \
  "spec:\n  template:\n    spec:\n"

static const struct smp_case cases[] = {
    {"env merges by name and keeps apimachinery's order",
     DEPLOY_HEAD "      containers:\n      - name: discovery\n        env:\n"
                 "        - {name: REVISION, value: default}\n"
                 "        - {name: PILOT_CERT_PROVIDER, value: istiod}\n"
                 "        - {name: POD_NAME, value: a}\n"
                 "        - {name: POD_NAMESPACE, value: b}\n"
                 "        - {name: X, value: c}\n",
     "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":"
     "\"discovery\","
     "\"env\":[{\"name\":\"POD_NAME\",\"value\":\"z\"},{\"name\":\"GODEBUG\","
     "\"value\":\"g\"},{\"name\":\"NEW_VAR\",\"value\":\"n\"}]}]}}}}"},
    {"tolerations are replaced, nodeSelector merged, null deletes",
     DEPLOY_HEAD "      nodeSelector: {a: b, c: d}\n"
                 "      tolerations:\n      - {key: x, operator: Exists}\n"
                 "      containers:\n      - {name: c1, image: i}\n",
     "{\"spec\":{\"template\":{\"spec\":{\"nodeSelector\":{\"a\":null,\"e\":"
     "\"f\"},"
     "\"tolerations\":[{\"key\":\"y\",\"operator\":\"Exists\"}]}}}}"},
    {"a new container is appended, resources of an existing one merged",
     DEPLOY_HEAD "      containers:\n      - name: a\n        image: i\n"
                 "        resources: {requests: {cpu: 100m, memory: 1Gi}}\n"
                 "      - {name: b, image: j}\n",
     "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\","
     "\"image\":\"k\"},{\"name\":\"a\",\"resources\":{\"requests\":{\"cpu\":"
     "\"200m\"},\"limits\":{\"cpu\":\"1\"}}}]}}}}"},
    {"container ports merge by containerPort",
     DEPLOY_HEAD "      containers:\n      - name: a\n        ports:\n"
                 "        - {containerPort: 8080, protocol: TCP}\n"
                 "        - {containerPort: 15010, protocol: TCP}\n",
     "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\","
     "\"ports\":[{\"containerPort\":15010,\"name\":\"grpc\"},{\"containerPort\""
     ":9090}]}]}}}}"},
    {"$patch delete removes a list element",
     DEPLOY_HEAD
     "      containers:\n      - name: a\n        env:\n"
     "        - {name: A, value: '1'}\n        - {name: B, value: '2'}\n",
     "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\","
     "\"env\":[{\"name\":\"A\",\"$patch\":\"delete\"}]}]}}}}"},
    {"$patch replace on a map",
     DEPLOY_HEAD
     "      nodeSelector: {a: b}\n      containers:\n      - {name: a}\n",
     "{\"spec\":{\"template\":{\"spec\":{\"nodeSelector\":{\"$patch\":"
     "\"replace\","
     "\"x\":\"y\"}}}}}"},
    {"service ports merge by port",
     "apiVersion: v1\nkind: Service\nmetadata:\n  name: istiod\nspec:\n"
     "  type: ClusterIP\n  ports:\n  - {port: 15010, name: grpc-xds}\n"
     "  - {port: 443, name: https-webhook, targetPort: 15017}\n",
     "{\"spec\":{\"type\":\"LoadBalancer\",\"externalTrafficPolicy\":\"Local\","
     "\"ports\":[{\"port\":443,\"nodePort\":30443},{\"port\":80,\"name\":"
     "\"http\"}]}}"},
    {"finalizers merge as a set",
     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
     "  finalizers: [a, b]\ndata: {k: v}\n",
     "{\"metadata\":{\"finalizers\":[\"b\",\"c\"]},\"data\":{\"k\":null}}"},
    {"strategy retainKeys",
     "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n"
     "  strategy:\n    type: RollingUpdate\n    rollingUpdate: {maxSurge: 1}\n",
     "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"type\":"
     "\"Recreate\"}}}"},
    {"a map replacing a scalar, nested nulls dropped",
     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
     "  annotations: {a: b}\n",
     "{\"metadata\":{\"labels\":{\"x\":\"y\",\"z\":null}}}"},
};

static char *compact(struct json_object *o)
{
  struct buf b;
  struct err e;
  buf_init(&b, 0);
  ck_assert_int_eq(kjson_write(&b, o, 0, &e), 0);
  return buf_take(&b);
}

static struct json_object *parse_yaml(const char *text)
{
  struct json_object *o = NULL;
  struct err e;
  struct kyaml_opts opts = {.name = "case"};
  ck_assert_msg(kyaml_parse(text, strlen(text), &opts, &o, &e) == 0, "%s",
                e.msg);
  return o;
}

static char *kubectl_patch(const struct smp_case *c)
{
  char *dir = test_tmpdir();
  char *file = test_write_file(dir, "obj.yaml", c->object);
  char *argv[] = {(char *)test_kubectl_bin(),
                  "patch",
                  "--local",
                  "-f",
                  file,
                  "--type",
                  "strategic",
                  "-p",
                  (char *)c->patch,
                  "-o",
                  "json",
                  NULL};
  setenv("KUBECONFIG", "/dev/null", 1);
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, NULL, &r), 0);
  ck_assert_msg(r.status == 0, "%s: kubectl: %s", c->name, r.err);
  struct json_object *o = parse_yaml(r.out);
  char *out = compact(o);
  json_object_put(o);
  run_result_free(&r);
  test_rm_rf(dir);
  free(file);
  free(dir);
  return out;
}

START_TEST(same_as_kubectl)
{
  const struct smp_case *c = &cases[_i];
  struct json_object *obj = parse_yaml(c->object);
  struct json_object *patch = NULL;
  struct err e;
  ck_assert_int_eq(kjson_parse(c->patch, strlen(c->patch), "patch", &patch, &e),
                   0);
  const char *kind =
      json_object_get_string(json_object_object_get(obj, "kind"));
  ck_assert_msg(smp_apply(obj, kind, patch, &e) == 0, "%s: %s", c->name, e.msg);
  char *ours = compact(obj);
  char *theirs = kubectl_patch(c);
  ck_assert_msg(strcmp(ours, theirs) == 0, "%s:\n ours   %s\n kubectl %s",
                c->name, ours, theirs);
  free(ours);
  free(theirs);
  json_object_put(obj);
  json_object_put(patch);
}
END_TEST

Suite *smp_suite(void)
{
  Suite *s = suite_create("smp");
  TCase *tc = tcase_create("kubectl");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, same_as_kubectl, 0,
                      (int)(sizeof cases / sizeof cases[0]));
  suite_add_tcase(s, tc);
  return s;
}
