/* regex: Go regexp behaviour on PCRE2 (see regex.h). */
#include "regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct regex {
  pcre2_code *code;
  pcre2_match_data *md;
  int ngroups;
};

int regex_compile(const char *pattern, size_t len, struct regex **out,
                  struct err *e)
{
  int code;
  PCRE2_SIZE off;
  /* Not PCRE2_UCP: Go's \d, \w, \b and POSIX classes are ASCII-only
   * (case folding of (?i) is Unicode's in UTF mode either way). */
  uint32_t opts = PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_MATCH_INVALID_UTF;
  pcre2_code *c =
      pcre2_compile((PCRE2_SPTR)pattern, len, opts, &code, &off, NULL);
  if (!c) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(code, msg, sizeof msg);
    return err_set(e, -EINVAL, "error parsing regexp: %s at offset %zu: `%.*s`",
                   (const char *)msg, (size_t)off, (int)len, pattern);
  }
  struct regex *r = calloc(1, sizeof *r);
  if (!r) {
    pcre2_code_free(c);
    return err_set(e, -ENOMEM, "out of memory");
  }
  /* Compiled to machine code where PCRE2 can: the interpreter is linear
   * per match but slow enough on long subjects to make many-match calls
   * (regexReplaceAll over a large text) crawl. Without JIT it still
   * works. */
  (void)pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
  r->code = c;
  r->md = pcre2_match_data_create_from_pattern(c, NULL);
  uint32_t count = 0;
  pcre2_pattern_info(c, PCRE2_INFO_CAPTURECOUNT, &count);
  r->ngroups = (int)count;
  *out = r;
  return 0;
}

void regex_free(struct regex *r)
{
  if (!r)
    return;
  pcre2_match_data_free(r->md);
  pcre2_code_free(r->code);
  free(r);
}

int regex_ngroups(const struct regex *r)
{
  return r->ngroups;
}

int regex_find(struct regex *r, const char *s, size_t n, size_t from, long *ov)
{
  if (from > n)
    return 0;
  int rc = pcre2_match(r->code, (PCRE2_SPTR)s, n, from, 0, r->md, NULL);
  if (rc < 0)
    return 0;
  PCRE2_SIZE *v = pcre2_get_ovector_pointer(r->md);
  for (int i = 0; i <= r->ngroups; i++) {
    int set = i < rc && v[2 * i] != PCRE2_UNSET;
    ov[2 * i] = set ? (long)v[2 * i] : -1;
    ov[2 * i + 1] = set ? (long)v[2 * i + 1] : -1;
  }
  return 1;
}

int regex_match(struct regex *r, const char *s, size_t n)
{
  return pcre2_match(r->code, (PCRE2_SPTR)s, n, 0, 0, r->md, NULL) >= 0;
}

/* Width of the UTF-8 character at s (1 for invalid bytes). */
static size_t rune_width(const char *s, size_t n)
{
  unsigned char c = (unsigned char)*s;
  size_t w = c < 0x80             ? 1
             : (c & 0xe0) == 0xc0 ? 2
             : (c & 0xf0) == 0xe0 ? 3
             : (c & 0xf8) == 0xf0 ? 4
                                  : 1;
  return w > n ? 1 : w;
}

int regex_each(struct regex *r, const char *s, size_t n, int limit,
               regex_match_cb fn, void *data)
{
  long *ov = malloc(sizeof *ov * 2 * (size_t)(r->ngroups + 1));
  if (!ov)
    return -ENOMEM;
  size_t pos = 0;
  long prev_end = -1;
  int count = 0, rc = 0;
  while (pos <= n && (limit < 0 || count < limit)) {
    if (!regex_find(r, s, n, pos, ov))
      break;
    int accept = !(ov[1] == ov[0] && ov[0] == prev_end);
    if (ov[1] > ov[0])
      pos = (size_t)ov[1];
    else
      pos = (size_t)ov[0] +
            (ov[0] < (long)n ? rune_width(s + ov[0], n - (size_t)ov[0]) : 1);
    prev_end = ov[1];
    if (!accept)
      continue;
    count++;
    if ((rc = fn(ov, data)) != 0)
      break;
  }
  free(ov);
  return rc > 0 ? 0 : rc;
}

/* Go's Expand: $1, ${1}, $name, ${name}, $$; an unknown name expands to "". */
static int expand(struct regex *r, const char *s, const long *ov, const char *t,
                  size_t tn, struct buf *out)
{
  int rc = 0;
  for (size_t i = 0; i < tn && !rc; i++) {
    if (t[i] != '$' || i + 1 >= tn) {
      rc = buf_putc(out, t[i]);
      continue;
    }
    if (t[i + 1] == '$') {
      rc = buf_putc(out, '$');
      i++;
      continue;
    }
    size_t start = i + 1, end;
    int braced = t[start] == '{';
    if (braced)
      start++;
    end = start;
    while (end < tn && (t[end] == '_' || (t[end] >= '0' && t[end] <= '9') ||
                        (t[end] >= 'a' && t[end] <= 'z') ||
                        (t[end] >= 'A' && t[end] <= 'Z')))
      end++;
    if (end == start || (braced && (end >= tn || t[end] != '}'))) {
      rc = buf_putc(out, '$'); /* not a reference: keep the dollar */
      continue;
    }
    char name[128];
    size_t len = end - start < sizeof name - 1 ? end - start : sizeof name - 1;
    memcpy(name, t + start, len);
    name[len] = '\0';
    char *num_end;
    long g = strtol(name, &num_end, 10);
    if (*num_end)
      g = pcre2_substring_number_from_name(r->code, (PCRE2_SPTR)name);
    if (g >= 0 && g <= r->ngroups && ov[2 * g] >= 0)
      rc = buf_append(out, s + ov[2 * g], (size_t)(ov[2 * g + 1] - ov[2 * g]));
    i = braced ? end : end - 1;
  }
  return rc;
}

int regex_replace_all(struct regex *r, const char *s, size_t n,
                      const char *repl, size_t rlen, int literal,
                      struct buf *out)
{
  long *ov = malloc(sizeof *ov * 2 * (size_t)(r->ngroups + 1));
  if (!ov)
    return -ENOMEM;
  size_t search = 0, last_end = 0;
  /* Go's replaceAll: no replacement for an empty match right after a
   * match, and always advance at least one character. */
  /* A buffer at its ceiling refuses the rest: say so, never drop pieces
   * silently. */
  int rc = 0;
  while (!rc && search <= n && regex_find(r, s, n, search, ov)) {
    rc = buf_append(out, s + last_end, (size_t)ov[0] - last_end);
    if (!rc && ((size_t)ov[1] > last_end || ov[0] == 0)) {
      if (literal)
        rc = buf_append(out, repl, rlen);
      else
        rc = expand(r, s, ov, repl, rlen, out);
    }
    last_end = (size_t)ov[1];
    size_t width = search < n ? rune_width(s + search, n - search) : 1;
    if (search + width > (size_t)ov[1])
      search += width;
    else if (search + 1 > (size_t)ov[1])
      search++;
    else
      search = (size_t)ov[1];
  }
  free(ov);
  return rc ? rc : buf_append(out, s + last_end, n - last_end);
}
