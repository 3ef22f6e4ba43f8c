/* tmpl_sprig_case: Go's unicode classes and the case and word functions
 * Sprig takes from Masterminds/goutils (untitle, nospace, initials,
 * swapcase, wrap, wrapWith, abbrev, abbrevboth) and huandu/xstrings v1.5
 * (snakecase, kebabcase, camelcase = ToPascalCase, shuffle).
 *
 * Several goutils functions read a string byte by byte and treat each byte
 * as a rune (nospace, initials): a byte >= 0x80 comes out re-encoded as a
 * two-byte character, and the bytes 0x85 and 0xA0 count as spaces. That
 * is what Helm prints, so it is what we print.
 *
 * Unicode classes are exact in Latin-1 (Go's tables); above it they come
 * from glibc's C.UTF-8 tables, which can differ from Go's Unicode version
 * for rare characters, and digits beyond ASCII are not recognised. */
#include "tmpl_sprig_int.h"

#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

/* ---- Unicode ---- */

static locale_t uni_loc;
static pthread_once_t uni_once = PTHREAD_ONCE_INIT;

static void uni_init(void)
{
  uni_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static locale_t uni_locale(void)
{
  pthread_once(&uni_once, uni_init);
  return uni_loc;
}

int tmpl__uni_is_space(uint32_t r)
{
  switch (r) {
  case '\t':
  case '\n':
  case '\v':
  case '\f':
  case '\r':
  case ' ':
  case 0x85:
  case 0xa0:
  case 0x1680:
  case 0x2028:
  case 0x2029:
  case 0x202f:
  case 0x205f:
  case 0x3000:
    return 1;
  default:
    return r >= 0x2000 && r <= 0x200a;
  }
}

int tmpl__uni_is_upper(uint32_t r)
{
  if (r < 0x100)
    return (r >= 'A' && r <= 'Z') || (r >= 0xc0 && r <= 0xde && r != 0xd7);
  locale_t l = uni_locale();
  return l && iswupper_l((wint_t)r, l) && !tmpl__uni_is_title(r);
}

int tmpl__uni_is_lower(uint32_t r)
{
  if (r < 0x100)
    return (r >= 'a' && r <= 'z') || r == 0xb5 || (r >= 0xdf && r != 0xf7);
  locale_t l = uni_locale();
  return l && iswlower_l((wint_t)r, l) && !tmpl__uni_is_title(r);
}

int tmpl__uni_is_title(uint32_t r)
{
  return r == 0x1c5 || r == 0x1c8 || r == 0x1cb || r == 0x1f2 ||
         (r >= 0x1f88 && r <= 0x1f8f) || (r >= 0x1f98 && r <= 0x1f9f) ||
         (r >= 0x1fa8 && r <= 0x1faf) || r == 0x1fbc || r == 0x1fcc ||
         r == 0x1ffc;
}

int tmpl__uni_is_letter(uint32_t r)
{
  if (r < 0x100)
    return tmpl__uni_is_upper(r) || tmpl__uni_is_lower(r) || r == 0xaa ||
           r == 0xba;
  locale_t l = uni_locale();
  return l && iswalpha_l((wint_t)r, l);
}

int tmpl__uni_is_digit(uint32_t r)
{
  return r >= '0' && r <= '9';
}

int tmpl__uni_is_number(uint32_t r)
{
  return tmpl__uni_is_digit(r) || r == 0xb2 || r == 0xb3 || r == 0xb9 ||
         (r >= 0xbc && r <= 0xbe);
}

int tmpl__uni_is_punct(uint32_t r)
{
  if (r < 0x80)
    return r > ' ' && r < 0x7f &&
           strchr("!\"#%&'()*,-./:;?@[\\]_{}", (int)r) != NULL;
  if (r < 0x100)
    return r == 0xa1 || r == 0xa7 || r == 0xab || r == 0xb6 || r == 0xb7 ||
           r == 0xbb || r == 0xbf;
  locale_t l = uni_locale();
  return l && iswpunct_l((wint_t)r, l);
}

uint32_t tmpl__uni_to_upper(uint32_t r)
{
  if (r < 0x80)
    return r >= 'a' && r <= 'z' ? r - 32 : r;
  if (r < 0x100) {
    if (r == 0xb5)
      return 0x39c;
    if (r == 0xff)
      return 0x178;
    return r >= 0xe0 && r != 0xf7 ? r - 32 : r;
  }
  locale_t l = uni_locale();
  return l ? (uint32_t)towupper_l((wint_t)r, l) : r;
}

uint32_t tmpl__uni_to_lower(uint32_t r)
{
  if (r < 0x100)
    return (r >= 'A' && r <= 'Z') || (r >= 0xc0 && r <= 0xde && r != 0xd7)
               ? r + 32
               : r;
  locale_t l = uni_locale();
  return l ? (uint32_t)towlower_l((wint_t)r, l) : r;
}

uint32_t tmpl__uni_to_title(uint32_t r)
{
  /* the digraphs whose title case differs from their upper case */
  static const uint32_t digraphs[][2] = {
      {0x1c4, 0x1c6}, {0x1c7, 0x1c9}, {0x1ca, 0x1cc}, {0x1f1, 0x1f3}};
  for (size_t i = 0; i < 4; i++)
    if (r >= digraphs[i][0] && r <= digraphs[i][1])
      return digraphs[i][0] + 1;
  return tmpl__uni_to_upper(r);
}

/* ---- Runes ---- */

struct runes {
  uint32_t *r;
  size_t n;
};

/* Go's []rune(s): invalid bytes become U+FFFD. */
static int runes_of(const char *s, size_t n, struct runes *out)
{
  out->r = malloc((n ? n : 1) * sizeof *out->r);
  out->n = 0;
  if (!out->r)
    return -ENOMEM;
  for (size_t i = 0; i < n;)
    i += tmpl__utf8_decode((const unsigned char *)s + i, n - i,
                           &out->r[out->n++]);
  return 0;
}

static int ret_runes(struct tmpl_value *out, struct runes *rs)
{
  struct buf b;
  buf_init(&b, 0);
  int rc = buf_reserve(&b, rs->n * 4 + 1);
  for (size_t i = 0; !rc && i < rs->n; i++)
    rc = tmpl__utf8_encode(&b, rs->r[i]);
  free(rs->r);
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

/* goutils.Uncapitalize: the first rune of each space-separated word. */
TMPL__FN(fn_untitle)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  struct runes rs;
  if (runes_of(s, n, &rs))
    return -ENOMEM;
  int next = 1;
  for (size_t i = 0; i < rs.n; i++) {
    if (tmpl__uni_is_space(rs.r[i])) {
      next = 1;
    } else if (next) {
      rs.r[i] = tmpl__uni_to_lower(rs.r[i]);
      next = 0;
    }
  }
  return ret_runes(out, &rs);
}

/* goutils.SwapCase */
TMPL__FN(fn_swapcase)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  struct runes rs;
  if (runes_of(s, n, &rs))
    return -ENOMEM;
  int space = 1;
  for (size_t i = 0; i < rs.n; i++) {
    uint32_t r = rs.r[i];
    if (tmpl__uni_is_upper(r) || tmpl__uni_is_title(r)) {
      rs.r[i] = tmpl__uni_to_lower(r);
      space = 0;
    } else if (tmpl__uni_is_lower(r)) {
      rs.r[i] = space ? tmpl__uni_to_title(r) : tmpl__uni_to_upper(r);
      space = 0;
    } else {
      space = tmpl__uni_is_space(r);
    }
  }
  return ret_runes(out, &rs);
}

/* xstrings.Shuffle: the runes in a random order. */
TMPL__FN(fn_shuffle)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  struct runes rs;
  if (runes_of(s, n, &rs))
    return -ENOMEM;
  for (size_t i = rs.n; i > 1; i--) {
    size_t j = (size_t)tmpl__random_below(i);
    uint32_t t = rs.r[i - 1];
    rs.r[i - 1] = rs.r[j];
    rs.r[j] = t;
  }
  return ret_runes(out, &rs);
}

/* goutils.DeleteWhiteSpace: byte by byte, each byte taken as a rune. */
TMPL__FN(fn_nospace)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  struct buf b;
  buf_init(&b, 0);
  int rc = 0, removed = 0;
  for (size_t i = 0; !rc && i < n; i++) {
    uint32_t ch = (unsigned char)s[i];
    if (tmpl__uni_is_space(ch))
      removed = 1;
    else
      rc = tmpl__utf8_encode(&b, ch);
  }
  if (!removed) {
    buf_free(&b);
    return tmpl__ret_str(out, s, n);
  }
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

/* goutils.Initials: the first byte of each space-separated word. */
TMPL__FN(fn_initials)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  struct buf b;
  buf_init(&b, 0);
  int rc = 0, gap = 1;
  for (size_t i = 0; !rc && i < n; i++) {
    uint32_t ch = (unsigned char)s[i];
    if (tmpl__uni_is_space(ch)) {
      gap = 1;
    } else if (gap) {
      rc = tmpl__utf8_encode(&b, ch);
      gap = 0;
    }
  }
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

/* ---- goutils.WrapCustom (bytes, not runes) ---- */

static const char *last_space(const char *s, size_t n)
{
  for (size_t i = n; i > 0; i--)
    if (s[i - 1] == ' ')
      return s + i - 1;
  return NULL;
}

static int wrap_long(struct buf *b, const char *s, size_t len, size_t *off,
                     size_t width, const char *nl, size_t nln, int long_words)
{
  int rc;
  if (long_words) {
    rc = buf_append(b, s + *off, width);
    if (!rc)
      rc = buf_append(b, nl, nln);
    *off += width;
    return rc;
  }
  size_t end = width + *off;
  const char *sp = memchr(s + end, ' ', len - end);
  if (!sp) {
    rc = buf_append(b, s + *off, len - *off);
    *off = len;
    return rc;
  }
  rc = buf_append(b, s + *off, (size_t)(sp - (s + *off)));
  if (!rc)
    rc = buf_append(b, nl, nln);
  *off = (size_t)(sp - s) + 1;
  return rc;
}

static int wrap_into(struct buf *b, const char *s, size_t len, int64_t w,
                     const char *nl, size_t nln, int long_words)
{
  if (len == 0)
    return buf_append(b, "", 0);
  if (nln == 0)
    nl = "\n", nln = 1;
  if (w < 1)
    w = 1;
  size_t off = 0;
  int rc = 0;
  while (!rc && (uint64_t)(len - off) > (uint64_t)w) {
    if (s[off] == ' ') {
      off++;
      continue;
    }
    const char *sp = last_space(s + off, (size_t)w + 1);
    if (sp) {
      rc = buf_append(b, s + off, (size_t)(sp - (s + off)));
      if (!rc)
        rc = buf_append(b, nl, nln);
      off = (size_t)(sp - s) + 1;
    } else {
      rc = wrap_long(b, s, len, &off, (size_t)w, nl, nln, long_words);
    }
  }
  if (!rc)
    rc = buf_append(b, s + off, len - off);
  return rc ? rc : buf_append(b, "", 0);
}

TMPL__FN(fn_wrap)
{
  size_t n;
  const char *s = tmpl__str(&argv[1], &n);
  struct buf b;
  buf_init(&b, 0);
  int rc = wrap_into(&b, s, n, tmpl__int(&argv[0]), "", 0, 0);
  return tmpl__ret_buf(out, &b, rc);
}

TMPL__FN(fn_wrap_with)
{
  size_t n, sn;
  const char *sep = tmpl__str(&argv[1], &sn), *s = tmpl__str(&argv[2], &n);
  struct buf b;
  buf_init(&b, 0);
  int rc = wrap_into(&b, s, n, tmpl__int(&argv[0]), sep, sn, 1);
  if (!rc && b.len > tmpl_call_max_output(c))
    rc = tmpl__check_size(c, b.len);
  return tmpl__ret_buf(out, &b, rc);
}

/* ---- goutils.AbbreviateFull ---- */

/* Returns 0 and the result, or 1 for goutils' "illegal argument" error
 * (Sprig then prints ""). */
static int abbreviate(struct buf *b, const char *s, size_t n, int64_t off,
                      int64_t max)
{
  int64_t len = (int64_t)n;
  if (n == 0)
    return 0;
  if (max < 4)
    return 1;
  if (len <= max)
    return buf_append(b, s, n) ? -ENOMEM : 0;
  if (off > len)
    off = len;
  if (len - off < max - 3)
    off = len - (max - 3);
  if (off <= 4) {
    int rc = buf_append(b, s, (size_t)(max - 3));
    return rc ? rc : buf_append(b, "...", 3);
  }
  if (max < 7)
    return 1;
  int rc = buf_append(b, "...", 3);
  if (rc)
    return rc;
  if (off + max - 3 < len)
    return abbreviate(b, s + off, (size_t)(len - off), 0, max - 3);
  return buf_append(b, s + len - (max - 3), (size_t)(max - 3));
}

static int ret_abbrev(struct tmpl_value *out, const char *s, size_t n,
                      int64_t off, int64_t max)
{
  struct buf b;
  buf_init(&b, 0);
  int rc = abbreviate(&b, s, n, off, max);
  if (rc == 1) {
    buf_reset(&b);
    rc = 0;
  }
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

TMPL__FN(fn_abbrev)
{
  int64_t w = tmpl__int(&argv[0]);
  size_t n;
  const char *s = tmpl__str(&argv[1], &n);
  if (w < 4)
    return tmpl__ret_str(out, s, n);
  return ret_abbrev(out, s, n, 0, w);
}

TMPL__FN(fn_abbrevboth)
{
  int64_t l = tmpl__int(&argv[0]), r = tmpl__int(&argv[1]);
  size_t n;
  const char *s = tmpl__str(&argv[2], &n);
  if (r < 4 || (l > 0 && r < 7))
    return tmpl__ret_str(out, s, n);
  return ret_abbrev(out, s, n, l, r);
}

/* ---- xstrings: snake, kebab and Pascal case ---- */

static int is_connector(uint32_t r)
{
  return r == '-' || r == '_' || tmpl__uni_is_space(r);
}

/* xstrings' isAlphabet: a letter that is not CJK. */
static int is_alphabet(uint32_t r)
{
  if (!tmpl__uni_is_letter(r))
    return 0;
  if (r < 0x3400)
    return 1;
  return !((r >= 0x4e00 && r <= 0x9fcc) || (r >= 0x3400 && r <= 0x4d85) ||
           (r >= 0x20000 && r <= 0x2b81d));
}

enum word_type {
  W_INVALID,
  W_NUMBER,
  W_UPPER,
  W_ALPHA,
  W_CONN,
  W_PUNCT,
  W_OTHER
};

struct str {
  const char *s;
  size_t n;
};

static struct str str_from(struct str s, size_t off)
{
  return (struct str){s.s + off, s.n - off};
}

/* xstrings' nextValidRune: skips runes that decode as U+FFFD; all bytes
 * invalid gives prev. Returns the bytes used. */
static size_t next_valid(struct str s, uint32_t prev, uint32_t *r)
{
  size_t size = 0;
  while (s.n > 0) {
    size_t w = tmpl__utf8_decode((const unsigned char *)s.s, s.n, r);
    size += w;
    if (*r != 0xfffd)
      return size;
    s = str_from(s, w);
  }
  *r = prev;
  return size;
}

typedef int (*rune_class)(uint32_t);

static int not_upper_alpha(uint32_t r)
{
  return is_alphabet(r) && !tmpl__uni_is_upper(r);
}

/* Extends a word while runes are in cls; returns the last rune read. */
static uint32_t extend(struct str *rem, size_t *off, uint32_t r, rune_class cls)
{
  while (rem->n > 0) {
    size_t size = next_valid(*rem, r, &r);
    if (!cls(r))
      break;
    *off += size;
    *rem = str_from(*rem, size);
  }
  return r;
}

static int other_word(uint32_t r)
{
  return !(is_connector(r) || is_alphabet(r) || tmpl__uni_is_number(r) ||
           tmpl__uni_is_punct(r));
}

/* An upper-case word: "HTTPStatus" splits as "HTTP", "Status". */
static void upper_word(struct str s, struct str *rem, size_t *off, uint32_t r)
{
  if (rem->n == 0)
    return;
  size_t size = next_valid(*rem, r, &r);
  if (tmpl__uni_is_upper(r)) {
    size_t prev = size;
    *off += size;
    *rem = str_from(*rem, size);
    while (rem->n > 0) {
      size = next_valid(*rem, r, &r);
      if (!tmpl__uni_is_upper(r))
        break;
      prev = size;
      *off += size;
      *rem = str_from(*rem, size);
    }
    if (rem->n > 0 && is_alphabet(r)) {
      *off -= prev;
      *rem = str_from(s, *off);
    }
  } else if (is_alphabet(r)) {
    *off += size;
    *rem = str_from(*rem, size);
    extend(rem, off, r, not_upper_alpha);
  }
}

static enum word_type next_word(struct str s, struct str *word, struct str *rem)
{
  *word = *rem = (struct str){s.s + s.n, 0};
  if (s.n == 0)
    return W_INVALID;
  uint32_t r;
  size_t off = next_valid(s, 0xfffd, &r);
  *rem = str_from(s, off);
  enum word_type wt;
  if (r == 0xfffd) {
    wt = W_INVALID;
  } else if (is_connector(r)) {
    wt = W_CONN;
    extend(rem, &off, r, is_connector);
  } else if (tmpl__uni_is_punct(r)) {
    wt = W_PUNCT;
    extend(rem, &off, r, tmpl__uni_is_punct);
  } else if (tmpl__uni_is_upper(r)) {
    wt = W_UPPER;
    upper_word(s, rem, &off, r);
  } else if (is_alphabet(r)) {
    wt = W_ALPHA;
    extend(rem, &off, r, not_upper_alpha);
  } else if (tmpl__uni_is_number(r)) {
    wt = W_NUMBER;
    extend(rem, &off, r, tmpl__uni_is_number);
  } else {
    wt = W_OTHER;
    extend(rem, &off, r, other_word);
  }
  *word = (struct str){s.s, off};
  return wt;
}

/* xstrings' toLower: upper-case and connector words rune by rune. */
static int to_lower(struct buf *b, enum word_type wt, struct str w, char conn)
{
  if (wt != W_UPPER && wt != W_CONN)
    return buf_append(b, w.s, w.n);
  int rc = 0;
  for (size_t i = 0; !rc && i < w.n;) {
    uint32_t r;
    i += tmpl__utf8_decode((const unsigned char *)w.s + i, w.n - i, &r);
    if (is_connector(r))
      rc = buf_putc(b, conn);
    else
      rc = tmpl__utf8_encode(b,
                             tmpl__uni_is_upper(r) ? tmpl__uni_to_lower(r) : r);
  }
  return rc;
}

struct words {
  struct buf *b;
  char conn;
  enum word_type wt;
  struct str word, rem;
  int rc;
};

static void words_next(struct words *w)
{
  w->wt = next_word(w->rem, &w->word, &w->rem);
}

static void words_lower(struct words *w, enum word_type wt, struct str s)
{
  if (!w->rc)
    w->rc = to_lower(w->b, wt, s, w->conn);
}

static void words_conn(struct words *w)
{
  if (!w->rc)
    w->rc = buf_putc(w->b, w->conn);
}

/* Letters and digits that run on after a number stay in its word. */
static void words_run(struct words *w)
{
  while (w->wt == W_ALPHA || w->wt == W_NUMBER) {
    words_lower(w, w->wt, w->word);
    words_next(w);
  }
}

/* After an alphabetic or upper-case word: a number joins it ("Bld4") or
 * starts a word of its own ("HTTP2xx" -> "http_2xx"). */
static void words_after_letters(struct words *w)
{
  if (w->wt != W_NUMBER) {
    if (w->wt != W_CONN && w->wt != W_PUNCT)
      words_conn(w);
    return;
  }
  if (w->rem.n == 0)
    return;
  struct str last = w->word;
  words_next(w);
  if (w->wt != W_ALPHA) {
    words_lower(w, W_NUMBER, last);
    if (w->wt != W_CONN && w->wt != W_PUNCT)
      words_conn(w);
    return;
  }
  words_conn(w);
  words_lower(w, W_NUMBER, last);
  words_run(w);
  if (w->wt != W_INVALID && w->wt != W_CONN && w->wt != W_PUNCT)
    words_conn(w);
}

/* xstrings' camelCaseToLowerCase */
static int camel_to_lower(struct buf *b, const char *s, size_t n, char conn)
{
  struct words w = {.b = b, .conn = conn, .rem = {s, n}};
  if (n == 0)
    return buf_append(b, "", 0);
  words_next(&w);
  while (w.rem.n > 0 && !w.rc) {
    if (w.wt != W_CONN)
      words_lower(&w, w.wt, w.word);
    enum word_type prev = w.wt;
    struct str last = w.word;
    words_next(&w);
    if (prev == W_NUMBER) {
      words_run(&w);
      if (w.wt != W_INVALID && w.wt != W_PUNCT && w.wt != W_CONN)
        words_conn(&w);
    } else if (prev == W_CONN) {
      words_lower(&w, prev, last);
    } else if (prev != W_PUNCT) {
      words_after_letters(&w);
    }
  }
  words_lower(&w, w.wt, w.word);
  return w.rc ? w.rc : buf_append(b, "", 0);
}

static int ret_case(struct tmpl_value *out, const struct tmpl_value *arg,
                    char conn)
{
  size_t n;
  const char *s = tmpl__str(arg, &n);
  struct buf b;
  buf_init(&b, 0);
  return tmpl__ret_buf(out, &b, camel_to_lower(&b, s, n, conn));
}

TMPL__FN(fn_snakecase)
{
  return ret_case(out, &argv[0], '_');
}

TMPL__FN(fn_kebabcase)
{
  return ret_case(out, &argv[0], '-');
}

/* xstrings.ToPascalCase: words split at connectors, each starting upper
 * case; a word that starts upper case has its following upper-case runes
 * lowered ("GOLANG_IS" -> "GolangIs"). Leading connectors are kept. */
static int pascal(struct buf *b, const char *s, size_t n)
{
  struct runes rs;
  if (runes_of(s, n, &rs))
    return -ENOMEM;
  int rc = 0, first_upper = 0;
  size_t i = 0;
  uint32_t r0 = 0;
  while (!rc && i < rs.n) {
    r0 = rs.r[i++];
    if (!is_connector(r0)) {
      first_upper = tmpl__uni_is_upper(r0);
      r0 = tmpl__uni_to_upper(r0);
      break;
    }
    rc = tmpl__utf8_encode(b, r0);
  }
  /* xstrings writes r0 again when nothing follows: "_" -> "__" */
  for (; !rc && i < rs.n; i++) {
    uint32_t r1 = r0;
    r0 = rs.r[i];
    if (is_connector(r0) && is_connector(r1)) {
      rc = tmpl__utf8_encode(b, r1);
    } else if (is_connector(r1)) {
      first_upper = tmpl__uni_is_upper(r0);
      r0 = tmpl__uni_to_upper(r0);
    } else {
      if (first_upper && tmpl__uni_is_upper(r0))
        r0 = tmpl__uni_to_lower(r0);
      else
        first_upper = 0;
      rc = tmpl__utf8_encode(b, r1);
    }
  }
  if (!rc && rs.n > 0)
    rc = tmpl__utf8_encode(b, r0);
  free(rs.r);
  return rc ? rc : buf_append(b, "", 0);
}

TMPL__FN(fn_camelcase)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  struct buf b;
  buf_init(&b, 0);
  return tmpl__ret_buf(out, &b, pascal(&b, s, n));
}

static const struct tmpl_func fns[] = {
    {"abbrev", fn_abbrev, "is", NULL},
    {"abbrevboth", fn_abbrevboth, "iis", NULL},
    {"camelcase", fn_camelcase, "s", NULL},
    {"initials", fn_initials, "s", NULL},
    {"kebabcase", fn_kebabcase, "s", NULL},
    {"nospace", fn_nospace, "s", NULL},
    {"shuffle", fn_shuffle, "s", NULL},
    {"snakecase", fn_snakecase, "s", NULL},
    {"swapcase", fn_swapcase, "s", NULL},
    {"untitle", fn_untitle, "s", NULL},
    {"wrap", fn_wrap, "is", NULL},
    {"wrapWith", fn_wrap_with, "iss", NULL},
};

TMPL__TABLE(tmpl__sprig_case_fns, fns);
