/* tmpl_sprig_regex: Sprig's regex.go on lib/regex (Go's RE2 syntax and
 * leftmost-first matching). The plain forms compile with MustCompile, so
 * a bad pattern is a panic "regexp: Compile(`(`): error parsing regexp:
 * missing closing ): `(`"; regexMatch alone swallows it (false); the
 * must* forms return the compile error itself. */
#include "tmpl_sprig_int.h"

#include "regex.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* strconv.CanBackquote */
static int can_backquote(const char *s, size_t n)
{
  for (size_t i = 0; i < n;) {
    uint32_t r;
    size_t w = tmpl__utf8_decode((const unsigned char *)s + i, n - i, &r);
    i += w;
    if (w > 1) {
      if (r == 0xfeff)
        return 0;
      continue;
    }
    if (r == 0xfffd || (r < ' ' && r != '\t') || r == '`' || r == 0x7f)
      return 0;
  }
  return 1;
}

/* Compiles argv[0]; on error sets the function's message as Sprig's form
 * would show it (must: the error; else MustCompile's panic). */
static int compile(struct tmpl_call *c, const struct tmpl_value *pat, int must,
                   struct regex **re)
{
  size_t n;
  const char *p = tmpl__str(pat, &n);
  struct err e;
  err_clear(&e);
  *re = NULL;
  int rc = tmpl__regex_syntax(p, n, e.msg, sizeof e.msg);
  if (!rc)
    rc = regex_compile(p, n, re, &e);
  if (rc == -ENOMEM || !rc)
    return rc;
  if (must)
    return tmpl_call_errorf(c, "%s", e.msg);
  struct buf q;
  buf_init(&q, 0);
  if (can_backquote(p, n))
    rc = buf_printf(&q, "`%s`", p);
  else
    rc = tmpl_quote(&q, p, n);
  rc = rc ? rc
          : tmpl_call_errorf(c, "regexp: Compile(%s): %s", q.data ? q.data : "",
                             e.msg);
  buf_free(&q);
  return rc;
}

static int match(struct tmpl_call *c, struct tmpl_value *argv,
                 struct tmpl_value *out, int must)
{
  struct regex *re = NULL;
  int rc = compile(c, &argv[0], must, &re);
  if (rc == -EINVAL && !must)
    return tmpl__ret_bool(out, 0);
  if (rc)
    return rc;
  size_t n;
  const char *s = tmpl__str(&argv[1], &n);
  rc = tmpl__ret_bool(out, regex_match(re, s, n));
  regex_free(re);
  return rc;
}

TMPL__FN(fn_regex_match)
{
  return match(c, argv, out, 0);
}

TMPL__FN(fn_must_regex_match)
{
  return match(c, argv, out, 1);
}

struct collect {
  const char *s;
  struct json_object *list;
  size_t max, bytes;
  int rc;
};

static int collect_cb(const long *ov, void *data)
{
  struct collect *k = data;
  struct json_object *m =
      json_object_new_string_len(k->s + ov[0], (int)(ov[1] - ov[0]));
  if (!m || json_object_array_add(k->list, m)) {
    json_object_put(m);
    k->rc = -ENOMEM;
    return 1;
  }
  k->bytes += (size_t)(ov[1] - ov[0]) + 16;
  if (k->bytes > k->max) {
    k->rc = -E2BIG;
    return 1;
  }
  return 0;
}

/* FindAllString(s, n): nil (a nil []string) when nothing matches. */
static int find_all(struct tmpl_call *c, struct tmpl_value *argv,
                    struct tmpl_value *out, int must)
{
  struct regex *re = NULL;
  int rc = compile(c, &argv[0], must, &re);
  if (rc)
    return rc;
  size_t n;
  const char *s = tmpl__str(&argv[1], &n);
  int64_t lim = tmpl__int(&argv[2]);
  struct collect k = {s, json_object_new_array(), tmpl_call_max_output(c), 0,
                      0};
  if (k.list)
    rc = regex_each(re, s, n,
                    lim < 0           ? -1
                    : lim > INT32_MAX ? INT32_MAX
                                      : (int)lim,
                    collect_cb, &k);
  regex_free(re);
  rc = !k.list ? -ENOMEM : rc ? rc : k.rc;
  if (rc == -E2BIG)
    rc = tmpl__check_size(c, k.bytes);
  if (rc) {
    json_object_put(k.list);
    return rc;
  }
  return tmpl__ret_typed(out, k.list,
                         json_object_array_length(k.list)
                             ? &tmpl_type_strings
                             : &tmpl_type_nil_strings);
}

TMPL__FN(fn_regex_find_all)
{
  return find_all(c, argv, out, 0);
}

TMPL__FN(fn_must_regex_find_all)
{
  return find_all(c, argv, out, 1);
}

static int find(struct tmpl_call *c, struct tmpl_value *argv,
                struct tmpl_value *out, int must)
{
  struct regex *re = NULL;
  int rc = compile(c, &argv[0], must, &re);
  if (rc)
    return rc;
  size_t n;
  const char *s = tmpl__str(&argv[1], &n);
  long *ov = malloc(sizeof *ov * 2 * (size_t)(regex_ngroups(re) + 1));
  if (!ov) {
    regex_free(re);
    return -ENOMEM;
  }
  if (regex_find(re, s, n, 0, ov))
    rc = tmpl__ret_str(out, s + ov[0], (size_t)(ov[1] - ov[0]));
  else
    rc = tmpl__ret_str(out, "", 0);
  free(ov);
  regex_free(re);
  return rc;
}

TMPL__FN(fn_regex_find)
{
  return find(c, argv, out, 0);
}

TMPL__FN(fn_must_regex_find)
{
  return find(c, argv, out, 1);
}

static int replace(struct tmpl_call *c, struct tmpl_value *argv,
                   struct tmpl_value *out, int must, int literal)
{
  struct regex *re = NULL;
  int rc = compile(c, &argv[0], must, &re);
  if (rc)
    return rc;
  size_t n, rn;
  const char *s = tmpl__str(&argv[1], &n), *r = tmpl__str(&argv[2], &rn);
  struct buf b;
  /* regex_replace_all drops a piece that does not fit instead of failing;
   * with this much room, a dropped piece means the result was already
   * past the ceiling, which the length then shows. */
  size_t max = tmpl_call_max_output(c);
  buf_init(&b, max + n + rn + 1);
  rc = regex_replace_all(re, s, n, r, rn, literal, &b);
  regex_free(re);
  if (!rc && b.len > max)
    rc = tmpl__check_size(c, b.len);
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

TMPL__FN(fn_regex_replace_all)
{
  return replace(c, argv, out, 0, 0);
}

TMPL__FN(fn_must_regex_replace_all)
{
  return replace(c, argv, out, 1, 0);
}

TMPL__FN(fn_regex_replace_all_literal)
{
  return replace(c, argv, out, 0, 1);
}

TMPL__FN(fn_must_regex_replace_all_literal)
{
  return replace(c, argv, out, 1, 1);
}

struct split {
  const char *s;
  struct json_object *list;
  int64_t n;
  size_t beg, end;
  int rc;
};

static int split_cb(const long *ov, void *data)
{
  struct split *k = data;
  if (k->n > 0 && (int64_t)json_object_array_length(k->list) == k->n - 1)
    return 1;
  k->end = (size_t)ov[0];
  if (ov[1] != 0) {
    struct json_object *p =
        json_object_new_string_len(k->s + k->beg, (int)(k->end - k->beg));
    if (!p || json_object_array_add(k->list, p)) {
      json_object_put(p);
      k->rc = -ENOMEM;
      return 1;
    }
  }
  k->beg = (size_t)ov[1];
  return 0;
}

/* Regexp.Split(s, n) */
static int split(struct tmpl_call *c, struct tmpl_value *argv,
                 struct tmpl_value *out, int must)
{
  struct regex *re = NULL;
  int rc = compile(c, &argv[0], must, &re);
  if (rc)
    return rc;
  size_t n, pn;
  const char *s = tmpl__str(&argv[1], &n);
  tmpl__str(&argv[0], &pn);
  struct split k = {s, json_object_new_array(), tmpl__int(&argv[2]), 0, 0, 0};
  if (!k.list) {
    regex_free(re);
    return -ENOMEM;
  }
  if (k.n == 0) {
    regex_free(re);
    return tmpl__ret_typed(out, k.list, &tmpl_type_nil_strings);
  }
  if (pn > 0 && n == 0)
    rc =
        json_object_array_add(k.list, json_object_new_string("")) ? -ENOMEM : 0;
  else
    rc = regex_each(re, s, n,
                    k.n < 0           ? -1
                    : k.n > INT32_MAX ? INT32_MAX
                                      : (int)k.n,
                    split_cb, &k);
  if (!rc && !k.rc && !(pn > 0 && n == 0) && k.end != n &&
      json_object_array_add(
          k.list, json_object_new_string_len(s + k.beg, (int)(n - k.beg))))
    rc = -ENOMEM;
  regex_free(re);
  rc = rc ? rc : k.rc;
  if (rc) {
    json_object_put(k.list);
    return rc;
  }
  return tmpl__ret_typed(out, k.list, &tmpl_type_strings);
}

TMPL__FN(fn_regex_split)
{
  return split(c, argv, out, 0);
}

TMPL__FN(fn_must_regex_split)
{
  return split(c, argv, out, 1);
}

/* regexp.QuoteMeta */
TMPL__FN(fn_regex_quote_meta)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  struct buf b;
  buf_init(&b, 0);
  int rc = buf_reserve(&b, 2 * n + 1);
  for (size_t i = 0; !rc && i < n; i++) {
    if (s[i] && strchr("\\.+*?()|[]{}^$", s[i]))
      rc = buf_putc(&b, '\\');
    if (!rc)
      rc = buf_putc(&b, s[i]);
  }
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

static const struct tmpl_func fns[] = {
    {"mustRegexFind", fn_must_regex_find, "ss", NULL},
    {"mustRegexFindAll", fn_must_regex_find_all, "ssi", NULL},
    {"mustRegexMatch", fn_must_regex_match, "ss", NULL},
    {"mustRegexReplaceAll", fn_must_regex_replace_all, "sss", NULL},
    {"mustRegexReplaceAllLiteral", fn_must_regex_replace_all_literal, "sss",
     NULL},
    {"mustRegexSplit", fn_must_regex_split, "ssi", NULL},
    {"regexFind", fn_regex_find, "ss", NULL},
    {"regexFindAll", fn_regex_find_all, "ssi", NULL},
    {"regexMatch", fn_regex_match, "ss", NULL},
    {"regexQuoteMeta", fn_regex_quote_meta, "s", NULL},
    {"regexReplaceAll", fn_regex_replace_all, "sss", NULL},
    {"regexReplaceAllLiteral", fn_regex_replace_all_literal, "sss", NULL},
    {"regexSplit", fn_regex_split, "ssi", NULL},
};

TMPL__TABLE(tmpl__sprig_regex_fns, fns);
