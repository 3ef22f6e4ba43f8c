/* chart_semver: the semantic versions and constraints Helm checks charts
 * with (Masterminds/semver v3.3.0: version.go, constraints.go): a chart's
 * version must parse, a dependency's version range picks the subchart, a
 * chart's kubeVersion range must admit the cluster's version.
 *
 * The parsing uses the library's own regular expressions (Go syntax, run
 * by lib/regex), so what is accepted matches: "1", "v1.2", "1.x", ">= 1.2,
 * < 2", "1.2 - 1.4 || ^3", and the empty alternative in its operator list
 * that makes "" an operator too. */
#include "chart_int.h"

#include "regex.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CV                                                                     \
  "v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?"                 \
  "(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?"                                 \
  "(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?"
#define OPS "=||!=|>|<|>=|=>|<=|=<|~|~>|\\^"

static const char version_re[] =
    "^v?([0-9]+)(\\.[0-9]+)?(\\.[0-9]+)?"
    "(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?"
    "(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?$";
static const char constraint_re[] = "^\\s*(" OPS ")\\s*(" CV ")\\s*$";
static const char range_re[] = "\\s*(" CV ")\\s+-\\s+(" CV ")\\s*";
static const char find_re[] = "(" OPS ")\\s*(" CV ")";
static const char valid_re[] =
    "^(\\s*(" OPS ")\\s*(" CV ")\\s*)((?:\\s+|,\\s*)(" OPS ")\\s*(" CV
    ")\\s*)*$";

#define MAXG 32

static struct regex *compile(const char *re)
{
  struct regex *r = NULL;
  struct err e;
  regex_compile(re, strlen(re), &r, &e);
  return r;
}

/* Group i of a match as a NUL-terminated copy ("" when unset). */
static void group(const char *s, const long *ov, int i, char *out, size_t cap)
{
  long a = ov[2 * i], b = ov[2 * i + 1];
  if (a < 0 || b < a)
    a = b = 0;
  snprintf(out, cap, "%.*s", (int)(b - a), s + a);
}

static int parse_u64(const char *s, uint64_t *out, struct err *e)
{
  errno = 0;
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || !*s)
    return err_set(e, -EINVAL,
                   "Error parsing version segment: "
                   "strconv.ParseUint: parsing \"%s\": value out of range",
                   s);
  *out = v;
  return 0;
}

static int only(const char *s, size_t n, const char *set)
{
  for (size_t i = 0; i < n; i++)
    if (!strchr(set, s[i]) || !s[i])
      return 0;
  return 1;
}

#define NUM "0123456789"
#define ALLOWED "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-" NUM

/* validatePrerelease: numeric parts must not start with 0. */
static int check_pre(const char *p, struct err *e)
{
  while (*p) {
    size_t n = strcspn(p, ".");
    if (only(p, n, NUM)) {
      if (n > 1 && p[0] == '0')
        return err_set(e, -EINVAL, "Version segment starts with 0");
    } else if (!only(p, n, ALLOWED)) {
      return err_set(e, -EINVAL, "Invalid Prerelease string");
    }
    p += n + (p[n] == '.');
  }
  return 0;
}

static int fill(const char *s, const long *ov, struct chart_semver *v,
                struct err *e)
{
  char g[256];
  memset(v, 0, sizeof *v);
  group(s, ov, 1, g, sizeof g);
  int rc = parse_u64(g, &v->major, e);
  group(s, ov, 2, g, sizeof g);
  if (!rc && g[0])
    rc = parse_u64(g + 1, &v->minor, e);
  group(s, ov, 3, g, sizeof g);
  if (!rc && g[0])
    rc = parse_u64(g + 1, &v->patch, e);
  group(s, ov, 5, v->pre, sizeof v->pre);
  group(s, ov, 8, v->meta, sizeof v->meta);
  if (!rc && v->pre[0])
    rc = check_pre(v->pre, e);
  return rc;
}

int chart__semver_parse(const char *s, struct chart_semver *v, struct err *e)
{
  memset(v, 0, sizeof *v);
  struct regex *r = compile(version_re);
  long ov[2 * MAXG];
  if (!r)
    return err_set(e, -ENOMEM, "semver: cannot compile");
  size_t n = strlen(s);
  int rc = n < 200 && regex_find(r, s, n, 0, ov) == 1
               ? fill(s, ov, v, e)
               : err_set(e, -EINVAL, "Invalid Semantic Version");
  regex_free(r);
  return rc;
}

void chart__semver_string(const struct chart_semver *v, char *out, size_t cap)
{
  snprintf(out, cap, "%llu.%llu.%llu%s%s%s%s", (unsigned long long)v->major,
           (unsigned long long)v->minor, (unsigned long long)v->patch,
           v->pre[0] ? "-" : "", v->pre, v->meta[0] ? "+" : "", v->meta);
}

/* ---- comparing ---- */

static int cmp_u64(uint64_t a, uint64_t b)
{
  return a < b ? -1 : a > b;
}

static int is_num(const char *s, size_t n, uint64_t *v)
{
  if (!n || !only(s, n, NUM) || n > 19)
    return 0;
  char buf[24];
  snprintf(buf, sizeof buf, "%.*s", (int)n, s);
  *v = strtoull(buf, NULL, 10);
  return 1;
}

/* comparePrePart */
static int cmp_pre_part(const char *s, size_t sn, const char *o, size_t on)
{
  if (sn == on && memcmp(s, o, sn) == 0)
    return 0;
  if (!sn)
    return on ? -1 : 1;
  if (!on)
    return 1;
  uint64_t si, oi;
  int sn_num = is_num(s, sn, &si), on_num = is_num(o, on, &oi);
  if (!sn_num && !on_num) {
    size_t m = sn < on ? sn : on;
    int c = memcmp(s, o, m);
    return c > 0 || (c == 0 && sn > on) ? 1 : -1;
  }
  if (!on_num)
    return -1;
  if (!sn_num)
    return 1;
  return si > oi ? 1 : -1;
}

static int cmp_pre(const char *a, const char *b)
{
  while (*a || *b) {
    size_t an = strcspn(a, "."), bn = strcspn(b, ".");
    int d = cmp_pre_part(a, an, b, bn);
    if (d)
      return d;
    a += an + (a[an] == '.');
    b += bn + (b[bn] == '.');
  }
  return 0;
}

static int vcmp(const struct chart_semver *v, const struct chart_semver *o)
{
  int d = cmp_u64(v->major, o->major);
  if (!d)
    d = cmp_u64(v->minor, o->minor);
  if (!d)
    d = cmp_u64(v->patch, o->patch);
  if (d)
    return d;
  if (!v->pre[0] && !o->pre[0])
    return 0;
  if (!v->pre[0])
    return 1;
  if (!o->pre[0])
    return -1;
  return cmp_pre(v->pre, o->pre);
}

/* ---- constraints ---- */

struct con {
  char op[4];
  struct chart_semver v;
  int dirty, minor_dirty, patch_dirty;
};

static int is_x(const char *s)
{
  return strcmp(s, "x") == 0 || strcmp(s, "*") == 0 || strcmp(s, "X") == 0;
}

/* parseConstraint */
static int parse_con(const char *s, struct con *c)
{
  memset(c, 0, sizeof *c);
  struct err e;
  if (!*s) {
    c->dirty = 1;
    return 0;
  }
  struct regex *r = compile(constraint_re);
  long ov[2 * MAXG];
  int ok = r && regex_find(r, s, strlen(s), 0, ov) == 1;
  char m[12][128];
  for (int i = 1; ok && i < 12; i++)
    group(s, ov, i, m[i], sizeof m[i]);
  regex_free(r);
  if (!ok)
    return -EINVAL;
  snprintf(c->op, sizeof c->op, "%.3s", m[1]);
  char ver[512];
  if (is_x(m[3]) || !m[3][0]) {
    snprintf(ver, sizeof ver, "0.0.0%s", m[6]);
    c->dirty = 1;
  } else if (is_x(m[4][0] ? m[4] + 1 : m[4]) || !m[4][0]) {
    c->dirty = c->minor_dirty = 1;
    snprintf(ver, sizeof ver, "%s.0.0%s", m[3], m[6]);
  } else if (is_x(m[5][0] ? m[5] + 1 : m[5]) || !m[5][0]) {
    c->dirty = c->patch_dirty = 1;
    snprintf(ver, sizeof ver, "%s%s.0%s", m[3], m[4], m[6]);
  } else {
    snprintf(ver, sizeof ver, "%s", m[2]);
  }
  return chart__semver_parse(ver, &c->v, &e);
}

static int pre_mismatch(const struct chart_semver *v, const struct con *c)
{
  return v->pre[0] && !c->v.pre[0];
}

static int check_tilde(const struct chart_semver *v, const struct con *c)
{
  if (pre_mismatch(v, c) || vcmp(v, &c->v) < 0)
    return 0;
  if (!c->v.major && !c->v.minor && !c->v.patch && !c->minor_dirty &&
      !c->patch_dirty)
    return 1;
  if (v->major != c->v.major)
    return 0;
  return v->minor == c->v.minor || c->minor_dirty;
}

static int check_caret(const struct chart_semver *v, const struct con *c)
{
  if (pre_mismatch(v, c) || vcmp(v, &c->v) < 0)
    return 0;
  if (c->v.major > 0 || c->minor_dirty)
    return v->major == c->v.major;
  if (v->major > 0)
    return 0;
  if (c->v.minor > 0 || c->patch_dirty)
    return v->minor == c->v.minor;
  if (v->minor > 0)
    return 0;
  return c->v.patch == v->patch;
}

static int check_ne(const struct chart_semver *v, const struct con *c)
{
  if (c->dirty) {
    if (pre_mismatch(v, c))
      return 0;
    if (c->v.major != v->major)
      return 1;
    if (c->v.minor != v->minor && !c->minor_dirty)
      return 1;
    if (c->minor_dirty)
      return 0;
    if (c->v.patch != v->patch && !c->patch_dirty)
      return 1;
    if (c->patch_dirty) {
      if (v->pre[0] || c->v.pre[0])
        return cmp_pre(v->pre, c->v.pre) != 0;
      return 0;
    }
  }
  return vcmp(v, &c->v) != 0;
}

static int check_gt(const struct chart_semver *v, const struct con *c)
{
  if (pre_mismatch(v, c))
    return 0;
  if (!c->dirty)
    return vcmp(v, &c->v) == 1;
  if (v->major != c->v.major)
    return v->major > c->v.major;
  if (c->minor_dirty)
    return 0;
  if (c->patch_dirty)
    return v->minor > c->v.minor;
  return vcmp(v, &c->v) == 1;
}

static int check_le(const struct chart_semver *v, const struct con *c)
{
  if (pre_mismatch(v, c))
    return 0;
  if (!c->dirty)
    return vcmp(v, &c->v) <= 0;
  if (v->major > c->v.major)
    return 0;
  if (v->major == c->v.major && v->minor > c->v.minor && !c->minor_dirty)
    return 0;
  return 1;
}

static int check_con(const struct chart_semver *v, const struct con *c)
{
  const char *op = c->op;
  if (!*op || !strcmp(op, "="))
    return pre_mismatch(v, c) ? 0
           : c->dirty         ? check_tilde(v, c)
                              : vcmp(v, &c->v) == 0;
  if (!strcmp(op, "!="))
    return check_ne(v, c);
  if (!strcmp(op, ">"))
    return check_gt(v, c);
  if (!strcmp(op, "<"))
    return !pre_mismatch(v, c) && vcmp(v, &c->v) < 0;
  if (!strcmp(op, ">=") || !strcmp(op, "=>"))
    return !pre_mismatch(v, c) && vcmp(v, &c->v) >= 0;
  if (!strcmp(op, "<=") || !strcmp(op, "=<"))
    return check_le(v, c);
  if (!strcmp(op, "~") || !strcmp(op, "~>"))
    return check_tilde(v, c);
  return check_caret(v, c);
}

/* rewriteRange: "1.2 - 1.4" becomes ">= 1.2, <= 1.4 ". */
static int rewrite_range(const char *in, struct buf *out)
{
  struct regex *r = compile(range_re);
  if (!r)
    return -ENOMEM;
  buf_puts(out, in);
  size_t n = strlen(in), from = 0;
  long ov[2 * MAXG];
  /* Go finds every match in the original text, then replaces the first
   * occurrence of each in the text rewritten so far. */
  while (from <= n && regex_find(r, in, n, from, ov) == 1) {
    char whole[512], a[256], b[256];
    group(in, ov, 0, whole, sizeof whole);
    group(in, ov, 1, a, sizeof a);
    group(in, ov, 11, b, sizeof b);
    char *at = strstr(out->data, whole);
    if (at && whole[0]) {
      struct buf t;
      buf_init(&t, 0);
      buf_append(&t, out->data, (size_t)(at - out->data));
      buf_printf(&t, ">= %s, <= %s ", a, b);
      buf_puts(&t, at + strlen(whole));
      buf_free(out);
      *out = t;
    }
    from = ov[1] > ov[0] ? (size_t)ov[1] : (size_t)ov[1] + 1;
  }
  regex_free(r);
  return 0;
}

struct and_ctx {
  const char *s;
  const struct chart_semver *v;
  int ok, bad;
};

static int and_cb(const long *ov, void *data)
{
  struct and_ctx *a = data;
  char one[512];
  group(a->s, ov, 0, one, sizeof one);
  struct con c;
  if (parse_con(one, &c)) {
    a->bad = 1;
    return 1;
  }
  if (!check_con(a->v, &c))
    a->ok = 0;
  return 0;
}

/* One "||" alternative: every constraint in it must hold. -1 when the
 * alternative does not parse. */
static int check_and(const char *s, const struct chart_semver *v)
{
  struct regex *valid = compile(valid_re), *find = compile(find_re);
  int rc = -1;
  if (valid && find && regex_match(valid, s, strlen(s))) {
    struct and_ctx a = {s, v, 1, 0};
    long ov[2 * MAXG];
    if (regex_find(find, s, strlen(s), 0, ov) != 1) {
      struct con c;
      rc = parse_con(s, &c) ? -1 : check_con(v, &c);
    } else {
      regex_each(find, s, strlen(s), -1, and_cb, &a);
      rc = a.bad ? -1 : a.ok;
    }
  }
  regex_free(valid);
  regex_free(find);
  return rc;
}

int chart__semver_compatible(const char *constraint, const char *version)
{
  struct chart_semver v = {0};
  struct err e;
  if (chart__semver_parse(version, &v, &e))
    return 0;
  struct buf c;
  buf_init(&c, 0);
  if (rewrite_range(constraint, &c)) {
    buf_free(&c);
    return 0;
  }
  /* Every alternative must parse before any is checked. */
  int any = 0, bad = 0;
  for (const char *p = c.data; !bad;) {
    const char *bar = strstr(p, "||");
    size_t n = bar ? (size_t)(bar - p) : strlen(p);
    char *alt = strndup(p, n);
    int r = alt ? check_and(alt, &v) : -1;
    free(alt);
    bad = r < 0;
    any = any || r == 1;
    if (!bar)
      break;
    p = bar + 2;
  }
  buf_free(&c);
  return !bad && any;
}
