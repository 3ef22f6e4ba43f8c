/* tmpl_sprig_str: Sprig's strings.go and the string helpers of its
 * functions.go (trim*, upper/lower/title, substr, trunc, repeat, quote,
 * squote, cat, indent/nindent, replace, plural, split*, join, toString,
 * toStrings, sortAlpha, contains, hasPrefix/hasSuffix).
 *
 * Strings are Go's: byte strings that are usually UTF-8. Functions that go
 * rune by rune (upper, title, trimAll...) read invalid bytes as U+FFFD as
 * Go's strings package does, and those that map runes write U+FFFD. */
#include "tmpl_sprig_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t rune_at(const char *s, size_t n, size_t i, uint32_t *r)
{
  return tmpl__utf8_decode((const unsigned char *)s + i, n - i, r);
}

/* strings.Map with a rune function: unchanged text is copied; invalid
 * bytes become U+FFFD. */
static int map_runes(struct buf *b, const char *s, size_t n,
                     uint32_t (*fn)(uint32_t r, void *st), void *st)
{
  int rc = 0;
  for (size_t i = 0; !rc && i < n;) {
    uint32_t r;
    size_t w = rune_at(s, n, i, &r);
    uint32_t m = fn(r, st);
    if (m == r && !(r == 0xfffd && w == 1))
      rc = buf_append(b, s + i, w);
    else
      rc = tmpl__utf8_encode(b, m);
    i += w;
  }
  return rc ? rc : buf_append(b, "", 0);
}

static uint32_t upper_fn(uint32_t r, void *st)
{
  (void)st;
  return tmpl__uni_to_upper(r);
}

static uint32_t lower_fn(uint32_t r, void *st)
{
  (void)st;
  return tmpl__uni_to_lower(r);
}

/* strings.Title's isSeparator */
static int is_separator(uint32_t r)
{
  if (r <= 0x7f)
    return !((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') ||
             (r >= 'A' && r <= 'Z') || r == '_');
  if (tmpl__uni_is_letter(r) || tmpl__uni_is_digit(r))
    return 0;
  return tmpl__uni_is_space(r);
}

static uint32_t title_fn(uint32_t r, void *st)
{
  uint32_t *prev = st;
  int sep = is_separator(*prev);
  *prev = r;
  return sep ? tmpl__uni_to_title(r) : r;
}

static int ret_mapped(struct tmpl_value *out, const struct tmpl_value *arg,
                      uint32_t (*fn)(uint32_t, void *), void *st)
{
  size_t n;
  const char *s = tmpl__str(arg, &n);
  struct buf b;
  buf_init(&b, 0);
  return tmpl__ret_buf(out, &b, map_runes(&b, s, n, fn, st));
}

TMPL__FN(fn_upper)
{
  return ret_mapped(out, &argv[0], upper_fn, NULL);
}

TMPL__FN(fn_lower)
{
  return ret_mapped(out, &argv[0], lower_fn, NULL);
}

TMPL__FN(fn_title)
{
  uint32_t prev = ' ';
  return ret_mapped(out, &argv[0], title_fn, &prev);
}

TMPL__FN(fn_hello)
{
  return tmpl__ret_str(out, "Hello!", 6);
}

/* ---- Trimming ---- */

/* The rune that ends s[0:end], as Go's utf8.DecodeLastRuneInString reads
 * it: an invalid or cut sequence is U+FFFD one byte wide. */
static size_t last_rune(const char *s, size_t end, uint32_t *r)
{
  size_t start = end - 1;
  size_t lim = end >= 4 ? end - 4 : 0;
  while (start > lim && ((unsigned char)s[start] & 0xC0) == 0x80)
    start--;
  size_t w = rune_at(s, end, start, r);
  if (start + w != end) {
    *r = 0xFFFD;
    return 1;
  }
  return w;
}

/* The runes of s[lo:hi] after trimming those in_set says are in the set
 * from both ends: Go's TrimFunc, which trims the left end reading runes
 * forward and the right end reading them backward, so only the trimmed
 * ends are read (invalid bytes are U+FFFD). */
static void trim_bounds(const char *s, size_t n,
                        int (*in_set)(uint32_t, const void *), const void *st,
                        size_t *lo, size_t *hi)
{
  size_t i = 0;
  while (i < n) {
    uint32_t r;
    size_t w = rune_at(s, n, i, &r);
    if (!in_set(r, st))
      break;
    i += w;
  }
  *lo = i;
  size_t j = n;
  while (j > i) {
    uint32_t r;
    size_t w = last_rune(s, j, &r);
    if (!in_set(r, st))
      break;
    j -= w;
  }
  *hi = j;
}

static int space_set(uint32_t r, const void *st)
{
  (void)st;
  return tmpl__uni_is_space(r);
}

TMPL__FN(fn_trim)
{
  size_t n, lo, hi;
  const char *s = tmpl__str(&argv[0], &n);
  trim_bounds(s, n, space_set, NULL, &lo, &hi);
  return tmpl__ret_str(out, s + lo, hi - lo);
}

struct cutset {
  const char *s;
  size_t n;
};

/* Whether the cutset holds rune r (invalid bytes match U+FFFD, as Go's
 * strings.ContainsRune does for utf8.RuneError). */
static int cutset_has(uint32_t r, const void *st)
{
  const struct cutset *cs = st;
  for (size_t i = 0; i < cs->n;) {
    uint32_t c;
    i += rune_at(cs->s, cs->n, i, &c);
    if (c == r)
      return 1;
  }
  return 0;
}

/* strings.Trim(s, cutset) */
TMPL__FN(fn_trim_all)
{
  struct cutset cs;
  size_t n, lo, hi;
  cs.s = tmpl__str(&argv[0], &cs.n);
  const char *s = tmpl__str(&argv[1], &n);
  if (cs.n == 0)
    return tmpl__ret_str(out, s, n);
  trim_bounds(s, n, cutset_has, &cs, &lo, &hi);
  return tmpl__ret_str(out, s + lo, hi - lo);
}

TMPL__FN(fn_trim_suffix)
{
  size_t an, bn;
  const char *a = tmpl__str(&argv[0], &an), *s = tmpl__str(&argv[1], &bn);
  if (an <= bn && memcmp(s + bn - an, a, an) == 0)
    bn -= an;
  return tmpl__ret_str(out, s, bn);
}

TMPL__FN(fn_trim_prefix)
{
  size_t an, bn;
  const char *a = tmpl__str(&argv[0], &an), *s = tmpl__str(&argv[1], &bn);
  if (an <= bn && memcmp(s, a, an) == 0)
    return tmpl__ret_str(out, s + an, bn - an);
  return tmpl__ret_str(out, s, bn);
}

/* ---- Searching ---- */

static const char *mem_find(const char *s, size_t n, const char *sub, size_t sn)
{
  if (sn == 0)
    return s;
  for (const char *p = s; (size_t)(s + n - p) >= sn;) {
    p = memchr(p, sub[0], (size_t)(s + n - p) - sn + 1);
    if (!p)
      return NULL;
    if (memcmp(p, sub, sn) == 0)
      return p;
    p++;
  }
  return NULL;
}

TMPL__FN(fn_contains)
{
  size_t sn, n;
  const char *sub = tmpl__str(&argv[0], &sn), *s = tmpl__str(&argv[1], &n);
  return tmpl__ret_bool(out, mem_find(s, n, sub, sn) != NULL);
}

TMPL__FN(fn_has_prefix)
{
  size_t sn, n;
  const char *p = tmpl__str(&argv[0], &sn), *s = tmpl__str(&argv[1], &n);
  return tmpl__ret_bool(out, sn <= n && memcmp(s, p, sn) == 0);
}

TMPL__FN(fn_has_suffix)
{
  size_t sn, n;
  const char *p = tmpl__str(&argv[0], &sn), *s = tmpl__str(&argv[1], &n);
  return tmpl__ret_bool(out, sn <= n && memcmp(s + n - sn, p, sn) == 0);
}

/* ---- Slicing ---- */

TMPL__FN(fn_trunc)
{
  int64_t k = tmpl__int(&argv[0]);
  size_t n;
  const char *s = tmpl__str(&argv[1], &n);
  if (k < 0 && (int64_t)n + k > 0)
    return tmpl__ret_str(out, s + (int64_t)n + k, (size_t)-k);
  if (k >= 0 && (int64_t)n > k)
    return tmpl__ret_str(out, s, (size_t)k);
  return tmpl__ret_str(out, s, n);
}

/* Go's panic for s[lo:hi] out of bounds, as the runtime words it. */
static int slice_panic(struct tmpl_call *c, int64_t lo, int has_lo, int64_t hi,
                       size_t len)
{
  if (!has_lo || hi < 0 || (uint64_t)hi > len) {
    if (hi < 0)
      return tmpl_call_errorf(c,
                              "runtime error: slice bounds out of range "
                              "[:%lld]",
                              (long long)hi);
    return tmpl_call_errorf(c,
                            "runtime error: slice bounds out of range "
                            "[:%lld] with length %zu",
                            (long long)hi, len);
  }
  if (lo < 0)
    return tmpl_call_errorf(c,
                            "runtime error: slice bounds out of range "
                            "[%lld:]",
                            (long long)lo);
  return tmpl_call_errorf(c,
                          "runtime error: slice bounds out of range "
                          "[%lld:%lld]",
                          (long long)lo, (long long)hi);
}

/* s[lo:hi] with Go's checks; has_lo is 0 for s[:hi]. */
static int go_slice(struct tmpl_call *c, struct tmpl_value *out, const char *s,
                    size_t n, int64_t lo, int has_lo, int64_t hi)
{
  if (hi < 0 || (uint64_t)hi > n || (has_lo && (lo < 0 || lo > hi)))
    return slice_panic(c, lo, has_lo, hi, n);
  return tmpl__ret_str(out, s + lo, (size_t)(hi - lo));
}

TMPL__FN(fn_substr)
{
  int64_t start = tmpl__int(&argv[0]), end = tmpl__int(&argv[1]);
  size_t n;
  const char *s = tmpl__str(&argv[2], &n);
  if (start < 0)
    return go_slice(c, out, s, n, 0, 0, end);
  if (end < 0 || (uint64_t)end > n)
    return go_slice(c, out, s, n, start, 1, (int64_t)n);
  return go_slice(c, out, s, n, start, 1, end);
}

/* ---- Building ---- */

/* strings.Repeat's checks, then ours against the output ceiling. */
static int repeat_check(struct tmpl_call *c, int64_t count, size_t len)
{
  if (count < 0)
    return tmpl_call_errorf(c, "strings: negative Repeat count");
  if (len && (uint64_t)count > (uint64_t)INT64_MAX / len)
    return tmpl_call_errorf(c, "strings: Repeat output length overflow");
  return tmpl__check_size(c, (size_t)count * len);
}

TMPL__FN(fn_repeat)
{
  int64_t k = tmpl__int(&argv[0]);
  size_t n;
  const char *s = tmpl__str(&argv[1], &n);
  int rc = repeat_check(c, k, n);
  if (rc)
    return rc;
  struct buf b;
  buf_init(&b, 0);
  rc = buf_reserve(&b, (size_t)k * n + 1);
  for (int64_t i = 0; !rc && i < k; i++)
    rc = buf_append(&b, s, n);
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

static size_t count_byte(const char *s, size_t n, char ch)
{
  size_t k = 0;
  for (const char *p = s; (p = memchr(p, ch, (size_t)(s + n - p))); p++)
    k++;
  return k;
}

static int indent_into(struct tmpl_call *c, struct buf *b, int64_t k,
                       const char *s, size_t n)
{
  int rc = repeat_check(c, k, 1);
  size_t lines = count_byte(s, n, '\n') + 1;
  if (!rc && (uint64_t)k > (SIZE_MAX - n) / lines)
    rc = tmpl_call_errorf(c, "strings: Repeat output length overflow");
  if (!rc)
    rc = tmpl__check_size(c, n + lines * (size_t)k);
  if (!rc)
    rc = buf_reserve(b, n + lines * (size_t)k + 2);
  if (rc)
    return rc;
  /* room is reserved: write the lines in place */
  size_t pad = k > 0 ? (size_t)k : 0;
  char *w = b->data + b->len;
  for (const char *p = s, *end = s + n;;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
    memset(w, ' ', pad);
    memcpy(w + pad, p, len);
    w += pad + len;
    if (!nl)
      break;
    p = nl + 1;
  }
  b->len = (size_t)(w - b->data);
  b->data[b->len] = '\0';
  return 0;
}

TMPL__FN(fn_indent)
{
  size_t n;
  const char *s = tmpl__str(&argv[1], &n);
  struct buf b;
  buf_init(&b, 0);
  return tmpl__ret_buf(out, &b, indent_into(c, &b, tmpl__int(&argv[0]), s, n));
}

TMPL__FN(fn_nindent)
{
  size_t n;
  const char *s = tmpl__str(&argv[1], &n);
  struct buf b;
  buf_init(&b, 0);
  int rc = buf_putc(&b, '\n');
  if (!rc)
    rc = indent_into(c, &b, tmpl__int(&argv[0]), s, n);
  return tmpl__ret_buf(out, &b, rc);
}

/* strings.Replace(s, old, new, -1); an empty old inserts new around
 * every rune. */
static int replace_into(struct tmpl_call *c, struct buf *b, const char *s,
                        size_t n, const char *old, size_t on, const char *nw,
                        size_t nn)
{
  int rc = 0;
  if (on == 0) {
    rc = tmpl__check_size(c, n + (n + 1) * nn);
    for (size_t i = 0; !rc && i <= n;) {
      uint32_t r;
      size_t w = i < n ? rune_at(s, n, i, &r) : 1;
      rc = buf_append(b, nw, nn);
      if (!rc && i < n)
        rc = buf_append(b, s + i, w);
      i += w;
    }
    return rc ? rc : buf_append(b, "", 0);
  }
  for (size_t i = 0; !rc;) {
    const char *p = mem_find(s + i, n - i, old, on);
    size_t keep = p ? (size_t)(p - (s + i)) : n - i;
    rc = buf_append(b, s + i, keep);
    if (!p)
      break;
    if (!rc)
      rc = buf_append(b, nw, nn);
    if (!rc && b->len > tmpl_call_max_output(c))
      rc = tmpl__check_size(c, b->len);
    i += keep + on;
  }
  return rc ? rc : buf_append(b, "", 0);
}

TMPL__FN(fn_replace)
{
  size_t on, nn, n;
  const char *old = tmpl__str(&argv[0], &on), *nw = tmpl__str(&argv[1], &nn);
  const char *s = tmpl__str(&argv[2], &n);
  struct buf b;
  buf_init(&b, 0);
  return tmpl__ret_buf(out, &b, replace_into(c, &b, s, n, old, on, nw, nn));
}

TMPL__FN(fn_plural)
{
  struct json_object *o = tmpl__int(&argv[2]) == 1 ? argv[0].o : argv[1].o;
  return tmpl__ret(out, json_object_get(o));
}

/* ---- Printing ---- */

TMPL__FN(fn_quote)
{
  struct buf b, v;
  buf_init(&b, 0);
  buf_init(&v, 0);
  int rc = 0, first = 1;
  for (int i = 0; !rc && i < argc; i++) {
    if (!argv[i].o)
      continue;
    buf_reset(&v);
    rc = tmpl__strval(&v, argv[i].o);
    if (!rc && !first)
      rc = buf_putc(&b, ' ');
    if (!rc)
      rc = tmpl_quote(&b, v.data ? v.data : "", v.len);
    first = 0;
  }
  buf_free(&v);
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

TMPL__FN(fn_squote)
{
  struct buf b;
  buf_init(&b, 0);
  int rc = 0, first = 1;
  for (int i = 0; !rc && i < argc; i++) {
    if (!argv[i].o)
      continue;
    if (!first)
      rc = buf_putc(&b, ' ');
    if (!rc)
      rc = tmpl_sprintf(&b, "'%v'", 4, 1, &argv[i]);
    first = 0;
  }
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

TMPL__FN(fn_cat)
{
  struct buf b;
  buf_init(&b, 0);
  int rc = 0, first = 1;
  for (int i = 0; !rc && i < argc; i++) {
    if (!argv[i].o)
      continue;
    if (!first)
      rc = buf_putc(&b, ' ');
    if (!rc)
      rc = tmpl_sprint(&b, 1, &argv[i]);
    first = 0;
  }
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

TMPL__FN(fn_to_string)
{
  struct buf b;
  buf_init(&b, 0);
  int rc = tmpl__strval(&b, argv[0].o);
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

/* ---- Splitting and joining ---- */

/* strings.SplitN's pieces, passed to fn; n < 0: all. */
static int split_each(const char *s, size_t len, const char *sep, size_t sn,
                      int64_t n, int (*fn)(const char *, size_t, void *),
                      void *st)
{
  int rc = 0;
  int64_t k = 0;
  if (sn == 0) { /* explode into runes */
    for (size_t i = 0; !rc && i < len; k++) {
      uint32_t r;
      size_t w = n > 0 && k == n - 1 ? len - i : rune_at(s, len, i, &r);
      rc = fn(s + i, w, st);
      i += w;
    }
    return rc;
  }
  size_t i = 0;
  for (; !rc && (n < 0 || k < n - 1); k++) {
    const char *p = mem_find(s + i, len - i, sep, sn);
    if (!p)
      break;
    rc = fn(s + i, (size_t)(p - (s + i)), st);
    i = (size_t)(p - s) + sn;
  }
  return rc ? rc : fn(s + i, len - i, st);
}

static int add_piece(const char *s, size_t n, void *st)
{
  struct json_object *str = json_object_new_string_len(s, (int)n);
  if (!str || json_object_array_add(st, str)) {
    json_object_put(str);
    return -ENOMEM;
  }
  return 0;
}

static int split_list(struct json_object **out, const char *s, size_t n,
                      const char *sep, size_t sn, int64_t k)
{
  *out = json_object_new_array();
  if (!*out)
    return -ENOMEM;
  tmpl_val_set_type(*out, &tmpl_type_strings);
  int rc = k == 0 ? 0 : split_each(s, n, sep, sn, k, add_piece, *out);
  if (rc) {
    json_object_put(*out);
    *out = NULL;
  }
  return rc;
}

TMPL__FN(fn_split_list)
{
  size_t sn, n;
  const char *sep = tmpl__str(&argv[0], &sn), *s = tmpl__str(&argv[1], &n);
  struct json_object *l;
  int rc = split_list(&l, s, n, sep, sn, -1);
  return rc ? rc : tmpl__ret(out, l);
}

/* The pieces as map[string]string{"_0": ..., "_1": ...}. */
static int pieces_map(struct json_object *l, struct tmpl_value *out)
{
  struct json_object *m = json_object_new_object();
  int rc = m ? 0 : -ENOMEM;
  for (size_t i = 0; !rc && i < json_object_array_length(l); i++) {
    char key[32];
    snprintf(key, sizeof key, "_%zu", i);
    rc = json_object_object_add(
             m, key, json_object_get(json_object_array_get_idx(l, i)))
             ? -ENOMEM
             : 0;
  }
  json_object_put(l);
  if (rc) {
    json_object_put(m);
    return rc;
  }
  return tmpl__ret_typed(out, m, &tmpl_type_strmap);
}

TMPL__FN(fn_split)
{
  size_t sn, n;
  const char *sep = tmpl__str(&argv[0], &sn), *s = tmpl__str(&argv[1], &n);
  struct json_object *l;
  int rc = split_list(&l, s, n, sep, sn, -1);
  return rc ? rc : pieces_map(l, out);
}

TMPL__FN(fn_splitn)
{
  size_t sn, n;
  const char *sep = tmpl__str(&argv[0], &sn), *s = tmpl__str(&argv[2], &n);
  struct json_object *l;
  int rc = split_list(&l, s, n, sep, sn, tmpl__int(&argv[1]));
  return rc ? rc : pieces_map(l, out);
}

/* Sprig's strslice (toStrings): a []string as it is, the non-nil elements
 * of other slices through strval, nil as [], anything else as [strval]. */
static int strslice(struct json_object *v, struct json_object **out)
{
  const struct tmpl_type *t = tmpl_val_type(v);
  if (v && t == &tmpl_type_strings) {
    *out = json_object_get(v);
    return 0;
  }
  struct json_object *l = json_object_new_array();
  if (!l)
    return -ENOMEM;
  tmpl_val_set_type(l, &tmpl_type_strings);
  struct buf b;
  buf_init(&b, 0);
  int rc = 0;
  size_t n = tmpl__is_slice(v) ? tmpl__slice_len(v) : v ? 1 : 0;
  for (size_t i = 0; !rc && i < n; i++) {
    struct json_object *e =
        tmpl__is_slice(v) ? tmpl__slice_get(v, i, &rc) : json_object_get(v);
    if (!e)
      continue;
    buf_reset(&b);
    rc = tmpl__strval(&b, e);
    if (!rc)
      rc = add_piece(b.data ? b.data : "", b.len, l);
    json_object_put(e);
  }
  buf_free(&b);
  if (rc)
    json_object_put(l);
  else
    *out = l;
  return rc;
}

TMPL__FN(fn_to_strings)
{
  struct json_object *l;
  int rc = strslice(argv[0].o, &l);
  return rc ? rc : tmpl__ret(out, l);
}

TMPL__FN(fn_join)
{
  size_t sn;
  const char *sep = tmpl__str(&argv[0], &sn);
  struct json_object *l;
  int rc = strslice(argv[1].o, &l);
  if (rc)
    return rc;
  struct buf b;
  buf_init(&b, 0);
  for (size_t i = 0; !rc && i < json_object_array_length(l); i++) {
    struct json_object *e = json_object_array_get_idx(l, i);
    if (i > 0)
      rc = buf_append(&b, sep, sn);
    if (!rc)
      rc = buf_append(&b, json_object_get_string(e),
                      (size_t)json_object_get_string_len(e));
    if (!rc && b.len > tmpl_call_max_output(c))
      rc = tmpl__check_size(c, b.len);
  }
  json_object_put(l);
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

static int cmp_json_str(const void *a, const void *b)
{
  struct json_object *x = *(struct json_object *const *)a;
  struct json_object *y = *(struct json_object *const *)b;
  size_t lx = (size_t)json_object_get_string_len(x);
  size_t ly = (size_t)json_object_get_string_len(y);
  int r = memcmp(json_object_get_string(x), json_object_get_string(y),
                 lx < ly ? lx : ly);
  return r ? r : (lx > ly) - (lx < ly);
}

/* sortAlpha: strslice sorted bytewise; a non-slice gives [strval v]. */
TMPL__FN(fn_sort_alpha)
{
  struct json_object *l;
  int rc = 0;
  if (tmpl__is_slice(argv[0].o)) {
    struct json_object *src;
    rc = strslice(argv[0].o, &src);
    if (rc)
      return rc;
    l = json_object_new_array();
    for (size_t i = 0; l && i < json_object_array_length(src); i++)
      json_object_array_add(l,
                            json_object_get(json_object_array_get_idx(src, i)));
    json_object_put(src);
    if (!l)
      return -ENOMEM;
    json_object_array_sort(l, cmp_json_str);
    return tmpl__ret_typed(out, l, &tmpl_type_strings);
  }
  struct buf b;
  buf_init(&b, 0);
  rc = tmpl__strval(&b, argv[0].o);
  l = rc ? NULL : json_object_new_array();
  if (l && add_piece(b.data ? b.data : "", b.len, l)) {
    json_object_put(l);
    l = NULL;
  }
  buf_free(&b);
  if (rc)
    return rc;
  return tmpl__ret_typed(out, l, &tmpl_type_strings);
}

static const struct tmpl_func fns[] = {
    {"cat", fn_cat, "a*", NULL},
    {"contains", fn_contains, "ss", NULL},
    {"hasPrefix", fn_has_prefix, "ss", NULL},
    {"hasSuffix", fn_has_suffix, "ss", NULL},
    {"hello", fn_hello, "", NULL},
    {"indent", fn_indent, "is", NULL},
    {"join", fn_join, "sa", NULL},
    {"lower", fn_lower, "s", NULL},
    {"nindent", fn_nindent, "is", NULL},
    {"plural", fn_plural, "ssi", NULL},
    {"quote", fn_quote, "a*", NULL},
    {"repeat", fn_repeat, "is", NULL},
    {"replace", fn_replace, "sss", NULL},
    {"sortAlpha", fn_sort_alpha, "a", NULL},
    {"split", fn_split, "ss", NULL},
    {"splitList", fn_split_list, "ss", NULL},
    {"splitn", fn_splitn, "sis", NULL},
    {"squote", fn_squote, "a*", NULL},
    {"substr", fn_substr, "iis", NULL},
    {"title", fn_title, "s", NULL},
    {"toString", fn_to_string, "a", NULL},
    {"toStrings", fn_to_strings, "a", NULL},
    {"trim", fn_trim, "s", NULL},
    {"trimAll", fn_trim_all, "ss", NULL},
    {"trimPrefix", fn_trim_prefix, "ss", NULL},
    {"trimSuffix", fn_trim_suffix, "ss", NULL},
    {"trimall", fn_trim_all, "ss", NULL},
    {"trunc", fn_trunc, "is", NULL},
    {"upper", fn_upper, "s", NULL},
};

TMPL__TABLE(tmpl__sprig_str_fns, fns);
