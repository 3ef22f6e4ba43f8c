/* chart: loading a chart directory as Helm does (helm v3.17
 * pkg/chart/loader/{directory,load}.go; istioctl's loadChart for the
 * ISTIOCTL mode).
 *
 * The directory is walked in sorted order, symlinks followed, .helmignore
 * applied (HELM3), each file named by its '/'-separated path under the
 * chart. Then the files are sorted out as LoadFiles does: Chart.yaml is
 * the metadata, values.yaml the defaults, templates/ the templates,
 * charts/<name>/ a subchart loaded the same way, and everything else
 * (crds/ included) a file for .Files. */
#include "chart_int.h"

#include "kyaml.h"
#include "strvals.h"
#include "tmpl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WALK_MAX_DEPTH 64

char *chart__strf(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *s = n < 0 ? NULL : malloc((size_t)n + 1);
  if (s) {
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  return s;
}

/* ---- file lists ---- */

int chart__files_add(struct chart_files *f, const char *name, const char *data,
                     size_t len)
{
  struct chart_file *v = realloc(f->v, (f->n + 1) * sizeof *v);
  if (!v)
    return -ENOMEM;
  f->v = v;
  char *n = strdup(name), *d = malloc(len + 1);
  if (!n || !d) {
    free(n);
    free(d);
    return -ENOMEM;
  }
  if (len)
    memcpy(d, data, len);
  d[len] = '\0';
  v[f->n].name = n;
  v[f->n].data = d;
  v[f->n].len = len;
  f->n++;
  return 0;
}

void chart_files_free(struct chart_files *f)
{
  for (size_t i = 0; i < f->n; i++) {
    free(f->v[i].name);
    free(f->v[i].data);
  }
  free(f->v);
  f->v = NULL;
  f->n = 0;
}

static int file_cmp(const void *a, const void *b)
{
  return strcmp(((const struct chart_file *)a)->name,
                ((const struct chart_file *)b)->name);
}

void chart__files_sort(struct chart_files *f)
{
  if (f->n)
    qsort(f->v, f->n, sizeof *f->v, file_cmp);
}

/* ---- the directory walk ---- */

struct walk {
  const char *top; /* absolute, no trailing slash */
  struct chart_ignore *rules;
  struct chart_files files;
  size_t total;
  int strip_bom;
  const struct chart_log *log;
  struct err *e;
};

/* errno as a negative code, never 0. */
static int neg_errno(void)
{
  return errno ? -errno : -EIO;
}

/* Go's text for errno (the C library's, starting lower-case). */
static const char *go_strerror(int code)
{
  static _Thread_local char msg[256];
  snprintf(msg, sizeof msg, "%s", strerror(code));
  if (msg[0] >= 'A' && msg[0] <= 'Z')
    msg[0] = (char)(msg[0] - 'A' + 'a');
  return msg;
}

static int read_all(const char *path, size_t max, struct buf *b, struct err *e)
{
  buf_init(b, max);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return err_set(e, neg_errno(), "open %s: %s", path, go_strerror(errno));
  buf_puts(b, "");
  char chunk[65536];
  int rc = 0;
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0)
      rc = err_set(e, neg_errno(), "read %s: %s", path, go_strerror(errno));
    else if (n > 0 && buf_append(b, chunk, (size_t)n))
      rc = err_set(e, -E2BIG, "%s: larger than %zu bytes", path, max);
    if (n <= 0 || rc)
      break;
  }
  close(fd);
  if (rc)
    buf_free(b);
  return rc;
}

static int walk_file(struct walk *w, const char *path, const char *rel)
{
  if (w->files.n >= CHART_MAX_FILES)
    return err_set(w->e, -E2BIG, "%s: more than %d files", w->top,
                   CHART_MAX_FILES);
  struct buf b;
  int rc = read_all(path, CHART_MAX_FILE_BYTES, &b, w->e);
  if (rc)
    return err_wrap(w->e, "error reading %s", rel);
  const char *d = b.data;
  size_t n = b.len;
  if (w->strip_bom && n >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0) {
    d += 3;
    n -= 3;
  }
  w->total += n;
  if (w->total > CHART_MAX_TOTAL_BYTES)
    rc = err_set(w->e, -E2BIG, "%s: more than %zu bytes of files", w->top,
                 CHART_MAX_TOTAL_BYTES);
  else
    rc = chart__files_add(&w->files, rel, d, n);
  buf_free(&b);
  return rc;
}

static int walk_dir(struct walk *w, const char *path, const char *rel,
                    int depth);

static int name_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* readDirNames: the entries of a directory, sorted. */
static int dir_names(const char *path, char ***out, size_t *n, struct err *e)
{
  DIR *d = opendir(path);
  if (!d)
    return err_set(e, neg_errno(), "open %s: %s", path, go_strerror(errno));
  char **v = NULL;
  size_t cnt = 0;
  struct dirent *de;
  int rc = 0;
  while (!rc && (de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    char **nv =
        cnt < CHART_MAX_FILES ? realloc(v, (cnt + 1) * sizeof *v) : NULL;
    if (!nv || !(nv[cnt] = strdup(de->d_name))) {
      v = nv ? nv : v;
      rc = err_set(e, -E2BIG, "%s: too many entries", path);
      break;
    }
    v = nv;
    cnt++;
  }
  closedir(d);
  if (cnt)
    qsort(v, cnt, sizeof *v, name_cmp);
  *out = v;
  *n = cnt;
  return rc;
}

static int walk_entry(struct walk *w, const char *path, const char *rel,
                      int depth)
{
  struct stat st;
  if (lstat(path, &st))
    return err_set(w->e, neg_errno(), "lstat %s: %s", path, go_strerror(errno));
  if (S_ISLNK(st.st_mode)) {
    char resolved[PATH_MAX];
    if (!realpath(path, resolved) || stat(resolved, &st))
      return err_set(w->e, neg_errno(), "error evaluating symlink %s: %s", path,
                     go_strerror(errno));
    if (w->log->mode == CHART_MODE_HELM3)
      chart__logf(w->log, "walk.go", 75,
                  "found symbolic link in path: %s "
                  "resolves to %s. Contents of linked file included and used",
                  path, resolved);
  }
  int is_dir = S_ISDIR(st.st_mode);
  if (chart__ignore_match(w->rules, rel, is_dir))
    return 0;
  if (is_dir)
    return walk_dir(w, path, rel, depth + 1);
  if (!S_ISREG(st.st_mode))
    return err_set(w->e, -EINVAL,
                   "cannot load irregular file %s as it has "
                   "file mode type bits set",
                   path);
  return walk_file(w, path, rel);
}

static int walk_dir(struct walk *w, const char *path, const char *rel,
                    int depth)
{
  if (depth > WALK_MAX_DEPTH)
    return err_set(w->e, -ELOOP, "%s: directories nested more than %d deep",
                   path, WALK_MAX_DEPTH);
  char **names = NULL;
  size_t n = 0;
  int rc = dir_names(path, &names, &n, w->e);
  for (size_t i = 0; !rc && i < n; i++) {
    char *p = NULL, *r = NULL;
    if (!(p = chart__strf("%s/%s", path, names[i])) ||
        !(r = chart__strf("%s%s%s", rel, *rel ? "/" : "", names[i])))
      rc = -ENOMEM;
    else
      rc = walk_entry(w, p, r, depth);
    free(p);
    free(r);
  }
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
  return rc;
}

static int load_rules(struct walk *w)
{
  char *path = NULL;
  if (!(path = chart__strf("%s/.helmignore", w->top)))
    return -ENOMEM;
  struct stat st;
  int rc = 0;
  if (stat(path, &st) == 0) {
    struct buf b;
    rc = read_all(path, CHART_MAX_FILE_BYTES, &b, w->e);
    if (!rc) {
      rc = chart__ignore_parse(b.data, b.len, &w->rules, w->e);
      buf_free(&b);
    }
  }
  free(path);
  if (!rc && !(w->rules = chart__ignore_defaults(w->rules)))
    rc = -ENOMEM;
  return rc;
}

/* ---- LoadFiles ---- */

static int load_files(struct chart_files *files, const struct chart_log *log,
                      int depth, struct chart **out, struct err *e);

void chart_free(struct chart *c)
{
  if (!c)
    return;
  json_object_put(c->meta);
  for (size_t i = 0; i < c->nreqs; i++)
    chart__dep_free(&c->reqs[i]);
  free(c->reqs);
  json_object_put(c->values);
  chart_files_free(&c->templates);
  chart_files_free(&c->files);
  for (size_t i = 0; i < c->nsubs; i++)
    chart_free(c->subs[i]);
  free(c->subs);
  free(c);
}

static int parse_yaml(const struct chart_file *f, enum kyaml_numbers nums,
                      struct json_object **out, struct err *e)
{
  struct kyaml_opts o = {.name = f->name, .numbers = nums};
  return kyaml_parse(f->data, f->len, &o, out, e);
}

static int load_metadata(struct chart *c, const struct chart_file *f,
                         struct err *e)
{
  struct json_object *doc = NULL;
  int rc = parse_yaml(f, KYAML_NUMBERS_UNSTRUCTURED, &doc, e);
  struct buf gy;
  buf_init(&gy, 0);
  if (rc && strvals_goyaml_error(f->data, f->len, &gy))
    err_set(e, rc, "error converting YAML to JSON: %s", gy.data);
  buf_free(&gy);
  if (!rc)
    rc = chart__meta_apply(c, doc, e);
  json_object_put(doc);
  if (rc)
    return err_wrap(e, "cannot load %s", f->name);
  if (!*chart__meta_str(c, "apiVersion"))
    json_object_object_add(c->meta, "apiVersion", json_object_new_string("v1"));
  return 0;
}

static int merge_doc_cb(struct json_object *doc, int line, void *data)
{
  (void)line;
  struct json_object **vals = data;
  if (doc && !json_object_is_type(doc, json_type_object)) {
    json_object_put(doc);
    return -EINVAL;
  }
  if (!doc)
    return 0;
  struct json_object *m = strvals_merge_maps(*vals, doc);
  json_object_put(doc);
  if (!m)
    return -ENOMEM;
  json_object_put(*vals);
  *vals = m;
  return 0;
}

/* values.yaml: Helm 3 reads the first document; Helm 4 (istioctl) merges
 * every document. */
static int load_values(struct chart *c, const struct chart_file *f,
                       enum chart_mode mode, struct err *e)
{
  struct json_object *v = NULL;
  int rc;
  if (mode == CHART_MODE_HELM3) {
    rc = strvals_yaml_map(f->data, f->len, f->name, &v, e);
  } else {
    struct kyaml_opts o = {.name = f->name, .numbers = KYAML_NUMBERS_FLOAT};
    v = json_object_new_object();
    err_clear(e);
    rc = kyaml_parse_each(f->data, f->len, &o, merge_doc_cb, &v, e);
    if (rc == -EINVAL && !e->msg[0])
      err_set(e, rc, "cannot unmarshal yaml document: a document is not a map");
  }
  if (rc) {
    json_object_put(v);
    return err_wrap(e, "cannot load values.yaml");
  }
  json_object_put(c->values);
  c->values = v;
  return 0;
}

static int load_requirements(struct chart *c, const struct chart_file *f,
                             const struct chart_log *log, struct err *e)
{
  int v1 = strcmp(chart__meta_str(c, "apiVersion"), "v1") == 0;
  if (!c->meta && !(c->meta = json_object_new_object()))
    return -ENOMEM;
  if (!v1)
    chart__logf(log, "load.go", 120,
                "Warning: Dependencies are handled in "
                "Chart.yaml since apiVersion \"v2\". We recommend migrating "
                "dependencies to Chart.yaml.");
  int rc = load_metadata(c, f, e);
  if (!rc && v1)
    rc = chart__files_add(&c->files, f->name, f->data, f->len);
  return rc;
}

/* Subchart files grouped by their directory under charts/. */
struct group {
  char *name;
  struct chart_files files;
};

struct groups {
  struct group *v;
  size_t n;
};

static int group_add(struct groups *g, const struct chart_file *f)
{
  const char *rel = f->name + strlen("charts/");
  size_t len = strcspn(rel, "/");
  size_t i;
  for (i = 0; i < g->n; i++)
    if (strlen(g->v[i].name) == len && !strncmp(g->v[i].name, rel, len))
      break;
  if (i == g->n) {
    struct group *v = realloc(g->v, (g->n + 1) * sizeof *v);
    if (!v)
      return -ENOMEM;
    g->v = v;
    v[g->n] = (struct group){strndup(rel, len), {NULL, 0}};
    if (!v[g->n].name)
      return -ENOMEM;
    g->n++;
  }
  /* The subchart sees its files without the charts/<name>/ prefix; a
   * file directly in charts/ has no such part and is dropped. */
  if (!rel[len])
    return chart__files_add(&g->v[i].files, "\x01", "", 0);
  return chart__files_add(&g->v[i].files, rel + len + 1, f->data, f->len);
}

static void groups_free(struct groups *g)
{
  for (size_t i = 0; i < g->n; i++) {
    free(g->v[i].name);
    chart_files_free(&g->v[i].files);
  }
  free(g->v);
}

static int ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && !strcmp(s + n - k, suffix);
}

/* One file of the chart, sorted into its place. */
static int sort_file(struct chart *c, const struct chart_file *f,
                     struct groups *subs, const struct chart_log *log,
                     struct err *e)
{
  const char *n = f->name;
  if (!strcmp(n, "Chart.yaml") || !strcmp(n, "Chart.lock") ||
      !strcmp(n, "values.schema.json"))
    return 0;
  if (!strcmp(n, "values.yaml"))
    return load_values(c, f, log->mode, e);
  if (!strcmp(n, "requirements.yaml"))
    return load_requirements(c, f, log, e);
  if (!strcmp(n, "requirements.lock")) {
    if (strcmp(chart__meta_str(c, "apiVersion"), "v1"))
      chart__logf(log, "load.go", 138,
                  "Warning: Dependency locking is handled "
                  "in Chart.lock since apiVersion \"v2\". We recommend "
                  "migrating to Chart.lock.");
    else
      return chart__files_add(&c->files, n, f->data, f->len);
    return 0;
  }
  if (!strncmp(n, "templates/", 10))
    return chart__files_add(&c->templates, n, f->data, f->len);
  if (!strncmp(n, "charts/", 7) && !ends_with(n, ".prov"))
    return group_add(subs, f);
  return chart__files_add(&c->files, n, f->data, f->len);
}

static int load_sub(struct chart *c, struct group *g,
                    const struct chart_log *log, int depth, struct err *e)
{
  const char *n = g->name;
  if (n[0] == '_' || n[0] == '.')
    return 0;
  struct chart *sc = NULL;
  int rc;
  if (ends_with(n, ".tgz"))
    rc = err_set(e, -ENOTSUP,
                 "packaged subcharts are not supported: unpack "
                 "charts/%s into a directory charts/<name>/",
                 n);
  else if (depth >= CHART_MAX_NESTING)
    rc = err_set(e, -ELOOP, "subcharts nested more than %d deep",
                 CHART_MAX_NESTING);
  else
    rc = load_files(&g->files, log, depth + 1, &sc, e);
  if (rc)
    return err_wrap(e, "error unpacking subchart %s in %s", n,
                    chart__meta_str(c, "name"));
  struct chart **v = realloc(c->subs, (c->nsubs + 1) * sizeof *v);
  if (!v) {
    chart_free(sc);
    return -ENOMEM;
  }
  c->subs = v;
  v[c->nsubs++] = sc;
  return 0;
}

static int load_parts(struct chart *c, struct chart_files *files,
                      const struct chart_log *log, int depth, struct err *e)
{
  int rc = 0;
  for (size_t i = 0; !rc && i < files->n; i++)
    if (!strcmp(files->v[i].name, "Chart.yaml"))
      rc = load_metadata(c, &files->v[i], e);
  struct groups subs = {NULL, 0};
  for (size_t i = 0; !rc && i < files->n; i++)
    if (strcmp(files->v[i].name, "\x01"))
      rc = sort_file(c, &files->v[i], &subs, log, e);
  if (!rc && !c->meta)
    rc = err_set(e, -EINVAL, "Chart.yaml file is missing");
  if (!rc)
    rc = chart__meta_validate(c, e);
  for (size_t i = 0; !rc && i < subs.n; i++)
    rc = load_sub(c, &subs.v[i], log, depth, e);
  groups_free(&subs);
  return rc;
}

static int load_files(struct chart_files *files, const struct chart_log *log,
                      int depth, struct chart **out, struct err *e)
{
  struct chart *c = calloc(1, sizeof *c);
  if (!c)
    return -ENOMEM;
  c->mode = log->mode;
  c->values = json_object_new_object();
  int rc = c->values ? load_parts(c, files, log, depth, e) : -ENOMEM;
  if (rc) {
    chart_free(c);
    c = NULL;
  }
  *out = c;
  return rc;
}

int chart_load(const char *dir, enum chart_mode mode, chart_warn_cb warn,
               void *warn_data, struct chart **out, struct err *e)
{
  *out = NULL;
  err_clear(e);
  struct chart_log log = {mode, warn, warn_data};
  char top[PATH_MAX];
  if (!realpath(dir, top))
    return err_set(e, neg_errno(), "stat %s: %s", dir, go_strerror(errno));
  struct walk w = {
      .top = top, .strip_bom = mode == CHART_MODE_HELM3, .log = &log, .e = e};
  struct stat st;
  int rc = stat(top, &st)
               ? err_set(e, neg_errno(), "stat %s: %s", dir, go_strerror(errno))
           : !S_ISDIR(st.st_mode)
               ? err_set(e, -ENOTDIR,
                         "%s: not a chart directory (packaged "
                         ".tgz charts are not supported: unpack it)",
                         dir)
               : 0;
  if (!rc && mode == CHART_MODE_HELM3)
    rc = load_rules(&w);
  if (!rc)
    rc = walk_dir(&w, top, "", 0);
  if (!rc)
    rc = load_files(&w.files, &log, 0, out, e);
  chart__ignore_free(w.rules);
  chart_files_free(&w.files);
  return rc;
}

const char *chart_name(const struct chart *c)
{
  return chart__meta_str(c, "name");
}

const char *chart_version(const struct chart *c)
{
  return chart__meta_str(c, "version");
}

const char *chart_type(const struct chart *c)
{
  return chart__meta_str(c, "type");
}

int chart_deprecated(const struct chart *c)
{
  return json_object_get_boolean(json_object_object_get(c->meta, "deprecated"));
}

struct json_object *chart_default_values(const struct chart *c)
{
  return c->values;
}

int chart_check_dependencies(const struct chart *c, struct err *e)
{
  struct buf missing;
  buf_init(&missing, 0);
  for (size_t i = 0; i < c->nreqs; i++) {
    int found = 0;
    for (size_t k = 0; !found && k < c->nsubs; k++)
      found = !strcmp(chart_name(c->subs[k]), c->reqs[i].name);
    if (!found)
      buf_printf(&missing, "%s%s", missing.len ? ", " : "", c->reqs[i].name);
  }
  int rc = 0;
  if (missing.len)
    rc = err_set(e, -ENOENT,
                 "An error occurred while checking for chart "
                 "dependencies. You may need to run `helm dependency build` to "
                 "fetch missing dependencies: found in Chart.yaml, but missing "
                 "in charts/ directory: %s",
                 missing.data);
  buf_free(&missing);
  return rc;
}
