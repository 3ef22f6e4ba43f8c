/* vmap: istioctl's value-map semantics on json-c trees (see vmap.h). */
#include "vmap.h"

#include "buf.h"
#include "gonum.h"
#include "jobj.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void vmap_merge_from(struct json_object *m, struct json_object *other)
{
  if (!jobj_is_obj(m) || !jobj_is_obj(other))
    return;
  json_object_object_foreach (other, k, v) {
    struct json_object *base = jobj_get(m, k);
    if (jobj_is_obj(v) && jobj_is_obj(base)) {
      vmap_merge_from(base, v);
      continue;
    }
    json_object_object_add(m, k, json_object_get(v));
  }
}

struct json_object *vmap_deep_clone(struct json_object *o)
{
  if (!o)
    return NULL;
  switch (json_object_get_type(o)) {
  case json_type_int:
    return json_object_new_double((double)json_object_get_int64(o));
  case json_type_object: {
    struct json_object *c = json_object_new_object();
    json_object_object_foreach (o, k, v)
      json_object_object_add(c, k, vmap_deep_clone(v));
    return c;
  }
  case json_type_array: {
    size_t n = json_object_array_length(o);
    struct json_object *c = json_object_new_array_ext((int)n);
    for (size_t i = 0; i < n; i++)
      json_object_array_add(c,
                            vmap_deep_clone(json_object_array_get_idx(o, i)));
    return c;
  }
  default:
    return jobj_dup(o);
  }
}

struct json_object *vmap_make(struct json_object *contents, ...)
{
  const char *keys[32];
  int n = 0;
  va_list ap;
  va_start(ap, contents);
  const char *k;
  while (n < 32 && (k = va_arg(ap, const char *)) != NULL)
    keys[n++] = k;
  va_end(ap);
  struct json_object *cur = contents;
  for (int i = n - 1; i >= 0; i--) {
    struct json_object *wrap = json_object_new_object();
    json_object_object_add(wrap, keys[i], cur);
    cur = wrap;
  }
  return cur;
}

/* ---- paths ---- */

/* Go's path.Clean for slash-separated paths. */
char *vmap_clean_path(const char *path)
{
  if (!*path)
    return strdup(".");
  int rooted = path[0] == '/';
  char *copy = strdup(path);
  char **parts = calloc(strlen(path) + 1, sizeof *parts);
  int n = 0;
  for (char *save = NULL, *p = strtok_r(copy, "/", &save); p;
       p = strtok_r(NULL, "/", &save)) {
    if (strcmp(p, ".") == 0)
      continue;
    if (strcmp(p, "..") == 0) {
      if (n > 0 && strcmp(parts[n - 1], "..") != 0)
        n--;
      else if (!rooted)
        parts[n++] = p;
      continue;
    }
    parts[n++] = p;
  }
  struct buf b;
  buf_init(&b, 0);
  if (rooted)
    buf_putc(&b, '/');
  for (int i = 0; i < n; i++)
    buf_printf(&b, "%s%s", i ? "/" : "", parts[i]);
  if (b.len == 0)
    buf_putc(&b, '.');
  free(parts);
  free(copy);
  return buf_take(&b);
}

static int push_seg(struct vmap_path *p, const char *s, size_t n)
{
  char **segs = realloc(p->seg, (size_t)(p->n + 1) * sizeof *segs);
  if (!segs)
    return -ENOMEM;
  p->seg = segs;
  p->seg[p->n] = strndup(s, n);
  return p->seg[p->n++] ? 0 : -ENOMEM;
}

/* One piece between unescaped dots: "\." becomes ".", and "name[expr]"
 * becomes "name" and "[expr]". */
static int add_piece(struct vmap_path *p, const char *s, size_t n)
{
  if (n == 0)
    return 0;
  char *piece = malloc(n + 1);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\\' && i + 1 < n && s[i + 1] == '.')
      continue;
    piece[k++] = s[i];
  }
  piece[k] = '\0';
  char *bracket = strchr(piece, '[');
  int rc;
  if (bracket && bracket != piece) {
    rc = push_seg(p, piece, (size_t)(bracket - piece));
    if (!rc)
      rc = push_seg(p, bracket, strlen(bracket));
  } else {
    rc = push_seg(p, piece, k);
  }
  free(piece);
  return rc;
}

int vmap_split_path(const char *path, struct vmap_path *out)
{
  out->seg = NULL;
  out->n = 0;
  char *clean = vmap_clean_path(path);
  char *s = clean;
  size_t len = strlen(s);
  if (len && s[0] == '.')
    s++, len--;
  if (len && s[len - 1] == '.')
    len--;
  int rc = 0;
  size_t start = 0;
  for (size_t i = 0; i < len && !rc; i++) {
    if (s[i] == '.' && (i == 0 || s[i - 1] != '\\')) {
      rc = add_piece(out, s + start, i - start);
      start = i + 1;
    }
  }
  if (!rc)
    rc = add_piece(out, s + start, len - start);
  free(clean);
  return rc;
}

void vmap_path_free(struct vmap_path *p)
{
  for (int i = 0; i < p->n; i++)
    free(p->seg[i]);
  free(p->seg);
  p->seg = NULL;
  p->n = 0;
}

/* "[N]" with Go's Atoi. */
static int extract_index(const char *seg, int *idx)
{
  size_t n = strlen(seg);
  if (n < 2 || seg[0] != '[' || seg[n - 1] != ']')
    return 0;
  int64_t v;
  if (gonum_parse_int(seg + 1, n - 2, 10, &v) != 0)
    return 0;
  *idx = v > 2147483647 ? 2147483647 : v < -2147483647 ? -2147483647 : (int)v;
  return 1;
}

/* "[k:v]": k before the first colon, v after it. */
static int extract_kv(const char *seg, char **k, char **v)
{
  size_t n = strlen(seg);
  if (n < 2 || seg[0] != '[' || seg[n - 1] != ']')
    return 0;
  const char *colon = memchr(seg + 1, ':', n - 2);
  if (!colon)
    return 0;
  *k = strndup(seg + 1, (size_t)(colon - seg - 1));
  *v = strndup(colon + 1, (size_t)(seg + n - 1 - colon - 1));
  return 1;
}

/* The first map in list whose k is the string v, or -1. */
static int find_kv(struct json_object *list, const char *k, const char *v)
{
  size_t n = json_object_array_length(list);
  for (size_t i = 0; i < n; i++) {
    const char *s = jobj_str(json_object_array_get_idx(list, i), k);
    if (s && strcmp(s, v) == 0)
      return (int)i;
  }
  return -1;
}

static int set_rec(struct json_object *base, char **seg, int n,
                   struct json_object *value, struct err *e);

static int list_index(struct json_object *list, const char *seg, int *index,
                      struct err *e)
{
  char *k, *v;
  if (extract_kv(seg, &k, &v)) {
    *index = find_kv(list, k, v);
    free(k);
    free(v);
    if (*index < 0)
      return err_set(e, -ENOENT, "element %s not found", seg);
    return 0;
  }
  if (extract_index(seg, index))
    return 0;
  return err_set(e, -EINVAL, "unknown segment %s", seg);
}

static int set_in_list(struct json_object *base, char **seg, int n,
                       struct json_object *value, struct err *e)
{
  int last = n == 2;
  if (!jobj_get(base, seg[0]))
    json_object_object_add(base, seg[0], json_object_new_array());
  struct json_object *list = jobj_get(base, seg[0]);
  if (!jobj_is_arr(list))
    return err_set(e, -EINVAL, "%s is not a list", seg[0]);
  int index;
  int rc = list_index(list, seg[1], &index, e);
  if (rc)
    return rc;
  if (index < 0 || (size_t)index >= json_object_array_length(list)) {
    if (last)
      return json_object_array_add(list, json_object_get(value)) ? -ENOMEM : 0;
    struct json_object *nm = json_object_new_object();
    rc = set_rec(nm, seg + 2, n - 2, value, e);
    json_object_array_add(list, nm);
    return rc;
  }
  if (last)
    return err_set(e, -EINVAL,
                   "cannot set %s%s: a path must not end in a "
                   "list element that exists",
                   seg[0], seg[1]);
  struct json_object *elem = json_object_array_get_idx(list, (size_t)index);
  if (!elem) {
    elem = json_object_new_object();
    json_object_array_put_idx(list, (size_t)index, elem);
  } else if (!jobj_is_obj(elem)) {
    return err_set(e, -EINVAL, "%s%s is not a map", seg[0], seg[1]);
  }
  return set_rec(elem, seg + 2, n - 2, value, e);
}

static int set_rec(struct json_object *base, char **seg, int n,
                   struct json_object *value, struct err *e)
{
  if (n >= 2 && seg[1][0] == '[')
    return set_in_list(base, seg, n, value, e);
  if (!json_object_object_get_ex(base, seg[0], NULL))
    json_object_object_add(base, seg[0], json_object_new_object());
  if (n == 1) {
    json_object_object_add(base, seg[0], json_object_get(value));
    return 0;
  }
  struct json_object *next = jobj_get(base, seg[0]);
  if (!next) {
    /* istioctl writes into a fresh map here and drops it: a path through
     * a null value sets nothing. */
    struct json_object *lost = json_object_new_object();
    int rc = set_rec(lost, seg + 1, n - 1, value, e);
    json_object_put(lost);
    return rc;
  }
  if (!jobj_is_obj(next))
    return err_set(e, -EINVAL, "cannot set a field of %s: it is not a map",
                   seg[0]);
  return set_rec(next, seg + 1, n - 1, value, e);
}

int vmap_set_path(struct json_object *m, const char *path,
                  struct json_object *value, struct err *e)
{
  struct vmap_path p;
  int rc = vmap_split_path(path, &p);
  if (!rc && p.n == 0)
    rc = err_set(e, -EINVAL, "empty path");
  if (!rc)
    rc = set_rec(m, p.seg, p.n, value, e);
  vmap_path_free(&p);
  json_object_put(value);
  return rc;
}

static struct json_object *get_step(struct json_object *cur, const char *seg,
                                    int *found)
{
  int idx;
  char *k, *v;
  if (extract_index(seg, &idx)) {
    if (!jobj_is_arr(cur) || idx < 0 ||
        (size_t)idx >= json_object_array_length(cur))
      return *found = 0, NULL;
    return json_object_array_get_idx(cur, (size_t)idx);
  }
  if (extract_kv(seg, &k, &v)) {
    int i = jobj_is_arr(cur) ? find_kv(cur, k, v) : -1;
    free(k);
    free(v);
    if (i < 0)
      return *found = 0, NULL;
    /* istioctl returns the first element whenever any matches. */
    return json_object_array_get_idx(cur, 0);
  }
  if (!jobj_is_obj(cur) || !json_object_object_get_ex(cur, seg, NULL))
    return *found = 0, NULL;
  return jobj_get(cur, seg);
}

struct json_object *vmap_get_path(struct json_object *m, const char *path,
                                  int *found)
{
  struct vmap_path p;
  int ok = 1;
  struct json_object *cur = m;
  if (vmap_split_path(path, &p) != 0)
    ok = 0;
  for (int i = 0; ok && i < p.n; i++)
    cur = get_step(cur, p.seg[i], &ok);
  vmap_path_free(&p);
  if (found)
    *found = ok;
  return ok ? cur : NULL;
}

struct json_object *vmap_get_path_map(struct json_object *m, const char *path)
{
  char *copy = strdup(path);
  struct json_object *cur = m;
  /* Split on every dot, keeping empty pieces, as strings.Split does. */
  char *p = copy;
  while (cur && p) {
    char *dot = strchr(p, '.');
    if (dot)
      *dot = '\0';
    cur = jobj_obj(cur, p);
    p = dot ? dot + 1 : NULL;
  }
  free(copy);
  return cur;
}

const char *vmap_get_string(struct json_object *m, const char *path)
{
  struct json_object *v = vmap_get_path(m, path, NULL);
  return jobj_is_str(v) ? json_object_get_string(v) : "";
}

int vmap_get_bool(struct json_object *m, const char *path)
{
  struct json_object *v = vmap_get_path(m, path, NULL);
  return v && json_object_is_type(v, json_type_boolean)
             ? json_object_get_boolean(v)
             : 0;
}

/* ---- --set flags ---- */

static const char *const always_string[] = {
    "spec.values.compatibilityVersion",
    "spec.tag",
    "spec.values.global.tag",
    "spec.meshConfig.defaultConfig.proxyMetadata.",
    "spec.values.meshConfig.defaultConfig.proxyMetadata.",
    "spec.compatibilityVersion",
    NULL};

static int is_always_string(const char *path)
{
  for (const char *const *a = always_string; *a; a++)
    if (strncmp(path, *a, strlen(*a)) == 0)
      return 1;
  return 0;
}

static int parse_bool(const char *s, int *out)
{
  static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True", NULL};
  static const char *const f[] = {"0",     "f",     "F", "FALSE",
                                  "false", "False", NULL};
  for (int i = 0; t[i]; i++)
    if (strcmp(s, t[i]) == 0)
      return *out = 1, 1;
  for (int i = 0; f[i]; i++)
    if (strcmp(s, f[i]) == 0)
      return *out = 0, 1;
  return 0;
}

static struct json_object *unescaped_string(const char *s)
{
  struct buf b;
  buf_init(&b, 0);
  for (; *s; s++) {
    if (s[0] == '\\' && s[1] == ',')
      continue;
    buf_putc(&b, *s);
  }
  struct json_object *o =
      json_object_new_string_len(b.data ? b.data : "", (int)b.len);
  buf_free(&b);
  return o;
}

struct json_object *vmap_parse_value(const char *s)
{
  int64_t i;
  double d;
  int b;
  size_t n = strlen(s);
  if (gonum_parse_int(s, n, 10, &i) == 0)
    return json_object_new_int64(i);
  /* Inf and NaN would crash istioctl's JSON step; keep them as text. */
  if (gonum_parse_float(s, n, &d) == 0 && isfinite(d))
    return json_object_new_double(d);
  if (parse_bool(s, &b))
    return json_object_new_boolean(b);
  return unescaped_string(s);
}

static char *trim(const char *s, size_t n)
{
  while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
    s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
               s[n - 1] == '\r'))
    n--;
  return strndup(s, n);
}

int vmap_set_paths(struct json_object *m, const char *flag, struct err *e)
{
  const char *eq = strchr(flag, '=');
  char *path = eq ? trim(flag, (size_t)(eq - flag)) : strdup(flag);
  char *value = eq ? trim(eq + 1, strlen(eq + 1)) : strdup("");
  struct json_object *v = is_always_string(path) ? json_object_new_string(value)
                                                 : vmap_parse_value(value);
  int rc = vmap_set_path(m, path, v, e);
  free(path);
  free(value);
  return rc;
}

int vmap_set_spec_paths(struct json_object *m, const char *flag, struct err *e)
{
  struct buf b;
  buf_init(&b, 0);
  buf_printf(&b, "spec.%s", flag);
  int rc = vmap_set_paths(m, b.data, e);
  buf_free(&b);
  return rc;
}
