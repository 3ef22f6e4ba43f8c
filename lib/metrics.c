/* metrics: a Prometheus registry and its text exposition (see metrics.h).
 *
 * Families are kept sorted by name and each family's series sorted by
 * label values, so lookups are binary searches and rendering is one pass
 * in the order Prometheus' own client prints. */
#include "metrics.h"

#include "log.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define METRICS_MAX_COLLECTORS 16

struct metrics_series {
  struct metrics_family *f;
  char **values;     /* f->nlabels strings */
  double value;      /* counters and gauges; histograms: the sum */
  uint64_t count;    /* histograms */
  uint64_t *buckets; /* histograms: per bound, not cumulative */
};

struct metrics_family {
  struct metrics *m;
  char *name;
  char *help;
  enum metrics_type type;
  size_t nlabels;
  char *labels[METRICS_MAX_LABELS];
  double *bounds;
  size_t nbounds;
  struct metrics_series **series; /* sorted by values */
  size_t nseries, cap;
  int warned_full;
};

struct collector {
  void (*cb)(void *data);
  void *data;
};

struct metrics {
  uv_mutex_t lock;
  struct metrics_family **fams; /* sorted by name */
  size_t nfams, cap;
  struct collector collectors[METRICS_MAX_COLLECTORS];
  size_t ncollectors;
};

static const double default_bounds[] = {.005, .01, .025, .05, .1, .25,
                                        .5,   1,   2.5,  5,   10};

struct metrics *metrics_new(void)
{
  struct metrics *m = calloc(1, sizeof *m);
  if (m && uv_mutex_init(&m->lock) != 0) {
    free(m);
    m = NULL;
  }
  return m;
}

static void series_free(struct metrics_series *s)
{
  for (size_t i = 0; s->values && i < s->f->nlabels; i++)
    free(s->values[i]);
  free(s->values);
  free(s->buckets);
  free(s);
}

static void family_free(struct metrics_family *f)
{
  for (size_t i = 0; i < f->nseries; i++)
    series_free(f->series[i]);
  for (size_t i = 0; i < f->nlabels; i++)
    free(f->labels[i]);
  free(f->series);
  free(f->bounds);
  free(f->name);
  free(f->help);
  free(f);
}

void metrics_free(struct metrics *m)
{
  if (!m)
    return;
  for (size_t i = 0; i < m->nfams; i++)
    family_free(m->fams[i]);
  free(m->fams);
  uv_mutex_destroy(&m->lock);
  free(m);
}

/* ---- registration ---- */

static int name_ok(const char *s, int colons)
{
  if (!s || !*s || (*s >= '0' && *s <= '9'))
    return 0;
  for (; *s; s++) {
    char c = *s;
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
             (c >= '0' && c <= '9') || c == '_' || (colons && c == ':');
    if (!ok)
      return 0;
  }
  return 1;
}

/* Splits "a,b" into f->labels; 0, or -EINVAL for a bad or reserved name. */
static int parse_labels(struct metrics_family *f, const char *labels)
{
  const char *p = labels;
  while (p && *p) {
    const char *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (f->nlabels == METRICS_MAX_LABELS)
      return -EINVAL;
    char *l = strndup(p, n);
    if (!l)
      return -ENOMEM;
    f->labels[f->nlabels++] = l;
    if (!name_ok(l, 0) || strncmp(l, "__", 2) == 0 ||
        (f->type == METRICS_HISTOGRAM && strcmp(l, "le") == 0))
      return -EINVAL;
    for (size_t i = 0; i + 1 < f->nlabels; i++)
      if (strcmp(f->labels[i], l) == 0)
        return -EINVAL;
    p = end ? end + 1 : NULL;
  }
  return 0;
}

static int set_bounds(struct metrics_family *f, const double *b, size_t n)
{
  if (!b) {
    b = default_bounds;
    n = sizeof default_bounds / sizeof default_bounds[0];
  }
  /* A trailing +Inf is implied; callers copying Go code may pass it. */
  if (n && isinf(b[n - 1]) && b[n - 1] > 0)
    n--;
  if (n == 0 || n > METRICS_MAX_BUCKETS)
    return -EINVAL;
  for (size_t i = 0; i < n; i++)
    if (isnan(b[i]) || (i && b[i] <= b[i - 1]))
      return -EINVAL;
  f->bounds = malloc(n * sizeof *f->bounds);
  if (!f->bounds)
    return -ENOMEM;
  memcpy(f->bounds, b, n * sizeof *b);
  f->nbounds = n;
  return 0;
}

static struct metrics_family *family_new(enum metrics_type type,
                                         const char *name, const char *help,
                                         const char *labels,
                                         const double *bounds, size_t n)
{
  struct metrics_family *f = calloc(1, sizeof *f);
  if (!f)
    return NULL;
  f->type = type;
  f->name = strdup(name);
  f->help = strdup(help ? help : "");
  if (!f->name || !f->help || parse_labels(f, labels) != 0 ||
      (type == METRICS_HISTOGRAM && set_bounds(f, bounds, n) != 0)) {
    family_free(f);
    return NULL;
  }
  return f;
}

/* Index of name in m->fams, or where it would go (with *found = 0). */
static size_t family_find(struct metrics *m, const char *name, int *found)
{
  size_t lo = 0, hi = m->nfams;
  *found = 0;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(m->fams[mid]->name, name);
    if (c == 0) {
      *found = 1;
      return mid;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static int same_shape(const struct metrics_family *a,
                      const struct metrics_family *b)
{
  if (a->type != b->type || a->nlabels != b->nlabels ||
      a->nbounds != b->nbounds)
    return 0;
  for (size_t i = 0; i < a->nlabels; i++)
    if (strcmp(a->labels[i], b->labels[i]) != 0)
      return 0;
  for (size_t i = 0; i < a->nbounds; i++)
    if (a->bounds[i] != b->bounds[i])
      return 0;
  return 1;
}

static int family_insert(struct metrics *m, struct metrics_family *f, size_t at)
{
  if (m->nfams == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 16;
    void *p = realloc(m->fams, cap * sizeof *m->fams);
    if (!p)
      return -ENOMEM;
    m->fams = p;
    m->cap = cap;
  }
  memmove(m->fams + at + 1, m->fams + at, (m->nfams - at) * sizeof *m->fams);
  m->fams[at] = f;
  m->nfams++;
  return 0;
}

static struct metrics_series *series_lookup(struct metrics_family *f,
                                            const char *const *values);

/* Adds f to m, or returns the family already there under its name when it
 * has the same shape (f is then freed). */
static struct metrics_family *family_register(struct metrics *m,
                                              struct metrics_family *f)
{
  int found;
  uv_mutex_lock(&m->lock);
  size_t at = family_find(m, f->name, &found);
  struct metrics_family *out = NULL;
  if (found) {
    if (same_shape(m->fams[at], f))
      out = m->fams[at];
    else
      log_error("metrics: registered twice with another type or labels "
                "name=%s",
                f->name);
    family_free(f);
  } else if (family_insert(m, f, at) == 0) {
    f->m = m;
    out = f;
    /* A family without labels always shows its one series, as client_golang
     * does for plain counters. */
    if (f->nlabels == 0) {
      static const char *const no_values[1];
      series_lookup(f, no_values);
    }
  } else {
    family_free(f);
  }
  uv_mutex_unlock(&m->lock);
  return out;
}

static struct metrics_family *
metrics_register(struct metrics *m, enum metrics_type type, const char *name,
                 const char *help, const char *labels, const double *bounds,
                 size_t n)
{
  if (!m || !name_ok(name, 1)) {
    log_error("metrics: invalid metric name=%s", log_q(name ? name : ""));
    return NULL;
  }
  struct metrics_family *f = family_new(type, name, help, labels, bounds, n);
  if (!f) {
    log_error("metrics: invalid labels or buckets name=%s labels=%s", name,
              log_q(labels ? labels : ""));
    return NULL;
  }
  return family_register(m, f);
}

struct metrics_family *metrics_counter(struct metrics *m, const char *name,
                                       const char *help, const char *labels)
{
  return metrics_register(m, METRICS_COUNTER, name, help, labels, NULL, 0);
}

struct metrics_family *metrics_gauge(struct metrics *m, const char *name,
                                     const char *help, const char *labels)
{
  return metrics_register(m, METRICS_GAUGE, name, help, labels, NULL, 0);
}

struct metrics_family *metrics_histogram(struct metrics *m, const char *name,
                                         const char *help, const char *labels,
                                         const double *bounds, size_t n)
{
  return metrics_register(m, METRICS_HISTOGRAM, name, help, labels, bounds, n);
}

/* ---- series ---- */

static int values_cmp(const struct metrics_family *f, char *const *a,
                      const char *const *b)
{
  for (size_t i = 0; i < f->nlabels; i++) {
    int c = strcmp(a[i], b[i]);
    if (c)
      return c;
  }
  return 0;
}

static struct metrics_series *series_new(struct metrics_family *f,
                                         const char *const *values)
{
  struct metrics_series *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->f = f;
  s->values = calloc(f->nlabels + 1, sizeof *s->values);
  int ok = s->values != NULL;
  for (size_t i = 0; ok && i < f->nlabels; i++)
    ok = (s->values[i] = strdup(values[i])) != NULL;
  if (ok && f->nbounds)
    ok = (s->buckets = calloc(f->nbounds, sizeof *s->buckets)) != NULL;
  if (!ok) {
    series_free(s);
    return NULL;
  }
  return s;
}

static int series_insert(struct metrics_family *f, struct metrics_series *s,
                         size_t at)
{
  if (f->nseries == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 8;
    void *p = realloc(f->series, cap * sizeof *f->series);
    if (!p)
      return -ENOMEM;
    f->series = p;
    f->cap = cap;
  }
  memmove(f->series + at + 1, f->series + at,
          (f->nseries - at) * sizeof *f->series);
  f->series[at] = s;
  f->nseries++;
  return 0;
}

/* Finds or creates the series; the caller holds the lock. */
static struct metrics_series *series_lookup(struct metrics_family *f,
                                            const char *const *values)
{
  size_t lo = 0, hi = f->nseries;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = values_cmp(f, f->series[mid]->values, values);
    if (c == 0)
      return f->series[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (f->nseries >= METRICS_MAX_SERIES) {
    if (!f->warned_full++)
      log_error("metrics: too many series, dropping new ones name=%s max=%d",
                f->name, METRICS_MAX_SERIES);
    return NULL;
  }
  struct metrics_series *s = series_new(f, values);
  if (s && series_insert(f, s, lo) != 0) {
    series_free(s);
    s = NULL;
  }
  return s;
}

/* Collects up to max values before the NULL; returns how many, or max + 1
 * when there are more. */
static size_t collect_values(const char **values, size_t max, va_list ap)
{
  size_t n = 0;
  const char *v;
  while (n <= max && (v = va_arg(ap, const char *)) != NULL)
    values[n++] = v;
  return n;
}

struct metrics_series *metrics_with(struct metrics_family *f, ...)
{
  const char *values[METRICS_MAX_LABELS + 1];
  va_list ap;
  va_start(ap, f);
  size_t n = collect_values(values, METRICS_MAX_LABELS, ap);
  va_end(ap);
  if (!f)
    return NULL;
  if (n != f->nlabels) {
    log_error("metrics: wrong number of label values name=%s want=%zu "
              "got=%zu",
              f->name, f->nlabels, n);
    return NULL;
  }
  uv_mutex_lock(&f->m->lock);
  struct metrics_series *s = series_lookup(f, values);
  uv_mutex_unlock(&f->m->lock);
  return s;
}

void metrics_add(struct metrics_series *s, double v)
{
  if (!s || s->f->type == METRICS_HISTOGRAM)
    return;
  if (s->f->type == METRICS_COUNTER && !(v >= 0))
    return;
  uv_mutex_lock(&s->f->m->lock);
  s->value += v;
  uv_mutex_unlock(&s->f->m->lock);
}

void metrics_inc(struct metrics_series *s)
{
  metrics_add(s, 1);
}

void metrics_set(struct metrics_series *s, double v)
{
  if (!s || s->f->type == METRICS_HISTOGRAM)
    return;
  uv_mutex_lock(&s->f->m->lock);
  /* A counter mirrors a count kept elsewhere: it never goes down. */
  if (s->f->type == METRICS_GAUGE || v > s->value)
    s->value = v;
  uv_mutex_unlock(&s->f->m->lock);
}

void metrics_observe(struct metrics_series *s, double v)
{
  if (!s || s->f->type != METRICS_HISTOGRAM)
    return;
  struct metrics_family *f = s->f;
  uv_mutex_lock(&f->m->lock);
  size_t i = 0;
  while (i < f->nbounds && !(v <= f->bounds[i]))
    i++;
  if (i < f->nbounds)
    s->buckets[i]++;
  s->count++;
  s->value += v;
  uv_mutex_unlock(&f->m->lock);
}

double metrics_value(struct metrics_series *s)
{
  if (!s)
    return 0;
  uv_mutex_lock(&s->f->m->lock);
  double v = s->f->type == METRICS_HISTOGRAM ? (double)s->count : s->value;
  uv_mutex_unlock(&s->f->m->lock);
  return v;
}

int metrics_on_collect(struct metrics *m, void (*cb)(void *data), void *data)
{
  uv_mutex_lock(&m->lock);
  int rc = -ENOSPC;
  if (m->ncollectors < METRICS_MAX_COLLECTORS) {
    m->collectors[m->ncollectors++] = (struct collector){cb, data};
    rc = 0;
  }
  uv_mutex_unlock(&m->lock);
  return rc;
}

void metrics_off_collect(struct metrics *m, void (*cb)(void *data), void *data)
{
  uv_mutex_lock(&m->lock);
  for (size_t i = 0; i < m->ncollectors; i++) {
    if (m->collectors[i].cb == cb && m->collectors[i].data == data) {
      memmove(&m->collectors[i], &m->collectors[i + 1],
              (m->ncollectors - i - 1) * sizeof m->collectors[0]);
      m->ncollectors--;
      break;
    }
  }
  uv_mutex_unlock(&m->lock);
}

/* ---- exposition ---- */

void metrics_format_value(double v, char *out, size_t n)
{
  if (isnan(v)) {
    snprintf(out, n, "NaN");
    return;
  }
  if (isinf(v)) {
    snprintf(out, n, "%s", v > 0 ? "+Inf" : "-Inf");
    return;
  }
  if (v == 0) {
    snprintf(out, n, "0");
    return;
  }
  /* The fewest significant digits that read back as v, then Go's choice
   * between %e and %f: for the shortest format strconv/ftoa.go uses %e when
   * the exponent is below -4 or at least 6. */
  char e[40];
  int p;
  for (p = 1; p < 17; p++) {
    snprintf(e, sizeof e, "%.*e", p - 1, v);
    if (strtod(e, NULL) == v)
      break;
  }
  snprintf(e, sizeof e, "%.*e", p - 1, v);
  int exp = atoi(strchr(e, 'e') + 1);
  if (exp < -4 || exp >= 6)
    snprintf(out, n, "%s", e);
  else
    snprintf(out, n, "%.*f", p - 1 - exp > 0 ? p - 1 - exp : 0, v);
}

/* Appending that remembers the first failure, so a render is one pass and
 * one check at the end. */
struct out {
  struct buf *b;
  int rc;
};

static void out_put(struct out *o, const char *s, size_t n)
{
  if (!o->rc)
    o->rc = buf_append(o->b, s, n);
}

static void out_puts(struct out *o, const char *s)
{
  out_put(o, s, strlen(s));
}

/* Help text escapes \ and newline; label values also escape ". */
static void out_escaped(struct out *o, const char *s, int quotes)
{
  const char *run = s;
  for (; *s; s++) {
    const char *rep = *s == '\\'              ? "\\\\"
                      : *s == '\n'            ? "\\n"
                      : (quotes && *s == '"') ? "\\\""
                                              : NULL;
    if (!rep)
      continue;
    out_put(o, run, (size_t)(s - run));
    out_puts(o, rep);
    run = s + 1;
  }
  out_put(o, run, (size_t)(s - run));
}

static void out_value(struct out *o, double v)
{
  char num[40];
  metrics_format_value(v, num, sizeof num);
  out_puts(o, num);
}

/* name{labels[,le="x"]} value */
static void out_sample(struct out *o, const struct metrics_series *s,
                       const char *suffix, const char *le, double v)
{
  const struct metrics_family *f = s->f;
  out_puts(o, f->name);
  out_puts(o, suffix);
  if (f->nlabels || le) {
    out_puts(o, "{");
    for (size_t i = 0; i < f->nlabels; i++) {
      if (i)
        out_puts(o, ",");
      out_puts(o, f->labels[i]);
      out_puts(o, "=\"");
      out_escaped(o, s->values[i], 1);
      out_puts(o, "\"");
    }
    if (le) {
      out_puts(o, f->nlabels ? ",le=\"" : "le=\"");
      out_puts(o, le);
      out_puts(o, "\"");
    }
    out_puts(o, "}");
  }
  out_puts(o, " ");
  out_value(o, v);
  out_puts(o, "\n");
}

static void out_histogram(struct out *o, const struct metrics_series *s)
{
  const struct metrics_family *f = s->f;
  uint64_t cum = 0;
  char le[40];
  for (size_t i = 0; i < f->nbounds; i++) {
    cum += s->buckets[i];
    metrics_format_value(f->bounds[i], le, sizeof le);
    out_sample(o, s, "_bucket", le, (double)cum);
  }
  out_sample(o, s, "_bucket", "+Inf", (double)s->count);
  out_sample(o, s, "_sum", NULL, s->value);
  out_sample(o, s, "_count", NULL, (double)s->count);
}

static const char *type_name(enum metrics_type t)
{
  return t == METRICS_COUNTER ? "counter"
         : t == METRICS_GAUGE ? "gauge"
                              : "histogram";
}

static void out_family(struct out *o, const struct metrics_family *f)
{
  if (f->nseries == 0)
    return;
  out_puts(o, "# HELP ");
  out_puts(o, f->name);
  out_puts(o, " ");
  out_escaped(o, f->help, 0);
  out_puts(o, "\n# TYPE ");
  out_puts(o, f->name);
  out_puts(o, " ");
  out_puts(o, type_name(f->type));
  out_puts(o, "\n");
  for (size_t i = 0; i < f->nseries; i++) {
    if (f->type == METRICS_HISTOGRAM)
      out_histogram(o, f->series[i]);
    else
      out_sample(o, f->series[i], "", NULL, f->series[i]->value);
  }
}

int metrics_render(struct metrics *m, struct buf *b)
{
  struct collector cs[METRICS_MAX_COLLECTORS];
  uv_mutex_lock(&m->lock);
  size_t nc = m->ncollectors;
  memcpy(cs, m->collectors, nc * sizeof *cs);
  uv_mutex_unlock(&m->lock);
  for (size_t i = 0; i < nc; i++)
    cs[i].cb(cs[i].data);

  struct out o = {b, 0};
  uv_mutex_lock(&m->lock);
  for (size_t i = 0; i < m->nfams; i++)
    out_family(&o, m->fams[i]);
  uv_mutex_unlock(&m->lock);
  return o.rc;
}
