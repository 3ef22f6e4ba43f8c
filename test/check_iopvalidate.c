/* iopvalidate: what istioctl refuses in an IstioOperator, and what it lets
 * through, each message naming the field's path. */
#include "buf.h"
#include "iop.h"
#include "iopvalidate.h"
#include "kyaml.h"
#include "testutil.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER                                                                 \
  "apiVersion: install.istio.io/v1alpha1\n"                                    \
  "kind: IstioOperator\n"                                                      \
  "metadata:\n"                                                                \
  "  namespace: istio-system\n"

/* A merged configuration as iop_merge_inputs leaves it: YAML read with
 * every number a float64. */
static struct json_object *merged(const char *text)
{
  struct json_object *o = NULL;
  struct err e;
  struct kyaml_opts opts = {.name = "test", .numbers = KYAML_NUMBERS_FLOAT};
  ck_assert_msg(kyaml_parse(text, strlen(text), &opts, &o, &e) == 0, "%s",
                e.msg);
  return o;
}

static void validate(const char *text, struct iop_validation *v)
{
  struct json_object *m = merged(text);
  struct err e;
  ck_assert_msg(iop_validate(m, v, &e) == 0, "%s", e.msg);
  json_object_put(m);
}

static char *fixture(const char *name)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/test/fixtures/iopvalidate/%s", test_src_dir(),
           name);
  return strdup(path);
}

/* Merges an IstioOperator file over the test profiles, as manifest
 * generate would, then validates. */
static void validate_file(const char *name, struct iop_validation *v)
{
  char *file = fixture(name), *dir = fixture("manifests"), *manifests = NULL;
  const char *files[] = {file};
  struct iop_inputs in = {
      .files = files, .nfiles = 1, .default_manifests = dir};
  struct json_object *m = NULL;
  struct err e;
  ck_assert_msg(iop_merge_inputs(&in, &m, &manifests, &e) == 0, "%s", e.msg);
  ck_assert_msg(iop_validate(m, v, &e) == 0, "%s", e.msg);
  json_object_put(m);
  free(manifests);
  free(dir);
  free(file);
}

/* text with n spaces before each line. */
static char *indent(const char *text, int n)
{
  struct buf b;
  buf_init(&b, 0);
  for (const char *line = text; *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
    buf_printf(&b, "%*s%.*s", n, "", (int)len, line);
    line += len;
  }
  return buf_take(&b);
}

static char *all(char *const *msgs, int n)
{
  char *s = iop_validation_join(msgs, n);
  return s;
}

/* Exactly these errors and warnings, in this order (NULL-terminated). */
static void expect(const struct iop_validation *v, const char *const *errors,
                   const char *const *warnings)
{
  char *got_e = all(v->errors, v->nerrors);
  char *got_w = all(v->warnings, v->nwarnings);
  int ne = 0, nw = 0;
  while (errors && errors[ne])
    ne++;
  while (warnings && warnings[nw])
    nw++;
  ck_assert_msg(v->nerrors == ne, "want %d errors, got %d: %s", ne, v->nerrors,
                got_e);
  ck_assert_msg(v->nwarnings == nw, "want %d warnings, got %d: %s", nw,
                v->nwarnings, got_w);
  for (int i = 0; i < ne; i++)
    ck_assert_str_eq(v->errors[i], errors[i]);
  for (int i = 0; i < nw; i++)
    ck_assert_str_eq(v->warnings[i], warnings[i]);
  free(got_e);
  free(got_w);
}

#define ERRORS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NONE NULL

static void expect_errors(const char *text, const char *const *errors)
{
  struct iop_validation v;
  validate(text, &v);
  expect(&v, errors, NONE);
  iop_validation_free(&v);
}

static void expect_valid(const char *text)
{
  expect_errors(text, NONE);
}

/* ---- inputs that pass ---- */

START_TEST(default_profile_shape_is_valid)
{
  char *path = fixture("merged-default.yaml");
  size_t len;
  char *text = test_read_file(path, &len);
  ck_assert_ptr_nonnull(text);
  expect_valid(text);
  free(text);
  free(path);
}
END_TEST

START_TEST(profiles_merged_alone_are_valid)
{
  static const char *const profiles[] = {"default", "demo", "ambient"};
  for (size_t i = 0; i < 3; i++) {
    char *dir = fixture("manifests"), *manifests = NULL, flag[64];
    snprintf(flag, sizeof flag, "profile=%s", profiles[i]);
    const char *sets[] = {flag};
    struct iop_inputs in = {.sets = sets, .nsets = 1, .default_manifests = dir};
    struct json_object *m = NULL;
    struct iop_validation v;
    struct err e;
    ck_assert_msg(iop_merge_inputs(&in, &m, &manifests, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(iop_validate(m, &v, &e), 0);
    expect(&v, NONE, NONE);
    iop_validation_free(&v);
    json_object_put(m);
    free(manifests);
    free(dir);
  }
}
END_TEST

START_TEST(gateways_with_k8s_settings_and_overlays_are_valid)
{
  struct iop_validation v;
  validate_file("gateways.yaml", &v);
  expect(&v, NONE, NONE);
  iop_validation_free(&v);
}
END_TEST

START_TEST(values_and_mesh_config_are_valid)
{
  struct iop_validation v;
  validate_file("values-and-mesh.yaml", &v);
  expect(&v, NONE, NONE);
  iop_validation_free(&v);
}
END_TEST

START_TEST(null_and_empty_inputs_are_valid)
{
  struct iop_validation v;
  struct err e;
  ck_assert_int_eq(iop_validate(NULL, &v, &e), 0);
  expect(&v, NONE, NONE);
  iop_validation_free(&v);
  expect_valid("{}\n");
  /* A bare "values:" or "meshConfig:" is null: nothing to check. */
  expect_valid(HEADER "spec:\n  values:\n  meshConfig:\n  components:\n");
}
END_TEST

START_TEST(go_matches_field_names_ignoring_case)
{
  /* encoding/json falls back to a case-insensitive match, protobuf
   * decoding does not. */
  expect_valid(HEADER "spec:\n  components:\n    Pilot:\n      K8S:\n"
                      "        replicaCount: 2\n");
  expect_errors(HEADER "spec:\n  values:\n    Global: {}\n",
                ERRORS("could not unmarshal: spec.values.Global: unknown field "
                       "\"Global\" in istio.operator.v1alpha1.Values"));
}
END_TEST

/* ---- the object itself (Go decoding) ---- */

START_TEST(golden_k8s_toleration_typo)
{
  /* istioctl's invalid-k8s case, through the merge with a profile. */
  struct iop_validation v;
  validate_file("k8s-toleration-typo.yaml", &v);
  expect(&v,
         ERRORS("could not unmarshal: spec.components.ztunnel.k8s."
                "tolerations[1].efect: json: unknown field \"efect\""),
         NONE);
  iop_validation_free(&v);
  expect_errors(HEADER "spec:\n  components:\n    pilot:\n      k8s:\n"
                       "        tolerations:\n        - thats: not-a-field\n",
                ERRORS("could not unmarshal: spec.components.pilot.k8s."
                       "tolerations[0].thats: json: unknown field \"thats\""));
}
END_TEST

START_TEST(unknown_fields_anywhere_in_the_object)
{
  expect_errors(HEADER "  nmae: x\nstatus: {}\nspec:\n  addonComponents: {}\n",
                ERRORS("could not unmarshal: metadata.nmae: json: unknown "
                       "field \"nmae\"",
                       "could not unmarshal: status: json: unknown field "
                       "\"status\"",
                       "could not unmarshal: spec.addonComponents: json: "
                       "unknown field \"addonComponents\""));
  /* Removed components and the removed "spec" of a component. */
  expect_errors(HEADER "spec:\n  components:\n    telemetry: {}\n"
                       "    pilot:\n      spec: {}\n",
                ERRORS("could not unmarshal: spec.components.telemetry: json: "
                       "unknown field \"telemetry\"",
                       "could not unmarshal: spec.components.pilot.spec: "
                       "json: unknown field \"spec\""));
  expect_errors(HEADER "spec:\n  components:\n    ingressGateways:\n"
                       "    - name: gw\n      labels: {a: b}\n",
                ERRORS("could not unmarshal: spec.components."
                       "ingressGateways[0].labels: json: unknown field "
                       "\"labels\""));
  expect_errors(HEADER "spec:\n  components:\n    base:\n      k8s:\n"
                       "        overlays:\n        - kind: Service\n"
                       "          patches:\n          - path: a\n"
                       "            valu: b\n",
                ERRORS("could not unmarshal: spec.components.base.k8s."
                       "overlays[0].patches[0].valu: json: unknown field "
                       "\"valu\""));
}
END_TEST

START_TEST(unknown_fields_in_kubernetes_types)
{
  expect_errors(
      HEADER
      "spec:\n  components:\n    pilot:\n      k8s:\n"
      "        affinity:\n          nodeAffinity:\n"
      "            requiredDuringSchedulingIgnoredDuringExecution:\n"
      "              nodeSelectorTerms:\n"
      "              - matchExpressions:\n"
      "                - {key: a, operator: In, value: [b]}\n"
      "        podDisruptionBudget: {minAvailable: 1, maxUnavaliable: 1}\n"
      "        readinessProbe:\n          httpGet: {path: /, port: 80,"
      " scheme: HTTP, headers: []}\n"
      "        env:\n        - name: A\n          valueFrom:\n"
      "            fieldRef: {fieldPath: metadata.name, field: x}\n"
      "        volumes:\n        - name: v\n"
      "          configMap: {name: c, item: []}\n"
      "        volumeMounts:\n        - {name: v, mountpath: /v}\n"
      "        securityContext: {runAsUser: 1337, privileged: true}\n"
      "        strategy: {rollingUpdate: {maxSurge: 1, surge: 2}}\n"
      "        service: {ports: [{port: 15443, targetport: 15443}]}\n",
      ERRORS("could not unmarshal: spec.components.pilot.k8s.affinity."
             "nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
             "nodeSelectorTerms[0].matchExpressions[0].value: json: unknown "
             "field \"value\"",
             "could not unmarshal: spec.components.pilot.k8s."
             "podDisruptionBudget.maxUnavaliable: json: unknown field "
             "\"maxUnavaliable\"",
             "could not unmarshal: spec.components.pilot.k8s.readinessProbe."
             "httpGet.headers: json: unknown field \"headers\"",
             "could not unmarshal: spec.components.pilot.k8s.env[0].valueFrom."
             "fieldRef.field: json: unknown field \"field\"",
             "could not unmarshal: spec.components.pilot.k8s.volumes[0]."
             "configMap.item: json: unknown field \"item\"",
             "could not unmarshal: spec.components.pilot.k8s.securityContext."
             "privileged: json: unknown field \"privileged\"",
             "could not unmarshal: spec.components.pilot.k8s.strategy."
             "rollingUpdate.surge: json: unknown field \"surge\""));
  /* targetport and mountpath are accepted: Go matches them ignoring case. */
}
END_TEST

START_TEST(hpa_v2beta1_fields_are_refused)
{
  /* istioctl's deprecated autoscaling inputs fail the HPA v2 decode. */
  expect_errors(HEADER "spec:\n  components:\n    pilot:\n      k8s:\n"
                       "        hpaSpec:\n          maxReplicas: 3\n"
                       "          metrics:\n          - type: Resource\n"
                       "            resource:\n              name: cpu\n"
                       "              targetAverageUtilization: 80\n",
                ERRORS("could not unmarshal: spec.components.pilot.k8s.hpaSpec."
                       "metrics[0].resource.targetAverageUtilization: json: "
                       "unknown field \"targetAverageUtilization\""));
}
END_TEST

START_TEST(type_errors_in_the_object)
{
  expect_errors(
      HEADER "spec:\n  revision: 2\n  components:\n    pilot:\n"
             "      enabled: \"yes\"\n      k8s:\n        replicaCount: -1\n"
             "        securityContext: {runAsUser: root}\n"
             "        strategy: {rollingUpdate: {maxSurge: 1.5}}\n"
             "        resources: {requests: {cpu: lots}}\n"
             "        tolerations: {key: a}\n"
             "        service: {ports: [{port: 80, targetPort: true}]}\n"
             "    ingressGateways:\n    - name: gw\n      label: {a: 1}\n",
      ERRORS("could not unmarshal: spec.revision: json: cannot unmarshal "
             "number into Go value of type string",
             "could not unmarshal: spec.components.pilot.enabled: json: "
             "cannot unmarshal string into Go value of type bool",
             "could not unmarshal: spec.components.pilot.k8s.replicaCount: "
             "json: cannot unmarshal number -1 into Go value of type uint32",
             "could not unmarshal: spec.components.pilot.k8s.securityContext."
             "runAsUser: json: cannot unmarshal string into Go value of type "
             "int64",
             "could not unmarshal: spec.components.pilot.k8s.strategy."
             "rollingUpdate.maxSurge: json: cannot unmarshal number 1.5 into "
             "Go value of type int32",
             "could not unmarshal: spec.components.pilot.k8s.resources."
             "requests.cpu: quantities must match the regular expression "
             "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
             "could not unmarshal: spec.components.pilot.k8s.tolerations: "
             "json: cannot unmarshal object into Go value of type "
             "[]Toleration",
             "could not unmarshal: spec.components.pilot.k8s.service.ports[0]."
             "targetPort: json: cannot unmarshal bool into Go value of type "
             "int32",
             "could not unmarshal: spec.components.ingressGateways[0].label.a: "
             "json: cannot unmarshal number into Go value of type string"));
  expect_errors(HEADER "  creationTimestamp: yesterday\nspec: []\n",
                ERRORS("could not unmarshal: metadata.creationTimestamp: "
                       "parsing time \"yesterday\" as "
                       "\"2006-01-02T15:04:05Z07:00\": not an RFC 3339 time",
                       "could not unmarshal: spec: json: cannot unmarshal "
                       "array into Go value of type IstioOperatorSpec"));
  expect_errors("- apiVersion: install.istio.io/v1alpha1\n",
                ERRORS("could not unmarshal: json: cannot unmarshal array into "
                       "Go value of type IstioOperator"));
  expect_valid(HEADER "  creationTimestamp: \"2024-02-29T10:00:00Z\"\n"
                      "spec:\n  components:\n    pilot:\n      k8s:\n"
                      "        resources: {limits: {cpu: 1.5, memory: 1e9}}\n");
}
END_TEST

START_TEST(object_errors_stop_validation)
{
  /* istioctl returns as soon as the object does not decode: the bad
   * values key and the bad revision are not reported. */
  expect_errors(HEADER "spec:\n  revision: Bad_Rev\n  components:\n"
                       "    pilot:\n      k8s:\n        tolerations:\n"
                       "        - thats: x\n  values:\n    global:\n"
                       "      badKey: 1\n",
                ERRORS("could not unmarshal: spec.components.pilot.k8s."
                       "tolerations[0].thats: json: unknown field \"thats\""));
}
END_TEST

/* ---- spec.values (protobuf decoding) ---- */

START_TEST(golden_unknown_values_key)
{
  /* istioctl's flag_force case, through the merge with a profile. */
  struct iop_validation v;
  validate_file("values-bad-key.yaml", &v);
  expect(&v,
         ERRORS("could not unmarshal: spec.values.global.notAValuesKey: "
                "unknown field \"notAValuesKey\" in "
                "istio.operator.v1alpha1.GlobalConfig"),
         NONE);
  iop_validation_free(&v);
  expect_errors(HEADER "spec:\n  values:\n    global:\n      badKey: bad\n"
                       "    pilots: {}\n",
                ERRORS("could not unmarshal: spec.values.global.badKey: "
                       "unknown field \"badKey\" in "
                       "istio.operator.v1alpha1.GlobalConfig",
                       "could not unmarshal: spec.values.pilots: unknown field "
                       "\"pilots\" in istio.operator.v1alpha1.Values"));
}
END_TEST

START_TEST(values_type_errors)
{
  expect_errors(
      HEADER "spec:\n  values:\n    global:\n      configValidation: \"no\"\n"
             "      proxy:\n        tracer: jaeger\n"
             "        statusPort: 15020.5\n"
             "      imagePullSecrets: regcred\n"
             "      sds: on\n"
             "    pilot:\n      autoscaleMin: -1\n"
             "      keepaliveMaxServerConnectionAge: thirty\n"
             "      traceSampling: often\n"
             "      env: [A]\n",
      ERRORS("could not unmarshal: spec.values.global.configValidation: json: "
             "cannot unmarshal string into Go value of type bool",
             "could not unmarshal: spec.values.global.proxy.tracer: unknown "
             "value \"\\\"jaeger\\\"\" for enum istio.operator.v1alpha1.tracer",
             "could not unmarshal: spec.values.global.proxy.statusPort: json: "
             "cannot unmarshal number 15020.5 into Go value of type uint32",
             "could not unmarshal: spec.values.global.imagePullSecrets: json: "
             "cannot unmarshal string into Go value of type []string",
             "could not unmarshal: spec.values.global.sds: json: cannot "
             "unmarshal bool into Go value of type "
             "istio.operator.v1alpha1.SDSConfig",
             "could not unmarshal: spec.values.pilot.autoscaleMin: json: "
             "cannot unmarshal number -1 into Go value of type uint32",
             "could not unmarshal: spec.values.pilot."
             "keepaliveMaxServerConnectionAge: bad Duration: time: invalid "
             "duration \"thirty\"",
             "could not unmarshal: spec.values.pilot.traceSampling: json: "
             "cannot unmarshal string into Go value of type float64",
             "could not unmarshal: spec.values.pilot.env: json: cannot "
             "unmarshal array into Go value of type object"));
}
END_TEST

START_TEST(values_follow_protobuf_json_rules)
{
  /* Quoted numbers are numbers, enums may be numbers, both spellings of a
   * field name work, Value fields take anything. */
  expect_valid(HEADER
               "spec:\n  values:\n    pilot:\n"
               "      replicaCount: \"2\"\n      traceSampling: \"0.5\"\n"
               "      rollingMaxSurge: 50%\n"
               "    global:\n      proxy: {tracer: 5}\n"
               "      proxy_init: {image: proxyv2}\n"
               "    gateways:\n      istio_ingressgateway: {name: x}\n"
               "    cni:\n      resource_quotas: {enabled: true}\n"
               "      resourceQuotas: {pods: \"64\"}\n"
               "      psp_cluster_role: x\n"
               "    istio_cni: {enabled: true}\n"
               "    ztunnel: {whatever: [1, {a: b}]}\n"
               "    gatewayClasses: {istio: {}}\n");
}
END_TEST

START_TEST(golden_values_toleration_typo)
{
  /* istioctl's invalid-k8s-values case: values take any object for a
   * toleration, the strict second decode does not. */
  struct iop_validation v;
  validate_file("values-toleration-typo.yaml", &v);
  expect(&v,
         ERRORS("invalid schema for spec.values.global.defaultTolerations[0]."
                "efect: json: unknown field \"efect\""),
         NONE);
  iop_validation_free(&v);
  expect_errors(HEADER
                "spec:\n  values:\n    global:\n      defaultTolerations:"
                "\n      - thats: not-a-real-field\n",
                ERRORS("invalid schema for spec.values.global."
                       "defaultTolerations[0].thats: json: unknown field "
                       "\"thats\""));
}
END_TEST

START_TEST(values_kubernetes_structs)
{
  expect_errors(
      HEADER
      "spec:\n  values:\n"
      "    cni:\n      affinity: {nodeAffinty: {}}\n"
      "      seccompProfile: {type: RuntimeDefault, profile: x}\n"
      "    pilot:\n      volumes:\n      - name: v\n"
      "        secret: {secretName: s, items: [{key: k, path: p,"
      " mode: \"0644\"}]}\n"
      "      volumeMounts: [{name: v, mountPath: /v, readonly: true,"
      " recursive: x}]\n"
      "      topologySpreadConstraints: [{maxSkew: one}]\n"
      "    global:\n      proxy:\n        lifecycle:\n"
      "          preStop: {sleep: {second: 5}}\n"
      "      waypoint:\n        nodeSelector: {kubernetes.io/os: linux}\n"
      "    sidecarInjectorWebhook:\n      alwaysInjectSelector:\n"
      "      - matchLabel: {a: b}\n"
      "    gateways:\n      istio-egressgateway:\n"
      "        tolerations: [{tolerationSeconds: soon}]\n",
      ERRORS("invalid schema for spec.values.cni.affinity.nodeAffinty: json: "
             "unknown field \"nodeAffinty\"",
             "invalid schema for spec.values.cni.seccompProfile.profile: json: "
             "unknown field \"profile\"",
             "invalid schema for spec.values.pilot.volumes[0].secret.items[0]."
             "mode: json: cannot unmarshal string into Go value of type int32",
             "invalid schema for spec.values.pilot.volumeMounts[0].recursive: "
             "json: unknown field \"recursive\"",
             "invalid schema for spec.values.pilot.topologySpreadConstraints[0]"
             ".maxSkew: json: cannot unmarshal string into Go value of type "
             "int32",
             "invalid schema for spec.values.global.proxy.lifecycle.preStop."
             "sleep.second: json: unknown field \"second\"",
             /* istioctl reads waypoint.nodeSelector as node selector terms */
             "invalid schema for spec.values.global.waypoint.nodeSelector"
             "[\"kubernetes.io/os\"]: json: unknown field \"kubernetes.io/os\"",
             "invalid schema for spec.values.sidecarInjectorWebhook."
             "alwaysInjectSelector[0].matchLabel: json: unknown field "
             "\"matchLabel\"",
             "invalid schema for spec.values.gateways.istio-egressgateway."
             "tolerations[0].tolerationSeconds: json: cannot unmarshal string "
             "into Go value of type int64"));
}
END_TEST

START_TEST(values_structs_read_numbers_into_strings)
{
  /* sigs.k8s.io/yaml turns a number into text for a string field, so
   * values accept what the k8s settings (plain encoding/json) refuse. */
  expect_valid(HEADER "spec:\n  values:\n    global:\n      defaultTolerations:"
                      "\n      - {key: gpu, operator: Equal, value: 1}\n"
                      "    gateways:\n      istio-ingressgateway:\n"
                      "        podAntiAffinityTermLabelSelector:\n"
                      "        - matchLabels: {tier: 2}\n");
  expect_errors(HEADER "spec:\n  components:\n    pilot:\n      k8s:\n"
                       "        tolerations: [{key: gpu, value: 1}]\n",
                ERRORS("could not unmarshal: spec.components.pilot.k8s."
                       "tolerations[0].value: json: cannot unmarshal number "
                       "into Go value of type string"));
  /* The chart's legacy selector items are not LabelSelectors: istioctl
   * refuses them. */
  expect_errors(HEADER "spec:\n  values:\n    gateways:\n"
                       "      istio-ingressgateway:\n"
                       "        podAntiAffinityLabelSelector:\n"
                       "        - {key: app, operator: In, values: gw}\n",
                ERRORS("invalid schema for spec.values.gateways."
                       "istio-ingressgateway.podAntiAffinityLabelSelector[0]."
                       "key: json: unknown field \"key\"",
                       "invalid schema for spec.values.gateways."
                       "istio-ingressgateway.podAntiAffinityLabelSelector[0]."
                       "operator: json: unknown field \"operator\"",
                       "invalid schema for spec.values.gateways."
                       "istio-ingressgateway.podAntiAffinityLabelSelector[0]."
                       "values: json: unknown field \"values\""));
}
END_TEST

START_TEST(values_errors_skip_the_values_checks)
{
  /* As istioctl: when values do not decode, their feature, range and
   * schema checks do not run; the checks of the spec still do. */
  expect_errors(HEADER "spec:\n  revision: rev_1\n  values:\n    global:\n"
                       "      bad: 1\n      defaultTolerations: [{thats: x}]\n"
                       "      proxy: {includeIPRanges: nope}\n",
                ERRORS("could not unmarshal: spec.values.global.bad: unknown "
                       "field \"bad\" in istio.operator.v1alpha1.GlobalConfig",
                       "spec.revision: invalid revision specified: rev_1"));
}
END_TEST

/* ---- feature checks ---- */

START_TEST(gateway_ports_that_need_root)
{
  expect_errors(
      HEADER
      "spec:\n  components:\n    ingressGateways:\n"
      "    - name: istio-ingressgateway\n"
      "    - name: cluster-local-gateway\n      k8s:\n        service:\n"
      "          ports:\n          - {name: status-port, port: 15020}\n"
      "          - {name: http2, port: 80}\n"
      "          - {name: https, port: 443, targetPort: 443}\n"
      "          - {name: tls, port: 15443, targetPort: 900}\n"
      "          - {name: grpc, port: 81, targetPort: grpc}\n"
      "          - {name: ok, port: 82, targetPort: 8082}\n"
      "    egressGateways:\n    - name: egress\n      k8s:\n"
      "        service: {ports: [{name: http, port: 80, targetPort: 90}]}\n",
      ERRORS("spec.components.ingressGateways[1].k8s.service.ports[1]: port "
             "http2/80 in gateway cluster-local-gateway invalid: targetPort is "
             "set to 0, which requires root. Set targetPort to be greater than "
             "1024 or configure values.gateways.istio-ingressgateway."
             "runAsRoot=true",
             "spec.components.ingressGateways[1].k8s.service.ports[2]: port "
             "https/443 in gateway cluster-local-gateway invalid: targetPort "
             "is set to 443, which requires root. Set targetPort to be greater "
             "than 1024 or configure values.gateways.istio-ingressgateway."
             "runAsRoot=true",
             "spec.components.ingressGateways[1].k8s.service.ports[3]: port "
             "tls/15443 in gateway cluster-local-gateway invalid: targetPort "
             "is set to 900, which requires root. Set targetPort to be greater "
             "than 1024 or configure values.gateways.istio-ingressgateway."
             "runAsRoot=true",
             "spec.components.egressGateways[0].k8s.service.ports[0]: port "
             "http/80 in gateway egress invalid: targetPort is set to 90, "
             "which requires root. Set targetPort to be greater than 1024 or "
             "configure values.gateways.istio-egressgateway.runAsRoot=true"));
  /* Running as root allows low ports. */
  expect_valid(HEADER "spec:\n  components:\n    ingressGateways:\n"
                      "    - name: gw\n      k8s:\n        service:\n"
                      "          ports: [{name: http, port: 80}]\n"
                      "  values:\n    gateways:\n      istio-ingressgateway:\n"
                      "        runAsRoot: true\n");
}
END_TEST

START_TEST(legacy_ingress_ports)
{
  expect_errors(HEADER "spec:\n  values:\n    gateways:\n"
                       "      istio-ingressgateway:\n        ingressPorts:\n"
                       "        - {name: http, port: 80}\n"
                       "        - {name: tcp, port: 31400, targetPort: 90}\n"
                       "        - {name: ok, port: 8080}\n"
                       "        - {name: named, port: 80, targetPort: http}\n",
                ERRORS("spec.values.gateways.istio-ingressgateway."
                       "ingressPorts[0]: port 80 is invalid: targetPort is "
                       "set to 0, which requires root. Set targetPort to be "
                       "greater than 1024 or configure values.gateways."
                       "istio-ingressgateway.runAsRoot=true",
                       "spec.values.gateways.istio-ingressgateway."
                       "ingressPorts[1]: port 31400 is invalid: targetPort is "
                       "set to 90, which requires root. Set targetPort to be "
                       "greater than 1024 or configure values.gateways."
                       "istio-ingressgateway.runAsRoot=true"));
  /* Unlike istioctl, the runAsRoot its message suggests is honoured. */
  expect_valid(HEADER "spec:\n  values:\n    gateways:\n"
                      "      istio-ingressgateway:\n        runAsRoot: true\n"
                      "        ingressPorts: [{name: http, port: 80}]\n");
}
END_TEST

START_TEST(replica_count_with_autoscaling_warns)
{
  struct iop_validation v;
  validate(HEADER "spec:\n  values:\n    pilot: {autoscaleEnabled: true}\n"
                  "    gateways:\n"
                  "      istio-ingressgateway: {autoscaleEnabled: true}\n"
                  "      istio-egressgateway: {autoscaleEnabled: true}\n"
                  "  components:\n    pilot:\n      k8s: {replicaCount: 2}\n"
                  "    ingressGateways:\n    - name: a\n"
                  "    - name: b\n      k8s: {replicaCount: 3}\n"
                  "    egressGateways:\n    - name: c\n"
                  "      k8s: {replicaCount: 1}\n",
           &v);
  expect(&v, NONE,
         ERRORS("spec.components.pilot.k8s.replicaCount should not be set "
                "when values.pilot.autoscaleEnabled is true",
                "spec.components.ingressGateways[1].k8s.replicaCount should "
                "not be set when values.gateways.istio-ingressgateway."
                "autoscaleEnabled is true",
                "spec.components.egressGateways[0].k8s.replicaCount should "
                "not be set when values.gateways.istio-egressgateway."
                "autoscaleEnabled is true"));
  iop_validation_free(&v);
  /* One istiod replica, or no autoscaling: nothing to say. */
  validate(HEADER "spec:\n  values:\n    pilot: {autoscaleEnabled: true}\n"
                  "  components:\n    pilot:\n      k8s: {replicaCount: 1}\n"
                  "    ingressGateways:\n    - name: a\n"
                  "      k8s: {replicaCount: 3}\n",
           &v);
  expect(&v, NONE, NONE);
  iop_validation_free(&v);
}
END_TEST

/* ---- the proxy's capture lists ---- */

START_TEST(ip_ranges)
{
  expect_valid(HEADER
               "spec:\n  values:\n    global:\n      proxy:\n"
               "        includeIPRanges: \"*\"\n"
               "        excludeIPRanges: 10.0.0.0/8,::1/128,0.0.0.0/0\n");
  expect_errors(
      HEADER "spec:\n  values:\n    global:\n      proxy:\n"
             "        includeIPRanges: 1.1.0.256/16,1.2.3/16,1.2.3.x/16,*\n"
             "        excludeIPRanges: 3.3.0.0/33,10.0.0.1,fe80::1%eth0/64,"
             "10.0.0.0/08,01.2.3.4/8\n",
      ERRORS("spec.values.global.proxy.includeIPRanges: "
             "netip.ParsePrefix(\"1.1.0.256/16\"): ParseAddr(\"1.1.0.256\"): "
             "IPv4 field has value >255",
             "spec.values.global.proxy.includeIPRanges: "
             "netip.ParsePrefix(\"1.2.3/16\"): ParseAddr(\"1.2.3\"): IPv4 "
             "address too short",
             "spec.values.global.proxy.includeIPRanges: "
             "netip.ParsePrefix(\"1.2.3.x/16\"): ParseAddr(\"1.2.3.x\"): "
             "unexpected character (at \"x\")",
             "spec.values.global.proxy.includeIPRanges: "
             "netip.ParsePrefix(\"*\"): no '/'",
             "spec.values.global.proxy.excludeIPRanges: "
             "netip.ParsePrefix(\"3.3.0.0/33\"): prefix length out of range",
             "spec.values.global.proxy.excludeIPRanges: "
             "netip.ParsePrefix(\"10.0.0.1\"): no '/'",
             "spec.values.global.proxy.excludeIPRanges: "
             "netip.ParsePrefix(\"fe80::1%eth0/64\"): IPv6 zones cannot be "
             "present in a prefix",
             "spec.values.global.proxy.excludeIPRanges: "
             "netip.ParsePrefix(\"10.0.0.0/08\"): bad bits after slash: "
             "\"08\"",
             "spec.values.global.proxy.excludeIPRanges: "
             "netip.ParsePrefix(\"01.2.3.4/8\"): ParseAddr(\"01.2.3.4\"): "
             "IPv4 field has octet with leading zero"));
}
END_TEST

START_TEST(port_lists)
{
  expect_valid(HEADER "spec:\n  values:\n    global:\n      proxy:\n"
                      "        includeInboundPorts: \"*\"\n"
                      "        excludeInboundPorts: 15020,0,65535\n"
                      "        excludeOutboundPorts: \"\"\n");
  expect_errors(HEADER "spec:\n  values:\n    global:\n      proxy:\n"
                       "        excludeInboundPorts: -1,444\n"
                       "        includeInboundPorts: 111,222x\n"
                       "        includeOutboundPorts: \"70000\"\n"
                       "        excludeOutboundPorts: 3306, 5432\n",
                ERRORS("spec.values.global.proxy.includeInboundPorts: "
                       "strconv.ParseInt: parsing \"222x\": invalid syntax",
                       "value spec.values.global.proxy.excludeInboundPorts:-1 "
                       "falls outside range [0, 65535]",
                       "value spec.values.global.proxy.includeOutboundPorts:"
                       "70000 falls outside range [0, 65535]",
                       "spec.values.global.proxy.excludeOutboundPorts: "
                       "strconv.ParseInt: parsing \" 5432\": invalid syntax"));
}
END_TEST

/* ---- meshConfig ---- */

START_TEST(mesh_config_types_are_errors)
{
  /* spec.meshConfig is copied into values.meshConfig by the merge: each
   * error is reported once, where the user wrote it. */
  static const char mesh[] = "accessLogEncoding: XML\n"
                             "connectTimeout: 10\n"
                             "defaultConfig:\n"
                             "  holdApplicationUntilProxyStarts: \"yes\"\n"
                             "  concurrency: 1.5\n"
                             "  tracing: {sampling: lots}\n"
                             "outboundTrafficPolicy: {mode: ALLOW_ALL}\n"
                             "extensionProviders:\n"
                             "- name: x\n  zipkin: {port: -1}\n";
  char *spec_mesh = indent(mesh, 4), *values_mesh = indent(mesh, 6);
  char text[4096];
  snprintf(text, sizeof text,
           HEADER "spec:\n  meshConfig:\n%s  values:\n    meshConfig:\n%s",
           spec_mesh, values_mesh);
  free(spec_mesh);
  free(values_mesh);
  expect_errors(
      text,
      ERRORS("could not unmarshal: spec.meshConfig.accessLogEncoding: unknown "
             "value \"\\\"XML\\\"\" for enum "
             "istio.mesh.v1alpha1.MeshConfig.AccessLogEncoding",
             "could not unmarshal: spec.meshConfig.connectTimeout: json: "
             "cannot unmarshal number into Go value of type string",
             "could not unmarshal: spec.meshConfig.defaultConfig."
             "holdApplicationUntilProxyStarts: json: cannot unmarshal string "
             "into Go value of type bool",
             "could not unmarshal: spec.meshConfig.defaultConfig.concurrency: "
             "json: cannot unmarshal number 1.5 into Go value of type int32",
             "could not unmarshal: spec.meshConfig.defaultConfig.tracing."
             "sampling: json: cannot unmarshal string into Go value of type "
             "float64",
             "could not unmarshal: spec.meshConfig.outboundTrafficPolicy.mode: "
             "unknown value \"\\\"ALLOW_ALL\\\"\" for enum "
             "istio.mesh.v1alpha1.MeshConfig.OutboundTrafficPolicy.Mode",
             "could not unmarshal: spec.meshConfig.extensionProviders[0]."
             "zipkin.port: json: cannot unmarshal number -1 into Go value of "
             "type uint32"));
  /* Set only in values, it is reported there. */
  expect_errors(HEADER "spec:\n  values:\n    meshConfig:\n"
                       "      enableTracing: 1\n",
                ERRORS("could not unmarshal: spec.values.meshConfig."
                       "enableTracing: json: cannot unmarshal number into Go "
                       "value of type bool"));
  expect_errors(HEADER "spec:\n  meshConfig: accessLogFile=/dev/stdout\n",
                ERRORS("could not unmarshal: spec.meshConfig: json: cannot "
                       "unmarshal string into Go value of type "
                       "istio.mesh.v1alpha1.MeshConfig"));
}
END_TEST

START_TEST(mesh_config_unknown_fields_warn)
{
  /* istioctl retries without checking names; we still say which ones. */
  struct iop_validation v;
  validate(HEADER "spec:\n  meshConfig:\n    accessLogFiel: /dev/stdout\n"
                  "    defaultConfig:\n      proxyMetadata: {A: b}\n"
                  "      holdApplication: true\n"
                  "  values:\n    meshConfig:\n      enableTracng: true\n",
           &v);
  expect(&v, NONE,
         ERRORS("spec.values.meshConfig.enableTracng: unknown field "
                "\"enableTracng\" in istio.mesh.v1alpha1.MeshConfig (istioctl "
                "ignores it)",
                "spec.meshConfig.accessLogFiel: unknown field "
                "\"accessLogFiel\" in istio.mesh.v1alpha1.MeshConfig "
                "(istioctl ignores it)",
                "spec.meshConfig.defaultConfig.holdApplication: unknown field "
                "\"holdApplication\" in istio.mesh.v1alpha1.ProxyConfig "
                "(istioctl ignores it)"));
  iop_validation_free(&v);
  /* Proto names work as well as JSON names. */
  expect_valid(HEADER "spec:\n  meshConfig:\n    access_log_file: /dev/stdout\n"
                      "    default_config: {proxy_metadata: {A: b}}\n"
                      "    mesh_mTLS: {min_protocol_version: TLSV1_2}\n");
}
END_TEST

START_TEST(mesh_config_durations)
{
  expect_valid(HEADER "spec:\n  meshConfig:\n    connectTimeout: 0.5h\n"
                      "    dnsRefreshRate: 1m30.5s\n"
                      "    protocolDetectionTimeout: \"0\"\n"
                      "    defaultConfig: {drainDuration: 1m, "
                      "terminationDrainDuration: -1.5us}\n");
  expect_errors(HEADER "spec:\n  meshConfig:\n    connectTimeout: \"10\"\n"
                       "    dnsRefreshRate: 5d\n    hboneIdleTimeout: \"\"\n",
                ERRORS("could not unmarshal: spec.meshConfig.connectTimeout: "
                       "bad Duration: time: missing unit in duration \"10\"",
                       "could not unmarshal: spec.meshConfig.dnsRefreshRate: "
                       "bad Duration: time: unknown unit \"d\" in duration "
                       "\"5d\"",
                       "could not unmarshal: spec.meshConfig.hboneIdleTimeout: "
                       "bad Duration: time: invalid duration \"\""));
}
END_TEST

START_TEST(mesh_config_semantics)
{
  struct iop_validation v;
  validate(HEADER
           "spec:\n  meshConfig:\n"
           "    proxyListenPort: 0\n"
           "    connectTimeout: 2h\n"
           "    protocolDetectionTimeout: 100us\n"
           "    trustDomain: bad_domain\n"
           "    trustDomainAliases: [old.example, Bad Alias]\n"
           "    defaultConfig:\n"
           "      discoveryAddress: istiod\n"
           "      drainDuration: 1500ms\n"
           "      proxyAdminPort: 70000\n"
           "      controlPlaneAuthPolicy: INHERIT\n"
           "      statsdUdpAddress: statsd:port\n"
           "      tracing: {zipkin: {address: \"$(HOST_IP):9411\"}}\n"
           "      proxyMetadata: {ISTIO_META_DNS_AUTO_ALLOCATE: \"true\"}\n"
           "      connectionSettings: {http2InitialStreamWindowSize: 1024}\n"
           "    serviceSettings:\n"
           "    - hosts: [\"*.svc.cluster.local\", bad_host.local]\n"
           "    meshMTLS: {ecdhCurves: [P-256]}\n"
           "    localityLbSetting:\n      distribute:\n"
           "      - from: us-east/*\n"
           "        to: {us-west/*: 60, us-central/*: 30}\n"
           "    defaultTrafficPolicy:\n"
           "      outlierDetection: {maxEjectionPercent: 150}\n"
           "    defaultInboundHttpRetryPolicy:\n"
           "      attempts: 2\n      retryOn: 5xx,teapot,503\n"
           "      perTryTimeout: 2s\n",
           &v);
  expect(
      &v,
      ERRORS("spec.meshConfig.proxyListenPort: invalid proxy listen port: "
             "port number 0 must be in the range 1..65535",
             "spec.meshConfig.connectTimeout: invalid connect timeout: time "
             "2h0m0s must be >1ms and <1h0m0s",
             "spec.meshConfig.protocolDetectionTimeout: invalid protocol "
             "detection timeout: only durations to ms precision are supported",
             "spec.meshConfig.defaultConfig.drainDuration: drain time only "
             "supports durations to seconds precision",
             "spec.meshConfig.defaultConfig.discoveryAddress: invalid "
             "discovery address: unable to split \"istiod\": address istiod: "
             "missing port in address",
             "spec.meshConfig.defaultConfig.statsdUdpAddress: invalid statsd "
             "udp address \"statsd:port\": port (port) is not a number: "
             "strconv.Atoi: parsing \"port\": invalid syntax",
             "spec.meshConfig.defaultConfig.proxyAdminPort: invalid proxy "
             "admin port: port number 70000 must be in the range 1..65535",
             "spec.meshConfig.defaultConfig.controlPlaneAuthPolicy: invalid "
             "authentication policy: unrecognized control plane auth policy "
             "\"INHERIT\"",
             "spec.meshConfig.defaultConfig.connectionSettings."
             "http2InitialStreamWindowSize: invalid connection settings: "
             "http2_initial_stream_window_size must be at least 65535",
             "spec.meshConfig.localityLbSetting: total locality weight 90 != "
             "100",
             "spec.meshConfig.serviceSettings[0].hosts[1]: domain name "
             "\"bad_host.local\" invalid (label \"bad_host\" invalid)",
             "spec.meshConfig.trustDomain: trust domain name \"bad_domain\" "
             "invalid",
             "spec.meshConfig.trustDomainAliases[1]: trust domain name \"Bad "
             "Alias\" invalid",
             "spec.meshConfig.meshMTLS.ecdhCurves: mesh TLS does not support "
             "ECDH curves configuration",
             "spec.meshConfig.defaultTrafficPolicy: percentage 150 is not in "
             "range 0..100",
             "spec.meshConfig.defaultInboundHttpRetryPolicy: invalid default "
             "inbound http retry policy: \"teapot\" is not a valid retryOn "
             "policy"),
      ERRORS("spec.meshConfig.defaultConfig.proxyMetadata."
             "ISTIO_META_DNS_AUTO_ALLOCATE: 'ISTIO_META_DNS_AUTO_ALLOCATE' is "
             "deprecated; review https://istio.io/latest/docs/ops/"
             "configuration/traffic-management/dns-proxy/"
             "#dns-auto-allocation-v2 for information about replacement "
             "functionality",
             "spec.meshConfig.defaultInboundHttpRetryPolicy: perTryTimeout is "
             "ignored by the default inbound http retry policy"));
  iop_validation_free(&v);
}
END_TEST

START_TEST(mesh_config_locality_settings)
{
  expect_errors(HEADER
                "spec:\n  meshConfig:\n    localityLbSetting:\n"
                "      distribute:\n"
                "      - from: us-east/zone1/*\n"
                "        to: {us-east/zone1/*: 80, us-east/zone2/*: 20}\n"
                "      - from: us-east/zone1/sub2\n"
                "        to: {us-west/*: 100}\n"
                "    zoneAwareLbSetting:\n"
                "      failoverPriority: [topology.kubernetes.io/zone]\n"
                "      failover: [{from: us-east, to: us-east}]\n",
                ERRORS("spec.meshConfig.localityLbSetting: locality "
                       "us-east/zone1/sub2 overlap with previous specified "
                       "ones",
                       "spec.meshConfig.zoneAwareLbSetting: 'failover_priority'"
                       " for zone aware lb must not use topology label "
                       "'topology.kubernetes.io/zone'; region- and zone-level "
                       "routing are handled automatically",
                       "spec.meshConfig.zoneAwareLbSetting: zone aware lb "
                       "failover settings must specify different regions"));
  expect_errors(HEADER "spec:\n  meshConfig:\n    localityLbSetting:\n"
                       "      failover: [{from: us-east/a, to: \"*\"}]\n",
                ERRORS("spec.meshConfig.localityLbSetting: locality lb "
                       "failover only specify region",
                       "spec.meshConfig.localityLbSetting: locality lb "
                       "failover region should not contain '*' wildcard"));
}
END_TEST

START_TEST(mesh_config_traffic_policy)
{
  expect_errors(
      HEADER "spec:\n  meshConfig:\n    defaultTrafficPolicy:\n"
             "      connectionPool:\n"
             "        http: {maxRetries: -1, h2UpgradePolicy: UPGRADE,"
             " useClientProtocol: true, idleTimeout: 0.5ms}\n"
             "        tcp: {idleTimeout: 0s, connectTimeout: 1500us}\n"
             "      outlierDetection: {consecutiveLocalOriginFailures: 3,"
             " minHealthPercent: -5}\n",
      ERRORS("spec.meshConfig.defaultTrafficPolicy: max retries must be "
             "non-negative",
             "spec.meshConfig.defaultTrafficPolicy: use client protocol must "
             "not be true when H2UpgradePolicy is UPGRADE",
             "spec.meshConfig.defaultTrafficPolicy.connectionPool.http."
             "idleTimeout: duration must be greater than 1ms",
             "spec.meshConfig.defaultTrafficPolicy.connectionPool.tcp."
             "connectTimeout: only durations to ms precision are supported",
             "spec.meshConfig.defaultTrafficPolicy: outlier detection "
             "consecutive local origin failures is specified, but split "
             "external local origin errors is set to false",
             "spec.meshConfig.defaultTrafficPolicy: percentage -5 is not in "
             "range 0..100"));
}
END_TEST

START_TEST(mesh_config_semantics_need_a_decode)
{
  /* A value that does not decode stops istioctl before the semantic
   * checks; values.meshConfig's own copy of spec.meshConfig is not
   * reported twice. */
  expect_errors(HEADER "spec:\n  meshConfig:\n    proxyListenPort: 0\n"
                       "    enableTracing: maybe\n"
                       "  values:\n    meshConfig:\n      proxyListenPort: 0\n"
                       "      enableTracing: maybe\n",
                ERRORS("could not unmarshal: spec.meshConfig.enableTracing: "
                       "json: cannot unmarshal string into Go value of type "
                       "bool"));
  expect_errors(HEADER "spec:\n  meshConfig:\n    proxyListenPort: 0\n"
                       "  values:\n    meshConfig:\n      proxyListenPort: 0\n"
                       "      proxy_listen_port: 70000\n",
                ERRORS("spec.meshConfig.proxyListenPort: invalid proxy listen "
                       "port: port number 0 must be in the range 1..65535"));
}
END_TEST

/* ---- hub, tag, revision, gateway names ---- */

START_TEST(hub_must_be_a_repository)
{
  expect_valid(HEADER "spec:\n  hub: docker.io/istio\n");
  expect_valid(HEADER "spec:\n  hub: localhost:5000/istio-mirror\n");
  expect_valid(HEADER "spec:\n  hub: \"[::1]:5000/x\"\n");
  expect_valid(HEADER "spec:\n  hub: istio\n");
  expect_errors(HEADER "spec:\n  hub: Docker.io/Istio\n",
                ERRORS("spec.hub: bad hub: repository can only contain the "
                       "characters `abcdefghijklmnopqrstuvwxyz0123456789_-./`: "
                       "Istio/pilot"));
  expect_errors(HEADER "spec:\n  hub: my_registry:port/istio\n",
                ERRORS("spec.hub: bad hub: registries must be valid RFC 3986 "
                       "URI authorities: my_registry:port"));
  expect_errors(HEADER "spec:\n  hub: user@gcr.io/istio\n",
                ERRORS("spec.hub: bad hub: registries must be valid RFC 3986 "
                       "URI authorities: user@gcr.io"));
}
END_TEST

START_TEST(tag_must_be_an_image_tag)
{
  expect_valid(HEADER "spec:\n  tag: 1.23.2-distroless\n");
  expect_valid(HEADER "spec:\n  tag: 1.20\n"); /* a number: "1.2" */
  expect_valid(HEADER "spec:\n  tag: null\n");
  expect_errors(HEADER "spec:\n  tag: 1.23.0+build.1\n",
                ERRORS("spec.tag: bad tag: tag can only contain the "
                       "characters `abcdefghijklmnopqrstuvwxyz0123456789_-."
                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ`: 1.23.0+build.1"));
  expect_errors(HEADER "spec:\n  tag: \"\"\n",
                ERRORS("spec.tag: bad tag: istio/pilot: must specify a tag "
                       "name after the colon"));
  expect_errors(HEADER "spec:\n  tag: 1000000\n",
                ERRORS("spec.tag: bad tag: tag can only contain the "
                       "characters `abcdefghijklmnopqrstuvwxyz0123456789_-."
                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ`: 1e+06"));
  expect_errors(HEADER "spec:\n  tag: a:b\n",
                ERRORS("spec.tag: bad tag: repository can only contain the "
                       "characters `abcdefghijklmnopqrstuvwxyz0123456789_-./`: "
                       "istio/pilot:a"));
}
END_TEST

START_TEST(revision_must_be_a_dns_label)
{
  expect_valid(HEADER "spec:\n  revision: 1-23-2\n");
  expect_valid(HEADER "spec:\n  revision: \"\"\n");
  expect_errors(HEADER "spec:\n  revision: 1.23\n",
                ERRORS("could not unmarshal: spec.revision: json: cannot "
                       "unmarshal number into Go value of type string"));
  /* Istio's DNS-1123 label takes capitals. */
  expect_valid(HEADER "spec:\n  revision: Canary\n");
  expect_errors(HEADER "spec:\n  revision: canary_1\n",
                ERRORS("spec.revision: invalid revision specified: canary_1"));
  expect_errors(HEADER "spec:\n  revision: canary-\n",
                ERRORS("spec.revision: invalid revision specified: canary-"));
  expect_errors(HEADER "spec:\n  revision: "
                       "a234567890123456789012345678901234567890123456789012345"
                       "678901234\n",
                ERRORS("spec.revision: invalid revision specified: "
                       "a234567890123456789012345678901234567890123456789012345"
                       "678901234"));
}
END_TEST

START_TEST(gateway_names)
{
  expect_valid(HEADER "spec:\n  components:\n    ingressGateways:\n"
                      "    - name: edge.gw-1\n    - namespace: no-name\n");
  expect_errors(HEADER "spec:\n  components:\n    ingressGateways:\n"
                       "    - name: ok\n    - name: Edge_GW\n"
                       "    egressGateways:\n    - name: \"egress gw\"\n",
                ERRORS("invalid value spec.components.egressGateways[0].name: "
                       "egress gw",
                       "invalid value spec.components.ingressGateways[1].name: "
                       "Edge_GW"));
}
END_TEST

/* ---- what the caller does with the result ---- */

static char *report(const struct iop_validation *v, int force, int *rc,
                    struct err *e)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  ck_assert_ptr_nonnull(f);
  *rc = iop_validation_report(v, force, f, e);
  fclose(f);
  return text;
}

START_TEST(report_fails_or_continues_with_force)
{
  struct iop_validation v;
  struct err e;
  int rc;
  validate(HEADER "spec:\n  revision: a.b\n  tag: a+b\n  values:\n"
                  "    pilot: {autoscaleEnabled: true}\n"
                  "  components:\n    pilot:\n      k8s: {replicaCount: 3}\n",
           &v);
  char *out = report(&v, 0, &rc, &e);
  ck_assert_int_eq(rc, -EINVAL);
  ck_assert_str_eq(e.msg, "spec.tag: bad tag: tag can only contain the "
                          "characters `abcdefghijklmnopqrstuvwxyz0123456789_-."
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ`: a+b, spec.revision: "
                          "invalid revision specified: a.b");
  ck_assert_str_eq(out, "");
  free(out);
  out = report(&v, 1, &rc, &e);
  ck_assert_int_eq(rc, 0);
  ck_assert_str_eq(out, "spec invalid; continuing because of --force: "
                        "spec.tag: bad tag: tag can only contain the "
                        "characters `abcdefghijklmnopqrstuvwxyz0123456789_-."
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ`: a+b, spec.revision: "
                        "invalid revision specified: a.b\n"
                        "\xe2\x9d\x97 spec.components.pilot.k8s.replicaCount "
                        "should not be set when values.pilot.autoscaleEnabled "
                        "is true\n");
  free(out);
  iop_validation_free(&v);
}
END_TEST

START_TEST(messages_are_capped)
{
  struct buf b;
  buf_init(&b, 0);
  buf_puts(&b, HEADER "spec:\n  components:\n    pilot:\n      k8s:\n"
                      "        tolerations:\n");
  for (int i = 0; i < IOPVALIDATE_MAX_MESSAGES + 20; i++)
    buf_puts(&b, "        - thats: x\n");
  struct iop_validation v;
  validate(b.data, &v);
  ck_assert_int_eq(v.nerrors, IOPVALIDATE_MAX_MESSAGES);
  ck_assert_int_eq(v.dropped, 20);
  ck_assert_str_eq(v.errors[99], "could not unmarshal: spec.components.pilot."
                                 "k8s.tolerations[99].thats: json: unknown "
                                 "field \"thats\"");
  iop_validation_free(&v);
  buf_free(&b);
}
END_TEST

Suite *iopvalidate_suite(void)
{
  Suite *s = suite_create("iopvalidate");
  TCase *tc = tcase_create("valid");
  tcase_add_test(tc, default_profile_shape_is_valid);
  tcase_add_test(tc, profiles_merged_alone_are_valid);
  tcase_add_test(tc, gateways_with_k8s_settings_and_overlays_are_valid);
  tcase_add_test(tc, values_and_mesh_config_are_valid);
  tcase_add_test(tc, null_and_empty_inputs_are_valid);
  tcase_add_test(tc, go_matches_field_names_ignoring_case);
  suite_add_tcase(s, tc);
  tc = tcase_create("object");
  tcase_add_test(tc, golden_k8s_toleration_typo);
  tcase_add_test(tc, unknown_fields_anywhere_in_the_object);
  tcase_add_test(tc, unknown_fields_in_kubernetes_types);
  tcase_add_test(tc, hpa_v2beta1_fields_are_refused);
  tcase_add_test(tc, type_errors_in_the_object);
  tcase_add_test(tc, object_errors_stop_validation);
  suite_add_tcase(s, tc);
  tc = tcase_create("values");
  tcase_add_test(tc, golden_unknown_values_key);
  tcase_add_test(tc, values_type_errors);
  tcase_add_test(tc, values_follow_protobuf_json_rules);
  tcase_add_test(tc, golden_values_toleration_typo);
  tcase_add_test(tc, values_kubernetes_structs);
  tcase_add_test(tc, values_structs_read_numbers_into_strings);
  tcase_add_test(tc, values_errors_skip_the_values_checks);
  suite_add_tcase(s, tc);
  tc = tcase_create("features");
  tcase_add_test(tc, gateway_ports_that_need_root);
  tcase_add_test(tc, legacy_ingress_ports);
  tcase_add_test(tc, replica_count_with_autoscaling_warns);
  tcase_add_test(tc, ip_ranges);
  tcase_add_test(tc, port_lists);
  suite_add_tcase(s, tc);
  tc = tcase_create("mesh");
  tcase_add_test(tc, mesh_config_types_are_errors);
  tcase_add_test(tc, mesh_config_unknown_fields_warn);
  tcase_add_test(tc, mesh_config_durations);
  tcase_add_test(tc, mesh_config_semantics);
  tcase_add_test(tc, mesh_config_locality_settings);
  tcase_add_test(tc, mesh_config_traffic_policy);
  tcase_add_test(tc, mesh_config_semantics_need_a_decode);
  suite_add_tcase(s, tc);
  tc = tcase_create("names");
  tcase_add_test(tc, hub_must_be_a_repository);
  tcase_add_test(tc, tag_must_be_an_image_tag);
  tcase_add_test(tc, revision_must_be_a_dns_label);
  tcase_add_test(tc, gateway_names);
  suite_add_tcase(s, tc);
  tc = tcase_create("report");
  tcase_add_test(tc, report_fails_or_continues_with_force);
  tcase_add_test(tc, messages_are_capped);
  suite_add_tcase(s, tc);
  return s;
}
