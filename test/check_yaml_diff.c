/* Differential tests of the YAML core against the real tools: Helm 3.17
 * (toYaml and toJson of the values it read, i.e. sigs.k8s.io/yaml with
 * every number a float64) and kubectl 1.32 (Unstructured objects, printed
 * with -o json and -o yaml). Inputs are the fixtures in test/fixtures/yaml
 * and documents generated from a fixed seed.
 *
 * A tiny chart prints `# {{ toYaml .Values | b64enc }}` and the same for
 * toJson: as comments, so Helm does not re-parse the text it rendered. */
#include "kjson.h"
#include "kyaml.h"
#include "testutil.h"
#include "yamlout.h"

#include <check.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- running the tools ---- */

static char *chart_dir(const char *tmp)
{
  free(test_write_file(tmp, "chart/Chart.yaml",
                       "apiVersion: v2\nname: t\nversion: 0.1.0\n"));
  free(test_write_file(tmp, "chart/templates/y.yaml",
                       "# {{ toYaml .Values | b64enc }}"));
  free(test_write_file(tmp, "chart/templates/j.yaml",
                       "# {{ .Values | toJson | b64enc }}"));
  char *dir = malloc(strlen(tmp) + 8);
  sprintf(dir, "%s/chart", tmp);
  return dir;
}

static int b64_digit(char c)
{
  const char *set =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const char *p = c ? strchr(set, c) : NULL;
  return p ? (int)(p - set) : -1;
}

static char *b64_decode(const char *s, size_t n)
{
  char *out = malloc(n / 4 * 3 + 1);
  size_t k = 0;
  unsigned acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    int v = b64_digit(s[i]);
    if (v < 0)
      continue; /* padding */
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[k++] = (char)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  out[k] = '\0';
  return out;
}

/* The decoded comment under "# Source: t/templates/<name>". */
static char *rendered(const char *out, const char *name)
{
  char marker[64];
  snprintf(marker, sizeof marker, "# Source: t/templates/%s\n# ", name);
  const char *p = strstr(out, marker);
  ck_assert_msg(p != NULL, "no %s in Helm's output:\n%s", name, out);
  p += strlen(marker);
  return b64_decode(p, strcspn(p, "\n"));
}

struct helm_view {
  char *yaml; /* toYaml .Values, which trims one final newline */
  char *json; /* toJson .Values */
};

static struct helm_view helm_read(const char *tmp, const char *chart,
                                  const char *values)
{
  char *path = test_write_file(tmp, "values.yaml", values);
  char *argv[] = {(char *)test_helm_bin(),
                  "template",
                  "x",
                  (char *)chart,
                  "-f",
                  path,
                  NULL};
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, NULL, &r), 0);
  ck_assert_msg(r.status == 0, "helm failed: %s\nvalues:\n%s", r.err, values);
  struct helm_view v = {rendered(r.out, "y.yaml"), rendered(r.out, "j.yaml")};
  run_result_free(&r);
  free(path);
  return v;
}

static void helm_view_free(struct helm_view *v)
{
  free(v->yaml);
  free(v->json);
}

/* kubectl reads a file offline (no cluster, whatever the user's
 * kubeconfig says) and prints the objects it read. */
static char *kubectl_read(const char *path, const char *format)
{
  char *argv[] = {(char *)test_kubectl_bin(),
                  "--kubeconfig=/dev/null",
                  "patch",
                  "--local",
                  "-f",
                  (char *)path,
                  "--type=merge",
                  "-p",
                  "{}",
                  "-o",
                  (char *)format,
                  NULL};
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, NULL, &r), 0);
  ck_assert_msg(r.status == 0, "kubectl failed: %s", r.err);
  char *out = r.out;
  r.out = NULL;
  run_result_free(&r);
  return out;
}

/* ---- our side ---- */

static char *compact_json(struct json_object *o)
{
  struct buf b;
  struct err e;
  buf_init(&b, 0);
  ck_assert_int_eq(kjson_write(&b, o, 0, &e), 0);
  return buf_take(&b);
}

static char *yaml_text(struct json_object *o)
{
  struct buf b;
  struct err e;
  buf_init(&b, 0);
  int rc = yamlout_write(&b, o, &e);
  ck_assert_msg(rc == 0, "%s", e.msg);
  return buf_take(&b);
}

/* Helm trims the final newline of toYaml. */
static void assert_helm_yaml(const char *helm, const char *ours,
                             const char *what)
{
  size_t n = strlen(ours);
  ck_assert_msg(n > 0 && ours[n - 1] == '\n', "%s: no final newline", what);
  ck_assert_msg(strlen(helm) == n - 1 && strncmp(helm, ours, n - 1) == 0,
                "%s: toYaml differs\nhelm:\n%s\nours:\n%.*s", what, helm,
                (int)n - 1, ours);
}

/* The document in the text, read as Helm reads values. */
static struct json_object *read_values(const char *text, const char *name)
{
  struct json_object *o = NULL;
  struct err e;
  struct kyaml_opts opts = {.name = name, .numbers = KYAML_NUMBERS_FLOAT};
  err_clear(&e);
  ck_assert_msg(kyaml_parse(text, strlen(text), &opts, &o, &e) == 0, "%s",
                e.msg);
  return o;
}

/* Helm read the values as we did, and prints them as we do. */
static void compare_with_helm(const char *tmp, const char *chart,
                              const char *values, const char *what)
{
  struct json_object *ours = read_values(values, what);
  struct helm_view h = helm_read(tmp, chart, values);
  char *json = compact_json(ours);
  ck_assert_msg(strcmp(h.json, json) == 0,
                "%s: toJson differs\nhelm: %s\n"
                "ours: %s",
                what, h.json, json);
  char *yaml = yaml_text(ours);
  assert_helm_yaml(h.yaml, yaml, what);
  free(yaml);
  free(json);
  helm_view_free(&h);
  json_object_put(ours);
}

struct objects {
  struct json_object *list; /* as kubectl sees them: Lists flattened */
  struct buf yaml;          /* our -o yaml, documents back to back */
  int lists;
};

static int object_cb(struct json_object *doc, int line, void *data)
{
  struct objects *o = data;
  struct json_object *items;
  struct err e;
  (void)line;
  if (!doc)
    return 0;
  ck_assert_int_eq(yamlout_write(&o->yaml, doc, &e), 0);
  if (json_object_object_get_ex(doc, "items", &items) &&
      json_object_is_type(items, json_type_array)) {
    for (size_t i = 0; i < json_object_array_length(items); i++)
      json_object_array_add(
          o->list, json_object_get(json_object_array_get_idx(items, i)));
    o->lists++;
    json_object_put(doc);
  } else {
    json_object_array_add(o->list, doc);
  }
  return 0;
}

/* kubectl's -o json for several objects: JSON values back to back. */
static struct json_object *json_stream(const char *text)
{
  struct json_object *all = json_object_new_array();
  const char *p = text;
  while (*p) {
    const char *end = p;
    int depth = 0, in_string = 0;
    for (; *end; end++) {
      if (in_string) {
        if (*end == '\\' && end[1])
          end++;
        else if (*end == '"')
          in_string = 0;
      } else if (*end == '"') {
        in_string = 1;
      } else if (*end == '{' || *end == '[') {
        depth++;
      } else if ((*end == '}' || *end == ']') && --depth == 0) {
        end++;
        break;
      }
    }
    struct json_object *o = NULL;
    struct err e;
    ck_assert_msg(kjson_parse(p, (size_t)(end - p), "kubectl", &o, &e) == 0,
                  "%s", e.msg);
    json_object_array_add(all, o);
    p = end;
    while (*p == '\n' || *p == ' ')
      p++;
  }
  return all;
}

/* kubectl read the file's objects as we do, and prints them as we do. */
static void compare_with_kubectl(const char *path, const char *text,
                                 const char *what)
{
  struct objects ours = {json_object_new_array(), {0}, 0};
  struct kyaml_opts opts = {.name = what};
  struct err e;
  buf_init(&ours.yaml, 0);
  err_clear(&e);
  ck_assert_msg(
      kyaml_parse_each(text, strlen(text), &opts, object_cb, &ours, &e) == 0,
      "%s", e.msg);
  char *json_out = kubectl_read(path, "json");
  struct json_object *theirs = json_stream(json_out);
  char *a = compact_json(theirs), *b = compact_json(ours.list);
  ck_assert_msg(strcmp(a, b) == 0,
                "%s: values differ\nkubectl: %s\nours:    "
                "%s",
                what, a, b);
  if (!ours.lists) { /* kubectl prints a List's items, not the List */
    char *yaml_out = kubectl_read(path, "yaml");
    ck_assert_msg(strcmp(yaml_out, ours.yaml.data ? ours.yaml.data : "") == 0,
                  "%s: -o yaml differs\nkubectl:\n%s\nours:\n%s", what,
                  yaml_out, ours.yaml.data);
    free(yaml_out);
  }
  free(a);
  free(b);
  free(json_out);
  json_object_put(theirs);
  json_object_put(ours.list);
  buf_free(&ours.yaml);
}

/* ---- the fixtures ---- */

struct part_ctx {
  const char *tmp;
  const char *chart;
  const char *name;
  int parts;
};

/* Helm reads one document per values file: give it each part alone. */
static int helm_part_cb(const char *part, size_t len, int line, void *data)
{
  struct part_ctx *c = data;
  char *text = strndup(part, len);
  struct json_object *doc = NULL;
  struct kyaml_opts opts = {.name = c->name};
  struct err e;
  int rc = kyaml_parse(text, len, &opts, &doc, &e);
  ck_assert_msg(rc == 0, "%s", e.msg);
  if (json_object_is_type(doc, json_type_object)) {
    char what[512];
    snprintf(what, sizeof what, "%s (document at line %d)", c->name, line);
    compare_with_helm(c->tmp, c->chart, text, what);
    c->parts++;
  }
  json_object_put(doc);
  free(text);
  return 0;
}

static int is_yaml_name(const char *name)
{
  size_t n = strlen(name);
  return n > 5 && strcmp(name + n - 5, ".yaml") == 0;
}

START_TEST(fixtures_read_and_print_as_helm_and_kubectl)
{
  char *tmp = test_tmpdir();
  char *chart = chart_dir(tmp);
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/test/fixtures/yaml", test_src_dir());
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  int files = 0;
  for (struct dirent *de; (de = readdir(d)) != NULL;) {
    if (!is_yaml_name(de->d_name))
      continue;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    char *text = test_read_file(path, NULL);
    struct part_ctx c = {tmp, chart, de->d_name, 0};
    kyaml_split(text, strlen(text), 0, helm_part_cb, &c);
    ck_assert_int_gt(c.parts, 0);
    compare_with_kubectl(path, text, de->d_name);
    free(text);
    files++;
  }
  closedir(d);
  ck_assert_int_ge(files, 9);
  free(chart);
  test_rm_rf(tmp);
  free(tmp);
}
END_TEST

/* ---- generated documents ---- */

static uint64_t rnd_state;

static uint64_t rnd(void)
{
  rnd_state ^= rnd_state << 13;
  rnd_state ^= rnd_state >> 7;
  rnd_state ^= rnd_state << 17;
  return rnd_state;
}

static int pick(int n)
{
  return (int)(rnd() % (uint64_t)n);
}

/* Strings that exercise typing, quoting, escaping and block styles. None
 * holds a character that makes sigs.k8s.io/yaml fail or change the text
 * (control characters, NEL: check_yamlout.c covers those). */
static const char *const tricky[] = {"true",
                                     "yes",
                                     "on",
                                     "y",
                                     "No",
                                     "null",
                                     "~",
                                     "",
                                     "1.0",
                                     "012",
                                     "0x1F",
                                     "1e3",
                                     "+5",
                                     "1_000",
                                     ".inf",
                                     "1:20",
                                     "<<",
                                     "2001-12-14",
                                     ":",
                                     "a:",
                                     " lead",
                                     "trail ",
                                     "*",
                                     "&a",
                                     "- x",
                                     "-x",
                                     "#x",
                                     "a #b",
                                     "a: b",
                                     "x:y",
                                     "?x",
                                     "? x",
                                     "!x",
                                     "|x",
                                     ">x",
                                     "'q",
                                     "\"q",
                                     "%x",
                                     "@x",
                                     "`x",
                                     "a,b",
                                     "[x",
                                     "{x",
                                     "---x",
                                     "...x",
                                     "-",
                                     "=",
                                     "tab\there",
                                     "cr\rx",
                                     "a\nb",
                                     "a\n",
                                     "a\n\n",
                                     "\n",
                                     " a\nb",
                                     "a \nb",
                                     "a\n b",
                                     "\ttab\nx",
                                     "x\r\ny",
                                     "\xc3\xa9",
                                     "emoji \xf0\x9f\x98\x80",
                                     "\xe2\x80\xa8x",
                                     "\xef\xbb\xbf"
                                     "bom",
                                     "\xc2\xa0",
                                     "\x1b",
                                     "\x01",
                                     "back\\slash"};

static const char *const words[] = {"alpha",
                                    "beta",
                                    "gamma",
                                    "delta",
                                    "mesh",
                                    "istio",
                                    "gateway",
                                    "pilot",
                                    "proxy",
                                    "x",
                                    "longer-word-with-dashes",
                                    "caf\xc3\xa9",
                                    "\xe4\xb8\xad\xe6\x96\x87",
                                    "v1.2.3",
                                    "a=b",
                                    "k:v",
                                    "#",
                                    "100%"};

static void random_words(struct buf *b, int max)
{
  int n = 1 + pick(max);
  for (int i = 0; i < n; i++) {
    if (i)
      buf_puts(b, pick(12) ? " " : "  ");
    buf_puts(b, words[pick((int)(sizeof words / sizeof words[0]))]);
  }
}

static struct json_object *random_string(void)
{
  struct buf b;
  buf_init(&b, 0);
  switch (pick(4)) {
  case 0:
    buf_puts(&b, tricky[pick((int)(sizeof tricky / sizeof tricky[0]))]);
    break;
  case 1: /* long enough to fold at various depths */
    random_words(&b, 30);
    break;
  case 2: /* several lines, some indented, some with trailing spaces */
    for (int i = 0, n = 1 + pick(4); i < n; i++) {
      if (pick(4) == 0)
        buf_puts(&b, "  ");
      random_words(&b, 4);
      if (pick(8) == 0)
        buf_puts(&b, " ");
      buf_putc(&b, '\n');
    }
    if (pick(3) == 0)
      b.data[--b.len] = '\0';
    else if (pick(3) == 0)
      buf_putc(&b, '\n');
    break;
  default:
    random_words(&b, 3);
  }
  struct json_object *s =
      json_object_new_string_len(b.data ? b.data : "", (int)b.len);
  buf_free(&b);
  return s;
}

static struct json_object *random_number(void)
{
  static const double doubles[] = {
      0.5,  1e21, 1e-7,    2.0,   1e6,     0.1,   -1.5, 1e20,
      3e-5, 1e-6, 123.456, 1e100, 65536.0, -0.25, 7e22, 9.999e-5};
  switch (pick(3)) {
  case 0:
    return json_object_new_int64((int64_t)(rnd() % 2000000) - 1000000);
  case 1:
    return json_object_new_int64((int64_t)(rnd() >> 12) - (1LL << 51));
  default:
    return json_object_new_double(
        doubles[pick((int)(sizeof doubles / sizeof doubles[0]))]);
  }
}

static struct json_object *random_value(int depth);

/* Keys whose order go-yaml's comparison settles consistently: for some
 * sets (1e3, 01, 2, 10) its order is cyclic and Go's output depends on
 * map iteration, so such keys are dropped. */
static void add_random_key(struct json_object *map, int depth)
{
  struct buf k;
  buf_init(&k, 0);
  switch (pick(6)) {
  case 0:
    buf_puts(&k, tricky[pick((int)(sizeof tricky / sizeof tricky[0]))]);
    break;
  case 1:
    buf_printf(&k, "%s%d", words[pick(10)], pick(3) ? pick(20) : pick(200));
    break;
  case 2: /* past 128 bytes: the "? " form, folded */
    random_words(&k, 25);
    break;
  default:
    buf_puts(&k, words[pick((int)(sizeof words / sizeof words[0]))]);
  }
  const char *key = k.data ? k.data : "";
  /* A "<<" key is written plain and reads back as a merge, in Go too. */
  int consistent = strcmp(key, "<<") != 0;
  json_object_object_foreach (map, other, v) {
    (void)v;
    int ab = yamlout_key_cmp(key, other), ba = yamlout_key_cmp(other, key);
    if (ab == 0 || (ab < 0) == (ba < 0))
      consistent = 0;
  }
  if (consistent)
    json_object_object_add(map, key, random_value(depth + 1));
  buf_free(&k);
}

static int transitive(struct json_object *map)
{
  size_t n = (size_t)json_object_object_length(map), i = 0;
  const char **keys = malloc((n + 1) * sizeof *keys);
  json_object_object_foreach (map, k, v) {
    (void)v;
    keys[i++] = k;
  }
  int ok = 1;
  for (size_t a = 0; a < n && ok; a++)
    for (size_t b = 0; b < n && ok; b++)
      for (size_t c = 0; c < n && ok; c++)
        if (yamlout_key_cmp(keys[a], keys[b]) < 0 &&
            yamlout_key_cmp(keys[b], keys[c]) < 0 &&
            yamlout_key_cmp(keys[a], keys[c]) >= 0)
          ok = 0;
  free(keys);
  return ok;
}

static struct json_object *random_map(int depth)
{
  struct json_object *m;
  do {
    m = json_object_new_object();
    for (int i = 0, n = pick(7); i < n; i++)
      add_random_key(m, depth);
    if (!transitive(m)) {
      json_object_put(m);
      m = NULL;
    }
  } while (!m);
  return m;
}

static struct json_object *random_value(int depth)
{
  int kind = depth >= 4 ? 3 + pick(4) : pick(8);
  switch (kind) {
  case 0:
  case 1:
    return random_map(depth);
  case 2: {
    struct json_object *l = json_object_new_array();
    for (int i = 0, n = pick(5); i < n; i++)
      json_object_array_add(l, random_value(depth + 1));
    return l;
  }
  case 3:
  case 4:
    return random_string();
  case 5:
    return random_number();
  default:
    return pick(2) ? json_object_new_boolean(pick(2)) : NULL;
  }
}

/* What we write for a value, Helm reads back as the same value (toJson)
 * and writes back as the same text (toYaml). */
START_TEST(generated_values_round_trip_through_helm)
{
  char *tmp = test_tmpdir();
  char *chart = chart_dir(tmp);
  rnd_state = 0x5eed0001u;
  for (int doc = 0; doc < 30; doc++) {
    struct json_object *v = random_map(0);
    char *text = yaml_text(v);
    char what[64];
    snprintf(what, sizeof what, "generated document %d", doc);
    struct helm_view h = helm_read(tmp, chart, text);
    char *json = compact_json(v);
    ck_assert_msg(strcmp(h.json, json) == 0,
                  "%s: toJson differs\nhelm: %s\n"
                  "ours: %s\nyaml:\n%s",
                  what, h.json, json, text);
    assert_helm_yaml(h.yaml, text, what);
    helm_view_free(&h);
    free(json);
    free(text);
    json_object_put(v);
  }
  free(chart);
  test_rm_rf(tmp);
  free(tmp);
}
END_TEST

/* JSON is YAML too: the flow style, escapes and all. Helm and we read the
 * JSON text of a value as that value. */
START_TEST(generated_json_reads_as_helm_reads)
{
  char *tmp = test_tmpdir();
  char *chart = chart_dir(tmp);
  rnd_state = 0x5eed0003u;
  for (int doc = 0; doc < 15; doc++) {
    struct json_object *v = random_map(0);
    struct buf text;
    struct err e;
    buf_init(&text, 0);
    ck_assert_int_eq(kjson_write(&text, v, doc % 2 ? KJSON_INDENT : 0, &e), 0);
    char what[64];
    snprintf(what, sizeof what, "generated JSON %d", doc);
    compare_with_helm(tmp, chart, text.data, what);
    struct json_object *back = read_values(text.data, what);
    char *want = compact_json(v), *got = compact_json(back);
    ck_assert_msg(strcmp(want, got) == 0, "%s: read back as %s", what, got);
    free(want);
    free(got);
    json_object_put(back);
    buf_free(&text);
    json_object_put(v);
  }
  free(chart);
  test_rm_rf(tmp);
  free(tmp);
}
END_TEST

/* The same for kubectl, with the documents as objects of one file. */
START_TEST(generated_objects_round_trip_through_kubectl)
{
  char *tmp = test_tmpdir();
  struct buf file;
  buf_init(&file, 0);
  rnd_state = 0x5eed0002u;
  for (int doc = 0; doc < 30; doc++) {
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "apiVersion",
                           json_object_new_string("iop.test/v1"));
    json_object_object_add(o, "kind", json_object_new_string("Case"));
    struct json_object *meta = json_object_new_object();
    char name[32];
    snprintf(name, sizeof name, "generated-%d", doc);
    json_object_object_add(meta, "name", json_object_new_string(name));
    json_object_object_add(o, "metadata", meta);
    json_object_object_add(o, "data", random_map(1));
    if (doc)
      buf_puts(&file, "---\n");
    char *text = yaml_text(o);
    buf_puts(&file, text);
    free(text);
    json_object_put(o);
  }
  char *path = test_write_file(tmp, "objects.yaml", file.data);
  compare_with_kubectl(path, file.data, "generated objects");
  free(path);
  buf_free(&file);
  test_rm_rf(tmp);
  free(tmp);
}
END_TEST

Suite *yaml_diff_suite(void)
{
  Suite *s = suite_create("yaml_diff");
  TCase *tc = tcase_create("tools");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, fixtures_read_and_print_as_helm_and_kubectl);
  tcase_add_test(tc, generated_values_round_trip_through_helm);
  tcase_add_test(tc, generated_json_reads_as_helm_reads);
  tcase_add_test(tc, generated_objects_round_trip_through_kubectl);
  suite_add_tcase(s, tc);
  return s;
}
