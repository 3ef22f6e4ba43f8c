/* iop profile list | dump | diff: Istio's configuration profiles, as
 * istioctl profile showed them. */
#include "cmd.h"
#include "cmd_common.h"

#include "buf.h"
#include "gonum.h"
#include "iop.h"
#include "jobj.h"
#include "kjson.h"
#include "vmap.h"
#include "yamlout.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct prof_cli {
  struct cmd_inputs in; /* -f, --set, -d */
  const char *config_path;
  const char *output; /* yaml, json, flags */
  char alias[4200];
  char profile[512];
};

static int usage(FILE *out, int code)
{
  fprintf(out,
          "Istio's configuration profiles.\n\n"
          "Usage:\n"
          "  iop profile list [-d MANIFESTS]\n"
          "  iop profile dump [PROFILE] [-f FILE]... [--set P=V]... "
          "[--config-path PATH] [-o yaml|json|flags]\n"
          "  iop profile diff PROFILE_A PROFILE_B [-d MANIFESTS]\n\n"
          "diff exits with status 1 when the profiles differ. The manifests "
          "directory (-d)\ndefaults to $IOP_MANIFESTS or %s.\n",
          cmd_default_manifests());
  return code;
}

static int parse(struct prof_cli *p, int argc, char **argv)
{
  static const struct option opts[] = {
      {"manifests", required_argument, NULL, 'd'},
      {"charts", required_argument, NULL, 'd'},
      {"filename", required_argument, NULL, 'f'},
      {"set", required_argument, NULL, 's'},
      {"config-path", required_argument, NULL, 'p'},
      {"output", required_argument, NULL, 'o'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int ch;
  optind = 1;
  p->output = "yaml";
  while ((ch = getopt_long(argc, argv, "d:f:s:p:o:h", opts, NULL)) != -1) {
    int taken = cmd_inputs_option(&p->in, ch, optarg);
    if (taken < 0)
      return 1;
    if (taken)
      continue;
    switch (ch) {
    case 'p':
      p->config_path = optarg;
      break;
    case 'o':
      if (strcmp(optarg, "yaml") && strcmp(optarg, "json") &&
          strcmp(optarg, "flags")) {
        fprintf(stderr, "Error: unknown output format: %s\n", optarg);
        return 1;
      }
      p->output = optarg;
      break;
    case 'h':
      return usage(stdout, 0) - 1;
    default:
      return usage(stderr, 1);
    }
  }
  return 0;
}

static const char *manifests_dir(const struct prof_cli *p)
{
  return p->in.manifests ? p->in.manifests : cmd_default_manifests();
}

static int cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int do_list(struct prof_cli *p)
{
  char path[4200];
  snprintf(path, sizeof path, "%s/profiles", manifests_dir(p));
  DIR *d = opendir(path);
  if (!d) {
    fprintf(stderr, "Error: cannot read %s: no such directory\n", path);
    return 1;
  }
  char *names[512] = {NULL};
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL && n < 512) {
    size_t len = strlen(de->d_name);
    if (len > 5 && strcmp(de->d_name + len - 5, ".yaml") == 0)
      names[n++] = strndup(de->d_name, len - 5);
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof *names, cmp_names);
  printf(n ? "Istio configuration profiles:\n" : "No profiles available.\n");
  for (int i = 0; i < n; i++) {
    printf("    %s\n", names[i]);
    free(names[i]);
  }
  return 0;
}

/* The merged configuration for a profile (and -f, --set). */
static int merged_for(struct prof_cli *p, const char *profile,
                      struct json_object **out, struct err *e)
{
  int nsets = p->in.nsets;
  const char *sets[CMD_MAX_INPUTS + 2];
  memcpy(sets, p->in.sets, sizeof p->in.sets);
  if (p->in.manifests) {
    snprintf(p->alias, sizeof p->alias, "installPackagePath=%s",
             p->in.manifests);
    sets[nsets++] = p->alias;
  }
  if (profile) {
    snprintf(p->profile, sizeof p->profile, "profile=%s", profile);
    sets[nsets++] = p->profile;
  }
  struct iop_inputs in = {.files = (const char *const *)p->in.files,
                          .nfiles = p->in.nfiles,
                          .sets = sets,
                          .nsets = nsets,
                          .default_manifests = cmd_default_manifests()};
  char *dir = NULL;
  int rc = iop_merge_inputs(&in, out, &dir, e);
  free(dir);
  return rc;
}

/* The spec under an IstioOperator header, or the subtree at config-path. */
static struct json_object *dump_tree(struct prof_cli *p, struct json_object *m)
{
  struct json_object *spec = jobj_get(m, "spec");
  if (p->config_path) {
    int found;
    struct json_object *sub = vmap_get_path(spec, p->config_path, &found);
    return found ? jobj_dup(sub) : NULL;
  }
  struct json_object *o = json_object_new_object();
  jobj_set_str(o, "apiVersion", "install.istio.io/v1alpha1");
  jobj_set_str(o, "kind", "IstioOperator");
  jobj_set(o, "spec", jobj_dup(spec));
  return o;
}

/* ---- -o flags: istioctl's yamlToFlags ---- */

struct flag_list {
  char **v;
  size_t n, cap;
};

static void flag_add(struct flag_list *l, struct buf *b)
{
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 32;
    char **grown = realloc(l->v, cap * sizeof *grown);
    if (!grown)
      return; /* the list shows what fitted */
    l->v = grown;
    l->cap = cap;
  }
  l->v[l->n++] = strdup(b->data ? b->data : "");
}

/* Go's %q of a string (valid UTF-8 is kept as it is). */
static void go_quote(struct buf *b, const char *s)
{
  buf_putc(b, '"');
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    static const char esc[] = "\\a\\b\\t\\n\\v\\f\\r";
    if (*c == '"' || *c == '\\')
      buf_printf(b, "\\%c", *c);
    else if (*c >= 7 && *c <= 13)
      buf_printf(b, "%.2s", esc + 2 * (*c - 7));
    else if (*c < 0x20 || *c == 0x7f)
      buf_printf(b, "\\x%02x", *c);
    else if (*c < 0x80)
      buf_putc(b, (char)*c);
    else {
      uint32_t cp;
      size_t n =
          kjson_utf8_decode((const char *)c, strlen((const char *)c), &cp);
      if (!n)
        buf_printf(b, "\\x%02x", *c);
      else
        buf_append(b, (const char *)c, n), c += n - 1;
    }
  }
  buf_putc(b, '"');
}

/* Go's %v of a scalar that went through YAML and JSON: numbers are
 * float64. */
static void go_value(struct buf *b, struct json_object *v)
{
  char num[64];
  switch (json_object_get_type(v)) {
  case json_type_null:
    buf_puts(b, "<nil>");
    break;
  case json_type_boolean:
    buf_puts(b, json_object_get_boolean(v) ? "true" : "false");
    break;
  case json_type_int:
  case json_type_double:
    gonum_format_float(num, sizeof num, json_object_get_double(v), 'g', -1, 64);
    buf_puts(b, num);
    break;
  default:
    go_quote(b, json_object_get_string(v));
  }
}

/* walk: maps add ".key" (dots in keys escaped), lists "[i]", each leaf one
 * path=value. */
static void flags_walk(struct json_object *v, struct buf *path,
                       struct flag_list *out)
{
  size_t len = path->len;
  if (jobj_is_obj(v)) {
    json_object_object_foreach (v, k, x) {
      if (len)
        buf_putc(path, '.');
      for (const char *c = k; *c; c++) {
        if (*c == '.')
          buf_putc(path, '\\');
        buf_putc(path, *c);
      }
      flags_walk(x, path, out);
      path->len = len;
    }
  } else if (jobj_is_arr(v)) {
    for (size_t i = 0; i < json_object_array_length(v); i++) {
      buf_printf(path, "[%zu]", i);
      flags_walk(json_object_array_get_idx(v, i), path, out);
      path->len = len;
    }
  } else {
    buf_putc(path, '=');
    go_value(path, v);
    flag_add(out, path);
    path->len = len;
  }
  if (path->data)
    path->data[len] = '\0';
}

/* Sorted path=value lines of the spec (or of the config-path subtree). */
static void print_flags(struct json_object *t, struct buf *out)
{
  struct json_object *spec = jobj_is_obj(t) ? jobj_get(t, "spec") : NULL;
  int has_spec = jobj_is_obj(t) && json_object_object_get_ex(t, "spec", NULL);
  struct flag_list l = {0};
  struct buf path;
  buf_init(&path, 0);
  flags_walk(has_spec ? spec : t, &path, &l);
  buf_free(&path);
  qsort(l.v, l.n, sizeof *l.v, cmp_names);
  for (size_t i = 0; i < l.n; i++) {
    buf_printf(out, "%s%s", i ? "\n" : "", l.v[i]);
    free(l.v[i]);
  }
  buf_putc(out, '\n');
  free(l.v);
}

/* json.MarshalIndent with four spaces: kjson indents by two, and JSON text
 * has no raw newlines inside strings, so each indent doubles. */
static int print_json(struct json_object *t, struct buf *out, struct err *e)
{
  struct buf two;
  buf_init(&two, 0);
  int rc = kjson_write(&two, t, KJSON_INDENT, e);
  for (size_t i = 0; !rc && i < two.len; i++) {
    if (i == 0 || two.data[i - 1] == '\n')
      for (size_t k = i; k < two.len && two.data[k] == ' '; k++)
        buf_putc(out, ' ');
    buf_putc(out, two.data[i]);
  }
  buf_putc(out, '\n');
  buf_free(&two);
  return rc;
}

static int render(struct prof_cli *p, struct json_object *t, struct buf *out,
                  struct err *e)
{
  if (strcmp(p->output, "json") == 0)
    return print_json(t, out, e);
  if (strcmp(p->output, "flags") == 0) {
    print_flags(t, out);
    return 0;
  }
  return yamlout_write(out, t, e);
}

static int dump_profile(struct prof_cli *p, const char *profile,
                        struct buf *out, struct err *e)
{
  struct json_object *m;
  if (merged_for(p, profile, &m, e))
    return 1;
  struct json_object *t = dump_tree(p, m);
  int rc = 0;
  if (!t)
    rc = err_set(e, -ENOENT, "config path %s not found", p->config_path);
  else if (render(p, t, out, e) != 0)
    rc = err_wrap(e, "cannot print the profile");
  json_object_put(t);
  json_object_put(m);
  return rc ? 1 : 0;
}

static int do_dump(struct prof_cli *p, const char *profile)
{
  if (profile && p->in.nfiles) {
    fprintf(stderr, "Error: cannot specify both profile name and filename "
                    "flag\n");
    return 1;
  }
  struct buf out;
  struct err e;
  buf_init(&out, 0);
  int rc = dump_profile(p, profile, &out, &e);
  if (!rc)
    fwrite(out.data ? out.data : "", 1, out.len, stdout);
  else
    fprintf(stderr, "Error: %s\n", e.msg);
  buf_free(&out);
  return rc;
}

/* ---- a line diff (longest common subsequence) ---- */

static char **split_lines(char *text, size_t *n)
{
  size_t cap = 16;
  char **l = malloc(cap * sizeof *l);
  *n = 0;
  for (char *save = NULL, *s = strtok_r(text, "\n", &save); s;
       s = strtok_r(NULL, "\n", &save)) {
    if (*n == cap) {
      char **grown = realloc(l, (cap *= 2) * sizeof *l);
      if (!grown)
        break; /* the diff shows what fitted */
      l = grown;
    }
    l[(*n)++] = s;
  }
  return l;
}

static int print_diff(char *a, char *b)
{
  size_t na, nb;
  char **la = split_lines(a, &na), **lb = split_lines(b, &nb);
  size_t *t = calloc((na + 1) * (nb + 1), sizeof *t);
  for (size_t i = na; i-- > 0;)
    for (size_t j = nb; j-- > 0;)
      t[i * (nb + 1) + j] =
          strcmp(la[i], lb[j]) == 0
              ? t[(i + 1) * (nb + 1) + j + 1] + 1
              : (t[(i + 1) * (nb + 1) + j] > t[i * (nb + 1) + j + 1]
                     ? t[(i + 1) * (nb + 1) + j]
                     : t[i * (nb + 1) + j + 1]);
  int differ = 0;
  size_t i = 0, j = 0;
  struct buf out;
  buf_init(&out, 0);
  while (i < na || j < nb) {
    if (i < na && j < nb && strcmp(la[i], lb[j]) == 0) {
      buf_printf(&out, " %s\n", la[i++]);
      j++;
    } else if (j < nb && (i == na || t[i * (nb + 1) + j + 1] >=
                                         t[(i + 1) * (nb + 1) + j])) {
      buf_printf(&out, "+%s\n", lb[j++]);
      differ = 1;
    } else {
      buf_printf(&out, "-%s\n", la[i++]);
      differ = 1;
    }
  }
  if (differ)
    printf("The difference between profiles:\n%s", out.data);
  else
    printf("Profiles are identical\n");
  buf_free(&out);
  free(t);
  free(la);
  free(lb);
  return differ;
}

/* Exits 1 when the profiles differ, as istioctl profile diff did. */
static int do_diff(struct prof_cli *p, const char *a, const char *b)
{
  struct buf da, db;
  struct err e;
  buf_init(&da, 0);
  buf_init(&db, 0);
  const char *failed = NULL;
  if (dump_profile(p, a, &da, &e))
    failed = a;
  else if (dump_profile(p, b, &db, &e))
    failed = b;
  int rc = 1;
  if (failed)
    fprintf(stderr, "Error: could not read \"%s\": %s\n", failed, e.msg);
  else
    rc = print_diff(da.data ? da.data : "", db.data ? db.data : "");
  buf_free(&da);
  buf_free(&db);
  return rc;
}

int cmd_profile(int argc, char **argv)
{
  if (argc < 2)
    return usage(stderr, 1);
  const char *sub = argv[1];
  struct prof_cli p = {0};
  int rc = parse(&p, argc - 1, argv + 1);
  if (rc) {
    cmd_inputs_free(&p.in);
    return rc < 0 ? 0 : rc;
  }
  int nargs = argc - 1 - optind;
  char **args = argv + 1 + optind;
  if (strcmp(sub, "list") == 0 && nargs == 0)
    rc = do_list(&p);
  else if (strcmp(sub, "dump") == 0 && nargs <= 1)
    rc = do_dump(&p, nargs ? args[0] : NULL);
  else if (strcmp(sub, "diff") == 0 && nargs == 2)
    rc = do_diff(&p, args[0], args[1]);
  else
    rc = usage(stderr, 1);
  cmd_inputs_free(&p.in);
  return rc;
}
