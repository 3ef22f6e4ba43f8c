/* Sprig's and Helm's functions on their own: what the differential suite
 * (check_tmpl_helm.c) cannot show because Helm has no such limit or would
 * crash: the registry's contents, ceilings on what a function may build,
 * maps that contain themselves, and inputs large enough to expose
 * quadratic work. */
#include "kyaml.h"
#include "tmpl.h"
#include "tmpl_helm.h"
#include "tmpl_sprig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct out {
  int rc;
  char *text;
  char err[ERR_MSG_MAX];
};

/* Runs text with Helm's functions, dot = the YAML document (or nil), and
 * an output ceiling of max bytes (0: the default). */
static struct out run(const char *text, const char *yaml, size_t max)
{
  struct out r = {0};
  struct tmpl_funcs *f = tmpl_funcs_new();
  ck_assert_int_eq(tmpl_helm_add_funcs(f), 0);
  struct tmpl_set *s = tmpl_set_new(f);
  struct err e;
  err_clear(&e);
  r.rc = tmpl_set_parse(s, "t", text, strlen(text), &e);
  struct json_object *data = NULL;
  if (yaml) {
    struct kyaml_opts o = {.name = "v", .numbers = KYAML_NUMBERS_FLOAT};
    ck_assert_int_eq(kyaml_parse(yaml, strlen(yaml), &o, &data, &e), 0);
  }
  struct buf b;
  buf_init(&b, 0);
  struct tmpl_exec_opts opts = {.max_output = max};
  if (!r.rc)
    r.rc = tmpl_execute(s, "t", data, &opts, &b, &e);
  snprintf(r.err, sizeof r.err, "%s", r.rc ? e.msg : "");
  r.text = b.data ? b.data : strdup("");
  json_object_put(data);
  tmpl_set_free(s);
  tmpl_funcs_free(f);
  return r;
}

#define RENDERS(t_, want_)                                                     \
  do {                                                                         \
    struct out r_ = run(t_, NULL, 0);                                          \
    ck_assert_msg(r_.rc == 0, "%s: error %s", t_, r_.err);                     \
    ck_assert_str_eq(r_.text, want_);                                          \
    free(r_.text);                                                             \
  } while (0)

/* Fails with an error containing want_. */
#define FAILS_WITH(t_, max_, want_)                                            \
  do {                                                                         \
    struct out r_ = run(t_, NULL, max_);                                       \
    ck_assert_msg(r_.rc != 0, "%s: no error", t_);                             \
    ck_assert_msg(strstr(r_.err, want_), "%s: %s", t_, r_.err);                \
    free(r_.text);                                                             \
  } while (0)

/* Helm 3.17's function map: Sprig v3.3.0's without env and expandenv,
 * and Helm's own. */
static const char *const helm_names[] = {"abbrev",
                                         "abbrevboth",
                                         "add",
                                         "add1",
                                         "add1f",
                                         "addf",
                                         "adler32sum",
                                         "ago",
                                         "all",
                                         "any",
                                         "append",
                                         "atoi",
                                         "b32dec",
                                         "b32enc",
                                         "b64dec",
                                         "b64enc",
                                         "base",
                                         "bcrypt",
                                         "biggest",
                                         "buildCustomCert",
                                         "camelcase",
                                         "cat",
                                         "ceil",
                                         "chunk",
                                         "clean",
                                         "coalesce",
                                         "compact",
                                         "concat",
                                         "contains",
                                         "date",
                                         "dateInZone",
                                         "dateModify",
                                         "date_in_zone",
                                         "date_modify",
                                         "decryptAES",
                                         "deepCopy",
                                         "deepEqual",
                                         "default",
                                         "derivePassword",
                                         "dict",
                                         "dig",
                                         "dir",
                                         "div",
                                         "divf",
                                         "duration",
                                         "durationRound",
                                         "empty",
                                         "encryptAES",
                                         "ext",
                                         "fail",
                                         "first",
                                         "float64",
                                         "floor",
                                         "fromJson",
                                         "fromJsonArray",
                                         "fromToml",
                                         "fromYaml",
                                         "fromYamlArray",
                                         "genCA",
                                         "genCAWithKey",
                                         "genPrivateKey",
                                         "genSelfSignedCert",
                                         "genSelfSignedCertWithKey",
                                         "genSignedCert",
                                         "genSignedCertWithKey",
                                         "get",
                                         "getHostByName",
                                         "has",
                                         "hasKey",
                                         "hasPrefix",
                                         "hasSuffix",
                                         "hello",
                                         "htmlDate",
                                         "htmlDateInZone",
                                         "htpasswd",
                                         "include",
                                         "indent",
                                         "initial",
                                         "initials",
                                         "int",
                                         "int64",
                                         "isAbs",
                                         "join",
                                         "kebabcase",
                                         "keys",
                                         "kindIs",
                                         "kindOf",
                                         "last",
                                         "list",
                                         "lookup",
                                         "lower",
                                         "max",
                                         "maxf",
                                         "merge",
                                         "mergeOverwrite",
                                         "min",
                                         "minf",
                                         "mod",
                                         "mul",
                                         "mulf",
                                         "mustAppend",
                                         "mustChunk",
                                         "mustCompact",
                                         "mustDateModify",
                                         "mustDeepCopy",
                                         "mustFirst",
                                         "mustFromJson",
                                         "mustHas",
                                         "mustInitial",
                                         "mustLast",
                                         "mustMerge",
                                         "mustMergeOverwrite",
                                         "mustPrepend",
                                         "mustPush",
                                         "mustRegexFind",
                                         "mustRegexFindAll",
                                         "mustRegexMatch",
                                         "mustRegexReplaceAll",
                                         "mustRegexReplaceAllLiteral",
                                         "mustRegexSplit",
                                         "mustRest",
                                         "mustReverse",
                                         "mustSlice",
                                         "mustToDate",
                                         "mustToJson",
                                         "mustToPrettyJson",
                                         "mustToRawJson",
                                         "mustUniq",
                                         "mustWithout",
                                         "must_date_modify",
                                         "nindent",
                                         "nospace",
                                         "now",
                                         "omit",
                                         "osBase",
                                         "osClean",
                                         "osDir",
                                         "osExt",
                                         "osIsAbs",
                                         "pick",
                                         "pluck",
                                         "plural",
                                         "prepend",
                                         "push",
                                         "quote",
                                         "randAlpha",
                                         "randAlphaNum",
                                         "randAscii",
                                         "randBytes",
                                         "randInt",
                                         "randNumeric",
                                         "regexFind",
                                         "regexFindAll",
                                         "regexMatch",
                                         "regexQuoteMeta",
                                         "regexReplaceAll",
                                         "regexReplaceAllLiteral",
                                         "regexSplit",
                                         "repeat",
                                         "replace",
                                         "required",
                                         "rest",
                                         "reverse",
                                         "round",
                                         "semver",
                                         "semverCompare",
                                         "seq",
                                         "set",
                                         "sha1sum",
                                         "sha256sum",
                                         "sha512sum",
                                         "shuffle",
                                         "slice",
                                         "snakecase",
                                         "sortAlpha",
                                         "split",
                                         "splitList",
                                         "splitn",
                                         "squote",
                                         "sub",
                                         "subf",
                                         "substr",
                                         "swapcase",
                                         "ternary",
                                         "title",
                                         "toDate",
                                         "toDecimal",
                                         "toJson",
                                         "toPrettyJson",
                                         "toRawJson",
                                         "toString",
                                         "toStrings",
                                         "toToml",
                                         "toYaml",
                                         "toYamlPretty",
                                         "tpl",
                                         "trim",
                                         "trimAll",
                                         "trimPrefix",
                                         "trimSuffix",
                                         "trimall",
                                         "trunc",
                                         "tuple",
                                         "typeIs",
                                         "typeIsLike",
                                         "typeOf",
                                         "uniq",
                                         "unixEpoch",
                                         "unset",
                                         "until",
                                         "untilStep",
                                         "untitle",
                                         "upper",
                                         "urlJoin",
                                         "urlParse",
                                         "uuidv4",
                                         "values",
                                         "without",
                                         "wrap",
                                         "wrapWith"};

START_TEST(registry_has_helms_function_map)
{
  struct tmpl_funcs *f = tmpl_funcs_new();
  ck_assert_int_eq(tmpl_helm_add_funcs(f), 0);
  for (size_t i = 0; i < sizeof helm_names / sizeof helm_names[0]; i++)
    ck_assert_msg(tmpl_funcs_get(f, helm_names[i]) != NULL, "%s missing",
                  helm_names[i]);
  /* Helm deletes these from Sprig's map: templates cannot read the
   * environment. */
  ck_assert_ptr_null(tmpl_funcs_get(f, "env"));
  ck_assert_ptr_null(tmpl_funcs_get(f, "expandenv"));
  tmpl_funcs_free(f);

  struct tmpl_funcs *g = tmpl_funcs_new();
  ck_assert_int_eq(tmpl_sprig_add_funcs(g), 0);
  ck_assert_ptr_nonnull(tmpl_funcs_get(g, "mergeOverwrite"));
  ck_assert_ptr_null(tmpl_funcs_get(g, "include"));
  ck_assert_ptr_null(tmpl_funcs_get(g, "toYaml"));
  tmpl_funcs_free(g);
}
END_TEST

START_TEST(unsupported_functions_parse_and_fail_when_called)
{
  RENDERS("{{ if false }}{{ genCA \"x\" 3 }}{{ end }}ok", "ok");
  FAILS_WITH("{{ genCA \"x\" 3 }}", 0,
             "error calling genCA: genCA is not supported by iop");
  FAILS_WITH("{{ toYamlPretty 1 }}", 0, "toYamlPretty is not supported");
  FAILS_WITH("{{ fromToml \"a = 1\" }}", 0, "fromToml is not supported");
  FAILS_WITH("{{ getHostByName \"localhost\" }}", 0, "not supported");
}
END_TEST

START_TEST(builders_respect_the_output_ceiling)
{
  const size_t max = 1 << 20;
  FAILS_WITH("{{ repeat 10000000 \"x\" }}", max, "exceeds the limit");
  FAILS_WITH("{{ indent 100000000 \"x\" }}", max, "exceeds the limit");
  FAILS_WITH("{{ nindent 3 (repeat 600000 \"\\n\") }}", max, "exceeds");
  FAILS_WITH("{{ until 100000000 }}", max, "exceeds the limit");
  FAILS_WITH("{{ untilStep 0 9000000000000000000 1 }}", 0, "exceeds the limit");
  FAILS_WITH("{{ seq 1 100000000 }}", max, "exceeds the limit");
  FAILS_WITH("{{ randAlpha 100000000 }}", max, "exceeds the limit");
  FAILS_WITH("{{ randBytes 100000000 }}", max, "exceeds the limit");
  FAILS_WITH("{{ replace \"\" \"xxxx\" (repeat 500000 \"y\") }}", max,
             "exceeds the limit");
  FAILS_WITH("{{ replace \"y\" \"xxxxxxxx\" (repeat 500000 \"y\") }}", max,
             "exceeds the limit");
  FAILS_WITH("{{ regexReplaceAll \"y{1000}\" (repeat 300000 \"y\") "
             "(repeat 4000 \"x\") }}",
             max, "exceeds the limit");
  FAILS_WITH("{{ $l := until 50000 }}{{ join (repeat 100 \"-\") $l }}", max,
             "exceeds the limit");
  FAILS_WITH("{{ toJson (until 200000) }}", max, "exceeds the limit");
  FAILS_WITH("{{ toYaml (until 200000) }}", max, "exceeds the limit");
  /* Go's own panics are kept where Go has them */
  FAILS_WITH("{{ repeat -1 \"x\" }}", 0, "strings: negative Repeat count");
  FAILS_WITH("{{ repeat 9223372036854775807 \"xx\" }}", 0,
             "strings: Repeat output length overflow");
}
END_TEST

/* Go lets set and merge make a map that contains itself (its collector
 * frees it); reference-counted values would leak it, so iop refuses. */
START_TEST(maps_cannot_contain_themselves)
{
  FAILS_WITH("{{ $d := dict }}{{ set $d \"self\" $d }}", 0,
             "the value would contain the map it is set in");
  FAILS_WITH("{{ $d := dict }}{{ $e := dict \"d\" $d }}"
             "{{ set $d \"e\" $e }}",
             0, "the value would contain the map it is set in");
  FAILS_WITH("{{ $d := dict }}{{ $l := list 1 (list $d) }}"
             "{{ set $d \"l\" $l }}",
             0, "the value would contain the map it is set in");
  FAILS_WITH("{{ $d := dict }}{{ mustMergeOverwrite $d (dict \"k\" $d) }}", 0,
             "the merge would make a map contain itself");
  RENDERS("{{ $d := dict }}[{{ mergeOverwrite $d (dict \"k\" $d) }}]", "[]");
  /* sharing without a cycle stays allowed, as in Go */
  RENDERS("{{ $s := dict \"x\" 1 }}{{ $d := dict \"a\" $s \"b\" $s }}"
          "{{ $_ := set $d \"c\" (list $s $s) }}{{ toJson $d }}",
          "{\"a\":{\"x\":1},\"b\":{\"x\":1},\"c\":[{\"x\":1},{\"x\":1}]}");
}
END_TEST

/* A loop can nest maps and lists as deep as it runs; json-c frees them
 * recursively, so the number of such stores is bounded. */
START_TEST(nesting_by_loops_is_bounded)
{
  FAILS_WITH("{{ $d := dict }}{{ range until 1000000 }}"
             "{{ $d = dict \"x\" $d }}{{ end }}",
             0, "more than 20000 maps and lists stored inside others");
  FAILS_WITH("{{ $d := list }}{{ range until 1000000 }}"
             "{{ $d = list $d }}{{ end }}",
             0, "more than 20000 maps and lists stored inside others");
  FAILS_WITH("{{ $d := list }}{{ range until 1000000 }}"
             "{{ $d = append (list) $d }}{{ end }}",
             0, "more than 20000 maps and lists stored inside others");
  /* appending scalars, or copying elements, does not count */
  RENDERS("{{ $l := list }}{{ range until 3000 }}{{ $l = append $l . }}"
          "{{ end }}{{ len $l }}",
          "3000");
  RENDERS("{{ $l := list }}{{ range until 200 }}{{ $l = append $l (dict) }}"
          "{{ end }}{{ len (reverse (concat $l $l)) }}",
          "400");
}
END_TEST

static double seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Each function on a few megabytes: linear work finishes in well under a
 * second even under sanitizers; quadratic work would not. */
START_TEST(large_inputs_take_linear_time)
{
  static const char *const cases[] = {
      "{{ $s := repeat 400000 \"ab\\ncd \" }}{{ len (indent 2 $s) }}",
      "{{ $s := repeat 400000 \"ab\\ncd \" }}{{ len (replace \"b\" \"xy\" $s) "
      "}}",
      "{{ $s := repeat 400000 \"ab\\ncd \" }}{{ len (nospace $s) }}",
      "{{ $s := repeat 400000 \"ab\\ncd \" }}{{ len (splitList \"\\n\" $s) }}",
      "{{ $s := repeat 400000 \"ab\\ncd \" }}{{ len (split \" \" $s) }}",
      /* lib/regex costs O(length) per match without PCRE2's JIT: these
       * stay small until it has one */
      "{{ $s := repeat 4000 \"ab\\ncd \" }}{{ len (regexReplaceAll \"[bd]\" $s "
      "\"$0$0\") }}",
      "{{ $s := repeat 4000 \"ab\\ncd \" }}{{ len (regexFindAll \"c\" $s -1) "
      "}}",
      "{{ $s := repeat 400000 \"ab\\ncd \" }}{{ len (upper $s) }} {{ len (trim "
      "$s) }}",
      "{{ $s := repeat 400000 \"ab\\ncd \" }}{{ len (sha256sum $s) }} {{ len "
      "(b64enc $s) }}",
      "{{ $l := until 200000 }}{{ len (join \",\" $l) }} {{ len (toJson $l) }}",
      "{{ $l := until 200000 }}{{ len (toStrings $l) }} {{ len (sortAlpha $l) "
      "}}",
      "{{ $m := dict }}{{ range $i := until 50000 }}{{ $_ := set $m (toString "
      "$i) $i }}{{ end }}"
      "{{ len (toYaml $m) }} {{ len (keys $m) }} {{ len (mergeOverwrite (dict) "
      "$m $m) }}",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double t0 = seconds();
    struct out r = run(cases[i], NULL, 0);
    double dt = seconds() - t0;
    ck_assert_msg(r.rc == 0, "case %zu: %s", i, r.err);
    ck_assert_msg(dt < 5.0, "case %zu took %.2fs", i, dt);
    free(r.text);
  }
}
END_TEST

START_TEST(values_are_shared_as_go_shares_maps)
{
  struct out r = run("{{ $_ := set .a \"added\" 1 }}"
                     "{{ $m := mergeOverwrite (dict) . }}"
                     "{{ $_ := set $m.a \"via_merge\" 2 }}"
                     "{{ toJson . }}",
                     "a: {k: v}", 0);
  ck_assert_int_eq(r.rc, 0);
  ck_assert_str_eq(r.text, "{\"a\":{\"added\":1,\"k\":\"v\",\"via_merge\":2}}");
  free(r.text);
}
END_TEST

Suite *tmpl_sprig_suite(void)
{
  Suite *s = suite_create("tmpl_sprig");
  TCase *tc = tcase_create("sprig");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, registry_has_helms_function_map);
  tcase_add_test(tc, unsupported_functions_parse_and_fail_when_called);
  tcase_add_test(tc, builders_respect_the_output_ceiling);
  tcase_add_test(tc, maps_cannot_contain_themselves);
  tcase_add_test(tc, nesting_by_loops_is_bounded);
  tcase_add_test(tc, large_inputs_take_linear_time);
  tcase_add_test(tc, values_are_shared_as_go_shares_maps);
  suite_add_tcase(s, tc);
  return s;
}
