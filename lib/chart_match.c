/* chart_match: Go's filepath.Match and Helm's .helmignore rules
 * (helm pkg/ignore/rules.go).
 *
 * filepath.Match is Go's own glob: '*' and '?' stop at '/', classes are
 * [abc], [a-z] and [^x], '\' escapes, and a malformed pattern is an error
 * even when the name fails to match earlier. .helmignore keeps Helm's
 * quirks: a pattern without '/' matches the base name, one with '/' the
 * whole path, a trailing '/' only directories, and a negated pattern
 * ignores everything it does NOT match. */
#include "chart_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- filepath.Match ---- */

/* One UTF-8 rune at s (n > 0 bytes); invalid bytes are U+FFFD of size 1. */
static size_t rune_at(const char *s, size_t n, long *r)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t len = p[0] < 0x80         ? 1
               : (p[0] >> 5) == 6  ? 2
               : (p[0] >> 4) == 14 ? 3
               : (p[0] >> 3) == 30 ? 4
                                   : 0;
  if (!len || len > n) {
    *r = 0xFFFD;
    return 1;
  }
  long v = len == 1 ? p[0] : p[0] & (0x3F >> (len - 1));
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80) {
      *r = 0xFFFD;
      return 1;
    }
    v = (v << 6) | (p[i] & 0x3F);
  }
  *r = v;
  return len;
}

struct str {
  const char *p;
  size_t n;
};

static void skip(struct str *s, size_t k)
{
  s->p += k;
  s->n -= k;
}

/* scanChunk: leading stars, then the text up to the next star outside a
 * class. */
static int scan_chunk(struct str *pat, struct str *chunk)
{
  int star = 0;
  while (pat->n && pat->p[0] == '*') {
    skip(pat, 1);
    star = 1;
  }
  int inrange = 0;
  size_t i;
  for (i = 0; i < pat->n; i++) {
    char c = pat->p[i];
    if (c == '\\') {
      if (i + 1 < pat->n)
        i++;
    } else if (c == '[') {
      inrange = 1;
    } else if (c == ']') {
      inrange = 0;
    } else if (c == '*' && !inrange) {
      break;
    }
  }
  chunk->p = pat->p;
  chunk->n = i;
  skip(pat, i);
  return star;
}

/* getEsc: one (possibly escaped) rune of a class. */
static int get_esc(struct str *chunk, long *r)
{
  if (!chunk->n || chunk->p[0] == '-' || chunk->p[0] == ']')
    return -EINVAL;
  if (chunk->p[0] == '\\') {
    skip(chunk, 1);
    if (!chunk->n)
      return -EINVAL;
  }
  size_t k = rune_at(chunk->p, chunk->n, r);
  int bad = *r == 0xFFFD && k == 1 && (unsigned char)chunk->p[0] >= 0x80;
  skip(chunk, k);
  return bad || !chunk->n ? -EINVAL : 0;
}

/* A character class at chunk (after '['); sets *match for rune r. */
static int match_class(struct str *chunk, long r, int *match)
{
  int negated = 0, nrange = 0, m = 0;
  if (chunk->n && chunk->p[0] == '^') {
    negated = 1;
    skip(chunk, 1);
  }
  for (;;) {
    if (chunk->n && chunk->p[0] == ']' && nrange > 0) {
      skip(chunk, 1);
      break;
    }
    long lo, hi;
    if (get_esc(chunk, &lo))
      return -EINVAL;
    hi = lo;
    if (chunk->p[0] == '-') {
      skip(chunk, 1);
      if (get_esc(chunk, &hi))
        return -EINVAL;
    }
    if (lo <= r && r <= hi)
      m = 1;
    nrange++;
  }
  *match = m != negated;
  return 0;
}

/* matchChunk: 1 when chunk matches a prefix of s (rest set), 0 when not,
 * -EINVAL for a malformed chunk. After a failure the chunk is still read
 * to the end, for its syntax. */
static int match_chunk(struct str chunk, struct str s, struct str *rest)
{
  int failed = 0;
  while (chunk.n) {
    if (!failed && !s.n)
      failed = 1;
    char c = chunk.p[0];
    if (c == '[') {
      long r = -1;
      if (!failed)
        skip(&s, rune_at(s.p, s.n, &r));
      skip(&chunk, 1);
      int m;
      if (match_class(&chunk, r, &m))
        return -EINVAL;
      if (!m)
        failed = 1;
    } else if (c == '?') {
      if (!failed) {
        long r;
        if (s.p[0] == '/')
          failed = 1;
        skip(&s, rune_at(s.p, s.n, &r));
      }
      skip(&chunk, 1);
    } else {
      if (c == '\\') {
        skip(&chunk, 1);
        if (!chunk.n)
          return -EINVAL;
      }
      if (!failed) {
        if (chunk.p[0] != s.p[0])
          failed = 1;
        skip(&s, 1);
      }
      skip(&chunk, 1);
    }
  }
  if (failed)
    return 0;
  *rest = s;
  return 1;
}

/* After a failed match: the rest of the pattern must still be valid. */
static int check_rest(struct str pat)
{
  while (pat.n) {
    struct str chunk, rest;
    scan_chunk(&pat, &chunk);
    struct str empty = {"", 0};
    if (match_chunk(chunk, empty, &rest) < 0)
      return -EINVAL;
  }
  return 0;
}

/* With a leading star: try the chunk after skipping 1, 2, ... bytes. */
static int match_after_star(struct str chunk, struct str *name, size_t patlen)
{
  for (size_t i = 0; i < name->n && name->p[i] != '/'; i++) {
    struct str t, from = {name->p + i + 1, name->n - i - 1};
    int ok = match_chunk(chunk, from, &t);
    if (ok == 1) {
      if (!patlen && t.n)
        continue;
      *name = t;
      return 1;
    }
    if (ok < 0)
      return ok;
  }
  return 0;
}

int chart_path_match(const char *pattern, const char *name_s)
{
  struct str pat = {pattern, strlen(pattern)}, name = {name_s, strlen(name_s)};
  while (pat.n) {
    struct str chunk, t;
    int star = scan_chunk(&pat, &chunk);
    if (star && !chunk.n)
      return memchr(name.p, '/', name.n) == NULL;
    int ok = match_chunk(chunk, name, &t);
    if (ok == 1 && (!t.n || pat.n)) {
      name = t;
      continue;
    }
    if (ok < 0)
      return ok;
    if (star) {
      ok = match_after_star(chunk, &name, pat.n);
      if (ok == 1)
        continue;
      if (ok < 0)
        return ok;
    }
    return check_rest(pat) ? -EINVAL : 0;
  }
  return name.n == 0;
}

/* ---- .helmignore ---- */

enum ign_kind { IGN_BASE, IGN_PATH, IGN_ROOT };

struct ign {
  char *pat;
  enum ign_kind kind;
  int negate, must_dir;
};

struct chart_ignore {
  struct ign *v;
  size_t n;
};

static int add_rule(struct chart_ignore *r, const char *line, size_t n,
                    struct err *e)
{
  while (n && strchr(" \t\r\n\v\f", line[0])) {
    line++;
    n--;
  }
  while (n && strchr(" \t\r\n\v\f", line[n - 1]))
    n--;
  if (!n || line[0] == '#')
    return 0;
  char *rule = strndup(line, n);
  if (!rule)
    return -ENOMEM;
  int rc = 0;
  if (strstr(rule, "**"))
    rc = err_set(e, -EINVAL, "double-star (**) syntax is not supported");
  else if (chart_path_match(rule, "abc") < 0)
    rc = err_set(e, -EINVAL, "syntax error in pattern");
  struct ign *v = rc ? NULL : realloc(r->v, (r->n + 1) * sizeof *v);
  if (rc || !v) {
    free(rule);
    return rc ? rc : -ENOMEM;
  }
  r->v = v;
  struct ign *g = &v[r->n++];
  g->negate = rule[0] == '!';
  char *p = rule + g->negate;
  size_t len = strlen(p);
  g->must_dir = len && p[len - 1] == '/';
  if (g->must_dir)
    p[--len] = '\0';
  g->kind = p[0] == '/' ? IGN_ROOT : strchr(p, '/') ? IGN_PATH : IGN_BASE;
  if (g->kind == IGN_ROOT)
    p++;
  g->pat = strdup(p);
  free(rule);
  return g->pat ? 0 : -ENOMEM;
}

int chart__ignore_parse(const char *text, size_t len, struct chart_ignore **out,
                        struct err *e)
{
  struct chart_ignore *r = calloc(1, sizeof *r);
  if (!r)
    return -ENOMEM;
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
    text += 3;
    len -= 3;
  }
  int rc = 0;
  for (size_t pos = 0; pos < len && !rc;) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - text) : len;
    rc = add_rule(r, text + pos, end - pos, e);
    pos = end + 1;
  }
  if (rc) {
    chart__ignore_free(r);
    r = NULL;
  }
  *out = r;
  return rc;
}

struct chart_ignore *chart__ignore_defaults(struct chart_ignore *r)
{
  struct err e;
  if (!r)
    r = calloc(1, sizeof *r);
  if (r && add_rule(r, "templates/.?*", 13, &e)) {
    chart__ignore_free(r);
    return NULL;
  }
  return r;
}

static int rule_match(const struct ign *g, const char *path)
{
  const char *n = path;
  if (g->kind == IGN_BASE) {
    /* filepath.Base of a path without trailing slashes */
    const char *slash = strrchr(path, '/');
    n = slash ? slash + 1 : path;
  }
  return chart_path_match(g->pat, n) == 1;
}

int chart__ignore_match(const struct chart_ignore *r, const char *path,
                        int is_dir)
{
  if (!r || !*path || !strcmp(path, ".") || !strcmp(path, "./"))
    return 0;
  for (size_t i = 0; i < r->n; i++) {
    const struct ign *g = &r->v[i];
    if (g->negate) {
      if (g->must_dir && !is_dir)
        return 1;
      if (!rule_match(g, path))
        return 1;
      continue;
    }
    if (g->must_dir && !is_dir)
      continue;
    if (rule_match(g, path))
      return 1;
  }
  return 0;
}

void chart__ignore_free(struct chart_ignore *r)
{
  if (!r)
    return;
  for (size_t i = 0; i < r->n; i++)
    free(r->v[i].pat);
  free(r->v);
  free(r);
}
