/* tmpl_sprig_semver: Sprig's semver and semverCompare on Masterminds/semver
 * v3.3.0 (version.go, constraints.go): the library's own regular
 * expressions through lib/regex, its x, X and * wildcards, ranges "1 - 2",
 * "||" alternatives, and each operator's rules for prereleases.
 *
 * semver returns a *semver.Version: {{ semver "1.2.3" }} prints 1.2.3 and
 * the methods Major, Minor, Patch (uint64), Prerelease, Metadata,
 * Original, String, Compare, LessThan, GreaterThan, Equal, IncMajor,
 * IncMinor and IncPatch work on it. */
#include "tmpl_sprig_int.h"

#include "gonum.h"
#include "regex.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CV                                                                     \
  "v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?"                 \
  "(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?"                                 \
  "(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?"
#define OPS "=||!=|>|<|>=|=>|<=|=<|~|~>|\\^"

enum { RE_VERSION, RE_CONSTRAINT, RE_RANGE, RE_FIND, RE_VALID, RE_N };

static const char *const patterns[RE_N] = {
    "^v?([0-9]+)(\\.[0-9]+)?(\\.[0-9]+)?"
    "(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?"
    "(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?$",
    "^\\s*(" OPS ")\\s*(" CV ")\\s*$",
    "\\s*(" CV ")\\s+-\\s+(" CV ")\\s*",
    "(" OPS ")\\s*(" CV ")",
    "^(\\s*(" OPS ")\\s*(" CV ")\\s*)((?:\\s+|,\\s*)(" OPS ")\\s*(" CV
    ")\\s*)*$",
};

static struct regex *regexes[RE_N];
static pthread_once_t regexes_once = PTHREAD_ONCE_INIT;

static void regexes_init(void)
{
  for (int i = 0; i < RE_N; i++) {
    struct err e;
    regex_compile(patterns[i], strlen(patterns[i]), &regexes[i], &e);
  }
}

static struct regex *re(int i)
{
  pthread_once(&regexes_once, regexes_init);
  return regexes[i];
}

#define MAXG 32

/* Group g of the last match as a string slice (empty when unset). */
static struct str_ref {
  const char *s;
  size_t n;
} group(const char *s, const long *ov, int g)
{
  if (ov[2 * g] < 0)
    return (struct str_ref){"", 0};
  return (struct str_ref){s + ov[2 * g], (size_t)(ov[2 * g + 1] - ov[2 * g])};
}

/* ---- Versions ---- */

struct version {
  uint64_t major, minor, patch;
  char pre[256], meta[256], orig[512];
};

static void copy_ref(char *dst, size_t cap, struct str_ref r)
{
  snprintf(dst, cap, "%.*s", (int)r.n, r.s);
}

static int segment(struct str_ref r, int skip_dot, uint64_t *out, char *err,
                   size_t cap)
{
  if (r.n == 0) {
    *out = 0;
    return 0;
  }
  r.s += skip_dot;
  r.n -= (size_t)skip_dot;
  if (gonum_parse_uint(r.s, r.n, 10, out) == 0)
    return 0;
  snprintf(err, cap,
           "Error parsing version segment: strconv.ParseUint: "
           "parsing \"%.*s\": value out of range",
           (int)r.n, r.s);
  return -EINVAL;
}

/* validatePrerelease: numeric parts must not start with 0. */
static int prerelease_ok(const char *p)
{
  while (*p) {
    size_t n = strcspn(p, ".");
    int numeric = strspn(p, "0123456789") >= n;
    if (numeric && n > 1 && p[0] == '0')
      return 0;
    p += n + (p[n] == '.');
  }
  return 1;
}

/* semver.NewVersion */
static int version_parse(const char *s, size_t n, struct version *v, char *err,
                         size_t cap)
{
  long ov[2 * MAXG];
  memset(v, 0, sizeof *v);
  if (!re(RE_VERSION) || memchr(s, '\0', n) ||
      !regex_find(re(RE_VERSION), s, n, 0, ov)) {
    snprintf(err, cap, "Invalid Semantic Version");
    return -EINVAL;
  }
  copy_ref(v->orig, sizeof v->orig, (struct str_ref){s, n});
  copy_ref(v->pre, sizeof v->pre, group(s, ov, 5));
  copy_ref(v->meta, sizeof v->meta, group(s, ov, 8));
  if (segment(group(s, ov, 1), 0, &v->major, err, cap) ||
      segment(group(s, ov, 2), 1, &v->minor, err, cap) ||
      segment(group(s, ov, 3), 1, &v->patch, err, cap))
    return -EINVAL;
  if (!prerelease_ok(v->pre)) {
    snprintf(err, cap, "Version segment starts with 0");
    return -EINVAL;
  }
  return 0;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
  return a < b ? -1 : a > b;
}

/* comparePrePart */
static int pre_part_cmp(const char *s, size_t sn, const char *o, size_t on)
{
  if (sn == on && memcmp(s, o, sn) == 0)
    return 0;
  if (sn == 0)
    return -1; /* o is not empty here */
  if (on == 0)
    return 1;
  uint64_t si, oi;
  int se = gonum_parse_uint(s, sn, 10, &si) != 0;
  int oe = gonum_parse_uint(o, on, 10, &oi) != 0;
  if (se && oe) {
    int r = memcmp(s, o, sn < on ? sn : on);
    return (r > 0 || (r == 0 && sn > on)) ? 1 : -1;
  }
  if (oe)
    return -1;
  if (se)
    return 1;
  return si > oi ? 1 : -1;
}

static int pre_cmp(const char *a, const char *b)
{
  while (*a || *b) {
    size_t an = strcspn(a, "."), bn = strcspn(b, ".");
    int d = pre_part_cmp(a, an, b, bn);
    if (d)
      return d;
    a += an + (a[an] == '.');
    b += bn + (b[bn] == '.');
  }
  return 0;
}

static int version_cmp(const struct version *a, const struct version *b)
{
  int d = cmp_u64(a->major, b->major);
  if (!d)
    d = cmp_u64(a->minor, b->minor);
  if (!d)
    d = cmp_u64(a->patch, b->patch);
  if (d)
    return d;
  if (!a->pre[0] && !b->pre[0])
    return 0;
  if (!a->pre[0])
    return 1;
  if (!b->pre[0])
    return -1;
  return pre_cmp(a->pre, b->pre);
}

/* ---- Constraints ---- */

enum op { OP_TILDE_EQ, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE, OP_TILDE, OP_CARET };

struct constraint {
  struct version con;
  enum op op;
  int dirty, minor_dirty, patch_dirty;
};

static enum op op_of(struct str_ref r)
{
  static const struct {
    const char *s;
    enum op op;
  } ops[] = {{"", OP_TILDE_EQ}, {"=", OP_TILDE_EQ}, {"!=", OP_NE},
             {">", OP_GT},      {"<", OP_LT},       {">=", OP_GE},
             {"=>", OP_GE},     {"<=", OP_LE},      {"=<", OP_LE},
             {"~", OP_TILDE},   {"~>", OP_TILDE},   {"^", OP_CARET}};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (strlen(ops[i].s) == r.n && memcmp(ops[i].s, r.s, r.n) == 0)
      return ops[i].op;
  return OP_TILDE_EQ;
}

static int is_x(struct str_ref r)
{
  return r.n == 1 && (r.s[0] == 'x' || r.s[0] == 'X' || r.s[0] == '*');
}

static struct str_ref undot(struct str_ref r)
{
  if (r.n && r.s[0] == '.')
    return (struct str_ref){r.s + 1, r.n - 1};
  return r;
}

/* parseConstraint */
static int constraint_parse(const char *s, size_t n, struct constraint *c,
                            char *err, size_t cap)
{
  memset(c, 0, sizeof *c);
  if (n == 0) {
    c->dirty = 1;
    return 0;
  }
  long ov[2 * MAXG];
  if (!regex_find(re(RE_CONSTRAINT), s, n, 0, ov)) {
    snprintf(err, cap, "improper constraint: %.*s", (int)n, s);
    return -EINVAL;
  }
  c->op = op_of(group(s, ov, 1));
  struct str_ref maj = group(s, ov, 3), min = group(s, ov, 4),
                 pat = group(s, ov, 5), pre = group(s, ov, 6);
  char ver[512];
  if (is_x(maj) || maj.n == 0) {
    snprintf(ver, sizeof ver, "0.0.0%.*s", (int)pre.n, pre.s);
    c->dirty = 1;
  } else if (is_x(undot(min)) || min.n == 0) {
    snprintf(ver, sizeof ver, "%.*s.0.0%.*s", (int)maj.n, maj.s, (int)pre.n,
             pre.s);
    c->dirty = c->minor_dirty = 1;
  } else if (is_x(undot(pat)) || pat.n == 0) {
    snprintf(ver, sizeof ver, "%.*s%.*s.0%.*s", (int)maj.n, maj.s, (int)min.n,
             min.s, (int)pre.n, pre.s);
    c->dirty = c->patch_dirty = 1;
  } else {
    snprintf(ver, sizeof ver, "%.*s", (int)group(s, ov, 2).n,
             group(s, ov, 2).s);
  }
  char e2[128];
  if (version_parse(ver, strlen(ver), &c->con, e2, sizeof e2)) {
    snprintf(err, cap, "constraint Parser Error");
    return -EINVAL;
  }
  return 0;
}

static int check_tilde(const struct version *v, const struct constraint *c)
{
  if (version_cmp(v, &c->con) < 0)
    return 0;
  if (c->con.major == 0 && c->con.minor == 0 && c->con.patch == 0 &&
      !c->minor_dirty && !c->patch_dirty)
    return 1;
  if (v->major != c->con.major)
    return 0;
  return !(v->minor != c->con.minor && !c->minor_dirty);
}

static int check_ne(const struct version *v, const struct constraint *c)
{
  if (c->dirty) {
    if (v->pre[0] && !c->con.pre[0])
      return 0;
    if (c->con.major != v->major)
      return 1;
    if (c->con.minor != v->minor && !c->minor_dirty)
      return 1;
    if (c->minor_dirty)
      return 0;
    if (c->con.patch != v->patch && !c->patch_dirty)
      return 1;
    if (c->patch_dirty) {
      if (v->pre[0] || c->con.pre[0])
        return pre_cmp(v->pre, c->con.pre) != 0;
      return 0;
    }
  }
  return version_cmp(v, &c->con) != 0;
}

static int check_gt(const struct version *v, const struct constraint *c)
{
  if (!c->dirty)
    return version_cmp(v, &c->con) == 1;
  if (v->major != c->con.major)
    return v->major > c->con.major;
  if (c->minor_dirty)
    return 0;
  if (c->patch_dirty)
    return v->minor > c->con.minor;
  return version_cmp(v, &c->con) == 1;
}

static int check_le(const struct version *v, const struct constraint *c)
{
  if (!c->dirty)
    return version_cmp(v, &c->con) <= 0;
  if (v->major > c->con.major)
    return 0;
  return !(v->major == c->con.major && v->minor > c->con.minor &&
           !c->minor_dirty);
}

static int check_caret(const struct version *v, const struct constraint *c)
{
  if (version_cmp(v, &c->con) < 0)
    return 0;
  if (c->con.major > 0 || c->minor_dirty)
    return v->major == c->con.major;
  if (c->con.major == 0 && v->major > 0)
    return 0;
  if (c->con.minor > 0 || c->patch_dirty)
    return v->minor == c->con.minor;
  if (c->con.minor == 0 && v->minor > 0)
    return 0;
  return c->con.patch == v->patch;
}

static int constraint_check(const struct version *v, const struct constraint *c)
{
  if (c->op != OP_NE && v->pre[0] && !c->con.pre[0])
    return 0;
  switch (c->op) {
  case OP_NE:
    return check_ne(v, c);
  case OP_GT:
    return check_gt(v, c);
  case OP_LT:
    return version_cmp(v, &c->con) < 0;
  case OP_GE:
    return version_cmp(v, &c->con) >= 0;
  case OP_LE:
    return check_le(v, c);
  case OP_TILDE:
    return check_tilde(v, c);
  case OP_CARET:
    return check_caret(v, c);
  default:
    return c->dirty ? check_tilde(v, c) : version_cmp(v, &c->con) == 0;
  }
}

/* rewriteRange: "1.2 - 1.4" becomes ">= 1.2, <= 1.4 ". */
static int rewrite_range(const char *s, size_t n, struct buf *b)
{
  long ov[2 * MAXG];
  size_t from = 0;
  int rc = 0;
  while (!rc && from <= n && regex_find(re(RE_RANGE), s, n, from, ov)) {
    struct str_ref a = group(s, ov, 1), z = group(s, ov, 11);
    rc = buf_append(b, s + from, (size_t)ov[0] - from);
    if (!rc)
      rc = buf_printf(b, ">= %.*s, <= %.*s ", (int)a.n, a.s, (int)z.n, z.s);
    from = ov[1] > ov[0] ? (size_t)ov[1] : (size_t)ov[1] + 1;
    if (ov[1] == ov[0] && (size_t)ov[0] < n && (rc = buf_putc(b, s[ov[0]])))
      break;
  }
  if (!rc && from < n)
    rc = buf_append(b, s + from, n - from);
  return rc ? rc : buf_append(b, "", 0);
}

struct and_group {
  const struct version *v;
  const char *s;
  int ok, rc;
  char *err;
  size_t cap;
};

static int and_cb(const long *ov, void *data)
{
  struct and_group *g = data;
  struct constraint c;
  g->rc = constraint_parse(g->s + ov[0], (size_t)(ov[1] - ov[0]), &c, g->err,
                           g->cap);
  if (g->rc)
    return 1;
  if (!constraint_check(g->v, &c))
    g->ok = 0;
  return 0;
}

/* One "||" alternative: 1 when every constraint holds, 0 when one does
 * not, negative with err set when it does not parse. */
static int alternative(const char *s, size_t n, const struct version *v,
                       char *err, size_t cap)
{
  if (!regex_match(re(RE_VALID), s, n)) {
    snprintf(err, cap, "improper constraint: %.*s", (int)n, s);
    return -EINVAL;
  }
  struct and_group g = {v, s, 1, 0, err, cap};
  long ov[2 * MAXG];
  if (!regex_find(re(RE_FIND), s, n, 0, ov)) { /* FindAll gave nil */
    struct constraint c;
    int rc = constraint_parse(s, n, &c, err, cap);
    return rc ? rc : constraint_check(v, &c);
  }
  int rc = regex_each(re(RE_FIND), s, n, -1, and_cb, &g);
  return rc ? rc : g.rc ? g.rc : g.ok;
}

/* NewConstraint(c).Check(v): all alternatives are parsed (a bad one is an
 * error even after one that holds). */
static int constraint_holds(const char *cs, size_t n, const struct version *v,
                            char *err, size_t cap)
{
  struct buf b;
  buf_init(&b, 0);
  int rc = rewrite_range(cs, n, &b), ok = 0;
  const char *p = b.data ? b.data : "", *end = p + b.len;
  while (!rc) {
    const char *bar = strstr(p, "||");
    const char *stop = bar ? bar : end;
    int r = alternative(p, (size_t)(stop - p), v, err, cap);
    if (r < 0)
      rc = r;
    ok |= r > 0;
    if (!bar)
      break;
    p = bar + 2;
  }
  buf_free(&b);
  return rc ? rc : ok;
}

/* ---- The *semver.Version value ---- */

extern const struct tmpl_type tmpl__semver_ptr, tmpl__semver_val;

static int sv_text(struct buf *b, struct json_object *o)
{
  long long mj = json_object_get_int64(json_object_object_get(o, "major"));
  long long mn = json_object_get_int64(json_object_object_get(o, "minor"));
  long long pt = json_object_get_int64(json_object_object_get(o, "patch"));
  const char *pre = json_object_get_string(json_object_object_get(o, "pre"));
  const char *md =
      json_object_get_string(json_object_object_get(o, "metadata"));
  int rc = buf_printf(b, "%llu.%llu.%llu", (unsigned long long)mj,
                      (unsigned long long)mn, (unsigned long long)pt);
  if (!rc && pre && pre[0])
    rc = buf_printf(b, "-%s", pre);
  if (!rc && md && md[0])
    rc = buf_printf(b, "+%s", md);
  return rc;
}

static int sv_to_json(struct json_object *o, struct json_object **out)
{
  struct buf b;
  buf_init(&b, 0);
  int rc = sv_text(&b, o);
  *out = rc ? NULL : json_object_new_string(b.data ? b.data : "");
  buf_free(&b);
  return *out ? 0 : rc ? rc : -ENOMEM;
}

static int sv_add(struct json_object *o, const char *k, struct json_object *v)
{
  if (!v || json_object_object_add(o, k, v)) {
    json_object_put(v);
    return -ENOMEM;
  }
  return 0;
}

static struct json_object *sv_new(const struct version *v,
                                  const struct tmpl_type *t)
{
  struct json_object *o = json_object_new_object();
  int rc = o ? 0 : -ENOMEM;
  const char *names[] = {"major", "minor", "patch"};
  const uint64_t nums[] = {v->major, v->minor, v->patch};
  for (int i = 0; !rc && i < 3; i++) {
    struct json_object *x = json_object_new_int64((int64_t)nums[i]);
    if (x)
      tmpl_val_set_type(x, &tmpl_type_uint64);
    rc = sv_add(o, names[i], x);
  }
  if (!rc)
    rc = sv_add(o, "pre", json_object_new_string(v->pre));
  if (!rc)
    rc = sv_add(o, "metadata", json_object_new_string(v->meta));
  if (!rc)
    rc = sv_add(o, "original", json_object_new_string(v->orig));
  if (rc) {
    json_object_put(o);
    return NULL;
  }
  tmpl_val_set_type(o, t);
  return o;
}

static void sv_read(struct json_object *o, struct version *v)
{
  memset(v, 0, sizeof *v);
  v->major =
      (uint64_t)json_object_get_int64(json_object_object_get(o, "major"));
  v->minor =
      (uint64_t)json_object_get_int64(json_object_object_get(o, "minor"));
  v->patch =
      (uint64_t)json_object_get_int64(json_object_object_get(o, "patch"));
  snprintf(v->pre, sizeof v->pre, "%s",
           json_object_get_string(json_object_object_get(o, "pre")));
  snprintf(v->meta, sizeof v->meta, "%s",
           json_object_get_string(json_object_object_get(o, "metadata")));
  snprintf(v->orig, sizeof v->orig, "%s",
           json_object_get_string(json_object_object_get(o, "original")));
}

static int m_field(struct tmpl_call *c, struct tmpl_value *out)
{
  const char *f = tmpl_call_data(c);
  return tmpl__ret(
      out, json_object_get(json_object_object_get(tmpl_call_recv(c), f)));
}

TMPL__FN(m_get)
{
  return m_field(c, out);
}

TMPL__FN(m_string)
{
  struct buf b;
  buf_init(&b, 0);
  return tmpl__ret_buf(out, &b, sv_text(&b, tmpl_call_recv(c)));
}

/* A *Version argument of Compare, LessThan... (nil panics, as in Go). */
static int other(struct tmpl_call *c, struct json_object *o, struct version *v)
{
  if (!o)
    return tmpl_call_errorf(c, TMPL__NIL_DEREF);
  if (tmpl_val_type(o) != &tmpl__semver_ptr)
    return tmpl_call_errorf(c,
                            "wrong type for value; expected "
                            "*semver.Version; got %s",
                            tmpl_val_type_name(o));
  sv_read(o, v);
  return 0;
}

TMPL__FN(m_compare)
{
  struct version a, b;
  sv_read(tmpl_call_recv(c), &a);
  int rc = other(c, argv[0].o, &b);
  if (rc)
    return rc;
  int d = version_cmp(&a, &b);
  const char *how = tmpl_call_data(c);
  if (!how)
    return tmpl__ret_int(out, d);
  int r = strcmp(how, "lt") == 0   ? d < 0
          : strcmp(how, "le") == 0 ? d <= 0
          : strcmp(how, "gt") == 0 ? d > 0
          : strcmp(how, "ge") == 0 ? d >= 0
                                   : d == 0;
  return tmpl__ret_bool(out, r);
}

/* IncMajor, IncMinor, IncPatch: a semver.Version (not a pointer). */
TMPL__FN(m_inc)
{
  struct version v;
  sv_read(tmpl_call_recv(c), &v);
  const char *which = tmpl_call_data(c);
  int vprefix = v.orig[0] == 'v';
  if (strcmp(which, "Major") == 0) {
    v.major++;
    v.minor = v.patch = 0;
  } else if (strcmp(which, "Minor") == 0) {
    v.minor++;
    v.patch = 0;
  } else if (!v.pre[0]) {
    v.patch++;
  }
  v.pre[0] = v.meta[0] = '\0';
  snprintf(v.orig, sizeof v.orig, "%s%llu.%llu.%llu", vprefix ? "v" : "",
           (unsigned long long)v.major, (unsigned long long)v.minor,
           (unsigned long long)v.patch);
  return tmpl__ret(out, sv_new(&v, &tmpl__semver_val));
}

static const struct tmpl_func val_methods[] = {
    {"IncMajor", m_inc, "", "Major"},    {"IncMinor", m_inc, "", "Minor"},
    {"IncPatch", m_inc, "", "Patch"},    {"Major", m_get, "", "major"},
    {"Metadata", m_get, "", "metadata"}, {"Minor", m_get, "", "minor"},
    {"Patch", m_get, "", "patch"},       {"Prerelease", m_get, "", "pre"},
    {"String", m_string, "", NULL},
};

static const struct tmpl_func ptr_methods[] = {
    {"Compare", m_compare, "a", NULL},
    {"Equal", m_compare, "a", "eq"},
    {"GreaterThan", m_compare, "a", "gt"},
    {"GreaterThanEqual", m_compare, "a", "ge"},
    {"IncMajor", m_inc, "", "Major"},
    {"IncMinor", m_inc, "", "Minor"},
    {"IncPatch", m_inc, "", "Patch"},
    {"LessThan", m_compare, "a", "lt"},
    {"LessThanEqual", m_compare, "a", "le"},
    {"Major", m_get, "", "major"},
    {"Metadata", m_get, "", "metadata"},
    {"Minor", m_get, "", "minor"},
    {"Original", m_get, "", "original"},
    {"Patch", m_get, "", "patch"},
    {"Prerelease", m_get, "", "pre"},
    {"String", m_string, "", NULL},
};

const struct tmpl_type tmpl__semver_ptr = {
    .name = "*semver.Version",
    .kind = TMPL_KIND_PTR,
    .methods = ptr_methods,
    .nmethods = sizeof ptr_methods / sizeof ptr_methods[0],
    .stringer = sv_text,
    .to_json = sv_to_json,
};

const struct tmpl_type tmpl__semver_val = {
    .name = "semver.Version",
    .kind = TMPL_KIND_STRUCT,
    .methods = val_methods,
    .nmethods = sizeof val_methods / sizeof val_methods[0],
    .stringer = sv_text,
    .to_json = sv_to_json,
};

TMPL__FN(fn_semver)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  struct version v;
  char err[256];
  if (version_parse(s, n, &v, err, sizeof err))
    return tmpl_call_errorf(c, "%s", err);
  return tmpl__ret(out, sv_new(&v, &tmpl__semver_ptr));
}

TMPL__FN(fn_semver_compare)
{
  size_t cn, vn;
  const char *cs = tmpl__str(&argv[0], &cn), *vs = tmpl__str(&argv[1], &vn);
  struct version v;
  char err[512];
  if (!re(RE_VALID))
    return -ENOMEM;
  /* the constraint is parsed first, then the version */
  struct version probe = {0};
  int rc = constraint_holds(cs, cn, &probe, err, sizeof err);
  if (rc == -ENOMEM)
    return rc;
  if (rc < 0)
    return tmpl_call_errorf(c, "%s", err);
  if (version_parse(vs, vn, &v, err, sizeof err))
    return tmpl_call_errorf(c, "%s", err);
  rc = constraint_holds(cs, cn, &v, err, sizeof err);
  return rc < 0 ? rc : tmpl__ret_bool(out, rc);
}

static const struct tmpl_func fns[] = {
    {"semver", fn_semver, "s", NULL},
    {"semverCompare", fn_semver_compare, "ss", NULL},
};

TMPL__TABLE(tmpl__sprig_semver_fns, fns);
