/* tmpl_resyntax: the errors of Go's regexp/syntax parser (parse.go), so a
 * bad pattern in regexFind or mustRegexMatch reads as Helm shows it:
 * "error parsing regexp: missing closing ): `(`". lib/regex compiles with
 * PCRE2, which accepts more (lookarounds, backreferences) and words its
 * errors differently; this pass walks the pattern as Go's parser does
 * (Perl flags: PerlX, UnicodeGroups, ClassNL, OneLine) and reports the
 * first error Go would. It checks syntax only; PCRE2 still compiles. */
#include "tmpl_sprig_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct re_parse {
  const char *whole;
  size_t wlen;
  char *err;
  size_t cap;
  int depth;   /* open groups */
  int operand; /* the stack's top is an expression (not '(' or '|') */
};

static int re_error(struct re_parse *p, const char *code, const char *expr,
                    size_t n)
{
  snprintf(p->err, p->cap, "error parsing regexp: %s: `%.*s`", code, (int)n,
           expr);
  return -EINVAL;
}

/* nextRune: invalid UTF-8 is an error naming the rest of the text. */
static int next_rune(struct re_parse *p, const char *s, size_t n, uint32_t *r,
                     size_t *w)
{
  if (n == 0) {
    *r = 0xfffd;
    *w = 0;
    return 0;
  }
  *w = tmpl__utf8_decode((const unsigned char *)s, n, r);
  if (*r == 0xfffd && *w == 1 && !(n >= 3 && memcmp(s, "\xef\xbf\xbd", 3) == 0))
    return re_error(p, "invalid UTF-8", s, n);
  return 0;
}

static int unhex(uint32_t c)
{
  if (c >= '0' && c <= '9')
    return (int)c - '0';
  if (c >= 'a' && c <= 'f')
    return (int)c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return (int)c - 'A' + 10;
  return -1;
}

static int is_alnum(uint32_t c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z');
}

/* \x{...}: returns 1 and the length when well formed. */
static int hex_braces(const char *t, size_t n, size_t *used, uint32_t *r)
{
  size_t i = 0, nhex = 0;
  *r = 0;
  while (i < n && t[i] != '}') {
    int v = unhex((unsigned char)t[i]);
    if (v < 0)
      return 0;
    *r = *r * 16 + (uint32_t)v;
    if (*r > 0x10ffff)
      return 0;
    nhex++;
    i++;
  }
  if (i == n || nhex == 0)
    return 0;
  *used = i + 1;
  return 1;
}

/* parseEscape at s (a backslash): the rune and its length. */
static int parse_escape(struct re_parse *p, const char *s, size_t n,
                        uint32_t *r, size_t *used)
{
  if (n < 2)
    return re_error(p, "trailing backslash at end of expression", "", 0);
  uint32_t c;
  size_t w;
  int rc = next_rune(p, s + 1, n - 1, &c, &w);
  if (rc)
    return rc;
  size_t k = 1 + w; /* the escape read so far */
  *used = k;
  *r = c;
  if (c < 0x80 && !is_alnum(c))
    return 0;
  if (c >= '0' && c <= '7' &&
      (c == '0' || (k < n && s[k] >= '0' && s[k] <= '7'))) {
    for (int i = 1; i < 3 && k < n && s[k] >= '0' && s[k] <= '7'; i++)
      k++;
    *used = k;
    return 0;
  }
  if (c == 'x' && k < n) {
    uint32_t d;
    if ((rc = next_rune(p, s + k, n - k, &d, &w)))
      return rc;
    if (d == '{') {
      size_t u;
      if (hex_braces(s + k + 1, n - k - 1, &u, r)) {
        *used = k + 1 + u;
        return 0;
      }
      /* Go's error names what it had read: up to the bad character */
      size_t j = k + 1;
      while (j < n && s[j] != '}' && unhex((unsigned char)s[j]) >= 0)
        j++;
      return re_error(p, "invalid escape sequence", s, j < n ? j + 1 : n);
    }
    uint32_t e;
    size_t w2;
    if ((rc = next_rune(p, s + k + w, n - k - w, &e, &w2)))
      return rc;
    if (unhex(d) >= 0 && unhex(e) >= 0) {
      *used = k + w + w2;
      return 0;
    }
    return re_error(p, "invalid escape sequence", s, k + w + w2);
  }
  if (c && strchr("afnrtv", (int)c) && c < 0x80)
    return 0;
  return re_error(p, "invalid escape sequence", s, k);
}

static const char *const categories[] = {
    "Any", "C",  "Cc", "Cf", "Co", "Cs", "L",  "Ll", "Lm", "Lo",
    "Lt",  "Lu", "M",  "Mc", "Me", "Mn", "N",  "Nd", "Nl", "No",
    "P",   "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S",  "Sc",
    "Sk",  "Sm", "So", "Z",  "Zl", "Zp", "Zs"};

/* Go 1.23's unicode.Scripts (Unicode 15.0). */
static const char *const scripts[] = {"Adlam",
                                      "Ahom",
                                      "Anatolian_Hieroglyphs",
                                      "Arabic",
                                      "Armenian",
                                      "Avestan",
                                      "Balinese",
                                      "Bamum",
                                      "Bassa_Vah",
                                      "Batak",
                                      "Bengali",
                                      "Bhaiksuki",
                                      "Bopomofo",
                                      "Brahmi",
                                      "Braille",
                                      "Buginese",
                                      "Buhid",
                                      "Canadian_Aboriginal",
                                      "Carian",
                                      "Caucasian_Albanian",
                                      "Chakma",
                                      "Cham",
                                      "Cherokee",
                                      "Chorasmian",
                                      "Common",
                                      "Coptic",
                                      "Cuneiform",
                                      "Cypriot",
                                      "Cypro_Minoan",
                                      "Cyrillic",
                                      "Deseret",
                                      "Devanagari",
                                      "Dives_Akuru",
                                      "Dogra",
                                      "Duployan",
                                      "Egyptian_Hieroglyphs",
                                      "Elbasan",
                                      "Elymaic",
                                      "Ethiopic",
                                      "Georgian",
                                      "Glagolitic",
                                      "Gothic",
                                      "Grantha",
                                      "Greek",
                                      "Gujarati",
                                      "Gunjala_Gondi",
                                      "Gurmukhi",
                                      "Han",
                                      "Hangul",
                                      "Hanifi_Rohingya",
                                      "Hanunoo",
                                      "Hatran",
                                      "Hebrew",
                                      "Hiragana",
                                      "Imperial_Aramaic",
                                      "Inherited",
                                      "Inscriptional_Pahlavi",
                                      "Inscriptional_Parthian",
                                      "Javanese",
                                      "Kaithi",
                                      "Kannada",
                                      "Katakana",
                                      "Kawi",
                                      "Kayah_Li",
                                      "Kharoshthi",
                                      "Khitan_Small_Script",
                                      "Khmer",
                                      "Khojki",
                                      "Khudawadi",
                                      "Lao",
                                      "Latin",
                                      "Lepcha",
                                      "Limbu",
                                      "Linear_A",
                                      "Linear_B",
                                      "Lisu",
                                      "Lycian",
                                      "Lydian",
                                      "Mahajani",
                                      "Makasar",
                                      "Malayalam",
                                      "Mandaic",
                                      "Manichaean",
                                      "Marchen",
                                      "Masaram_Gondi",
                                      "Medefaidrin",
                                      "Meetei_Mayek",
                                      "Mende_Kikakui",
                                      "Meroitic_Cursive",
                                      "Meroitic_Hieroglyphs",
                                      "Miao",
                                      "Modi",
                                      "Mongolian",
                                      "Mro",
                                      "Multani",
                                      "Myanmar",
                                      "Nabataean",
                                      "Nag_Mundari",
                                      "Nandinagari",
                                      "New_Tai_Lue",
                                      "Newa",
                                      "Nko",
                                      "Nushu",
                                      "Nyiakeng_Puachue_Hmong",
                                      "Ogham",
                                      "Ol_Chiki",
                                      "Old_Hungarian",
                                      "Old_Italic",
                                      "Old_North_Arabian",
                                      "Old_Permic",
                                      "Old_Persian",
                                      "Old_Sogdian",
                                      "Old_South_Arabian",
                                      "Old_Turkic",
                                      "Old_Uyghur",
                                      "Oriya",
                                      "Osage",
                                      "Osmanya",
                                      "Pahawh_Hmong",
                                      "Palmyrene",
                                      "Pau_Cin_Hau",
                                      "Phags_Pa",
                                      "Phoenician",
                                      "Psalter_Pahlavi",
                                      "Rejang",
                                      "Runic",
                                      "Samaritan",
                                      "Saurashtra",
                                      "Sharada",
                                      "Shavian",
                                      "Siddham",
                                      "SignWriting",
                                      "Sinhala",
                                      "Sogdian",
                                      "Sora_Sompeng",
                                      "Soyombo",
                                      "Sundanese",
                                      "Syloti_Nagri",
                                      "Syriac",
                                      "Tagalog",
                                      "Tagbanwa",
                                      "Tai_Le",
                                      "Tai_Tham",
                                      "Tai_Viet",
                                      "Takri",
                                      "Tamil",
                                      "Tangsa",
                                      "Tangut",
                                      "Telugu",
                                      "Thaana",
                                      "Thai",
                                      "Tibetan",
                                      "Tifinagh",
                                      "Tirhuta",
                                      "Toto",
                                      "Ugaritic",
                                      "Vai",
                                      "Vithkuqi",
                                      "Wancho",
                                      "Warang_Citi",
                                      "Yezidi",
                                      "Yi",
                                      "Zanabazar_Square"};

static int in_list(const char *const *l, size_t k, const char *s, size_t n)
{
  for (size_t i = 0; i < k; i++)
    if (strlen(l[i]) == n && memcmp(l[i], s, n) == 0)
      return 1;
  return 0;
}

/* A Unicode table name Go knows: "Any", a category or a script. */
static int unicode_name(const char *s, size_t n)
{
  return in_list(categories, sizeof categories / sizeof categories[0], s, n) ||
         in_list(scripts, sizeof scripts / sizeof scripts[0], s, n);
}

/* parseUnicodeClass: 0 when s is not \p or \P; *used set when it is. */
static int unicode_class(struct re_parse *p, const char *s, size_t n,
                         size_t *used)
{
  *used = 0;
  if (n < 2 || s[0] != '\\' || (s[1] != 'p' && s[1] != 'P'))
    return 0;
  uint32_t c;
  size_t w;
  int rc = next_rune(p, s + 2, n - 2, &c, &w);
  if (rc)
    return rc;
  const char *name = s + 2;
  size_t nn = w, seq = 2 + w;
  if (c == '{') {
    const char *end = memchr(s, '}', n);
    if (!end)
      return re_error(p, "invalid character class range", s, n);
    seq = (size_t)(end - s) + 1;
    name = s + 3;
    nn = seq - 4;
  }
  if (nn > 0 && name[0] == '^') {
    name++;
    nn--;
  }
  if (!unicode_name(name, nn))
    return re_error(p, "invalid character class range", s, seq);
  *used = seq;
  return 0;
}

static const char *const posix[] = {"alnum", "alpha", "ascii", "blank", "cntrl",
                                    "digit", "graph", "lower", "print", "punct",
                                    "space", "upper", "word",  "xdigit"};

/* [:name:] inside a class; *used 0 when there is none. */
static int named_class(struct re_parse *p, const char *t, size_t n,
                       size_t *used)
{
  *used = 0;
  if (n < 3 || t[0] != '[' || t[1] != ':')
    return 0;
  const char *end = NULL;
  for (size_t i = 2; i + 1 < n; i++)
    if (t[i] == ':' && t[i + 1] == ']') {
      end = t + i;
      break;
    }
  if (!end)
    return 0;
  size_t len = (size_t)(end - t) + 2;
  const char *name = t + 2 + (t[2] == '^');
  size_t nn = (size_t)(end - name);
  for (size_t i = 0; i < sizeof posix / sizeof posix[0]; i++)
    if (strlen(posix[i]) == nn && memcmp(posix[i], name, nn) == 0) {
      *used = len;
      return 0;
    }
  return re_error(p, "invalid character class range", t, len);
}

static int perl_class(const char *t, size_t n)
{
  return n >= 2 && t[0] == '\\' && t[1] && strchr("dDsSwW", t[1]);
}

/* parseClassChar */
static int class_char(struct re_parse *p, const char *t, size_t n,
                      const char *whole, size_t wn, uint32_t *r, size_t *used)
{
  if (n == 0)
    return re_error(p, "missing closing ]", whole, wn);
  if (t[0] == '\\')
    return parse_escape(p, t, n, r, used);
  return next_rune(p, t, n, r, used);
}

/* parseClass: s is at '['; *used is the class's length. */
static int parse_class(struct re_parse *p, const char *s, size_t n,
                       size_t *used)
{
  size_t i = 1;
  int first = 1, rc = 0;
  if (i < n && s[i] == '^')
    i++;
  while (!rc && (i == n || s[i] != ']' || first)) {
    first = 0;
    size_t u;
    if ((rc = named_class(p, s + i, n - i, &u)) || u) {
      i += u;
      continue;
    }
    if ((rc = unicode_class(p, s + i, n - i, &u)) || u) {
      i += u;
      continue;
    }
    if (perl_class(s + i, n - i)) {
      i += 2;
      continue;
    }
    uint32_t lo, hi;
    size_t start = i;
    if ((rc = class_char(p, s + i, n - i, s, n, &lo, &u)))
      break;
    i += u;
    if (n - i >= 2 && s[i] == '-' && s[i + 1] != ']') {
      i++;
      if ((rc = class_char(p, s + i, n - i, s, n, &hi, &u)))
        break;
      i += u;
      if (hi < lo)
        rc = re_error(p, "invalid character class range", s + start, i - start);
    }
  }
  *used = i + 1;
  return rc;
}

/* parsePerlFlags: s is at "(?". */
static int perl_flags(struct re_parse *p, const char *s, size_t n, size_t *used)
{
  if ((n > 4 && s[2] == 'P' && s[3] == '<') || (n > 3 && s[2] == '<')) {
    size_t begin = s[2] == '<' ? 3 : 4;
    const char *end = memchr(s, '>', n);
    if (!end)
      return re_error(p, "invalid named capture", s, n);
    size_t cap = (size_t)(end - s) + 1;
    if (cap - 1 == begin)
      return re_error(p, "invalid named capture", s, cap);
    for (size_t i = begin; i < cap - 1;) {
      uint32_t r;
      size_t w =
          tmpl__utf8_decode((const unsigned char *)s + i, cap - 1 - i, &r);
      if (r != '_' && !tmpl__uni_is_letter(r) && !tmpl__uni_is_digit(r))
        return re_error(p, "invalid named capture", s, cap);
      i += w;
    }
    p->depth++;
    p->operand = 0;
    *used = cap;
    return 0;
  }
  int neg = 0, saw = 0;
  for (size_t i = 2; i < n;) {
    uint32_t c;
    size_t w;
    int rc = next_rune(p, s + i, n - i, &c, &w);
    if (rc)
      return rc;
    i += w;
    if (c == 'i' || c == 'm' || c == 's' || c == 'U') {
      saw = 1;
    } else if (c == '-' && !neg) {
      neg = 1;
      saw = 0;
    } else if ((c == ':' || c == ')') && !(neg && !saw)) {
      if (c == ':') {
        p->depth++;
        p->operand = 0;
      }
      *used = i;
      return 0;
    } else {
      return re_error(p, "invalid or unsupported Perl syntax", s, i);
    }
  }
  return re_error(p, "invalid or unsupported Perl syntax", s, n);
}

/* Go's parseInt for repeat counts: -1 past 1e8; 0 when no digits. */
static int repeat_int(const char *s, size_t n, size_t *i, long *v)
{
  if (*i >= n || s[*i] < '0' || s[*i] > '9')
    return 0;
  if (n - *i >= 2 && s[*i] == '0' && s[*i + 1] >= '0' && s[*i + 1] <= '9')
    return 0;
  *v = 0;
  for (; *i < n && s[*i] >= '0' && s[*i] <= '9'; (*i)++)
    if (*v >= 0)
      *v = *v >= 100000000 ? -1 : *v * 10 + (s[*i] - '0');
  return 1;
}

/* parseRepeat: {n}, {n,}, {n,m}; 0 when s is a literal '{'. */
static int parse_repeat(const char *s, size_t n, long *min, long *max,
                        size_t *used)
{
  size_t i = 1;
  if (!repeat_int(s, n, &i, min) || i == n)
    return 0;
  *max = *min;
  if (s[i] == ',') {
    i++;
    if (i == n)
      return 0;
    if (s[i] == '}')
      *max = -1;
    else if (!repeat_int(s, n, &i, max))
      return 0;
    else if (*max < 0)
      *min = -1;
  }
  if (i == n || s[i] != '}')
    return 0;
  *used = i + 1;
  return 1;
}

/* p.repeat: the operator text is s[0:len); a following '?' is part of it. */
static int repeat_op(struct re_parse *p, const char *s, size_t n, size_t len,
                     const char *last, size_t last_n, size_t *used)
{
  size_t after = len < n && s[len] == '?' ? len + 1 : len;
  if (last)
    return re_error(p, "invalid nested repetition operator", last,
                    last_n + after);
  if (!p->operand)
    return re_error(p, "missing argument to repetition operator", s, after);
  *used = after;
  return 0;
}

static int escape_item(struct re_parse *p, const char *t, size_t n,
                       size_t *used)
{
  if (n >= 2 && t[1] && strchr("AbBz", t[1])) {
    *used = 2;
    return 0;
  }
  if (n >= 2 && t[1] == 'C')
    return re_error(p, "invalid escape sequence", t, 2);
  if (n >= 2 && t[1] == 'Q') {
    const char *e = NULL;
    for (size_t i = 2; i + 1 < n; i++)
      if (t[i] == '\\' && t[i + 1] == 'E') {
        e = t + i;
        break;
      }
    *used = e ? (size_t)(e - t) + 2 : n;
    return 0;
  }
  int rc = unicode_class(p, t, n, used);
  if (rc || *used)
    return rc;
  if (perl_class(t, n)) {
    *used = 2;
    return 0;
  }
  uint32_t r;
  return parse_escape(p, t, n, &r, used);
}

/* One step of the main loop at t; sets *used, *was_repeat. */
static int re_step(struct re_parse *p, const char *t, size_t n,
                   const char *last, size_t last_n, size_t *used,
                   int *was_repeat)
{
  long min, max;
  *was_repeat = 0;
  switch (t[0]) {
  case '(':
    if (n >= 2 && t[1] == '?')
      return perl_flags(p, t, n, used);
    p->depth++;
    p->operand = 0;
    *used = 1;
    return 0;
  case '|':
    p->operand = 0;
    *used = 1;
    return 0;
  case ')':
    if (p->depth == 0)
      return re_error(p, "unexpected )", p->whole, p->wlen);
    p->depth--;
    p->operand = 1;
    *used = 1;
    return 0;
  case '[':
    p->operand = 1;
    return parse_class(p, t, n, used);
  case '*':
  case '+':
  case '?':
    *was_repeat = 1;
    return repeat_op(p, t, n, 1, last, last_n, used);
  case '{':
    if (!parse_repeat(t, n, &min, &max, used))
      break;
    if (min < 0 || min > 1000 || max > 1000 || (max >= 0 && min > max))
      return re_error(p, "invalid repeat count", t, *used);
    *was_repeat = 1;
    return repeat_op(p, t, n, *used, last, last_n, used);
  case '\\':
    p->operand = 1;
    return escape_item(p, t, n, used);
  }
  uint32_t r;
  p->operand = 1;
  return next_rune(p, t, n, &r, used);
}

int tmpl__regex_syntax(const char *s, size_t n, char *err, size_t cap)
{
  struct re_parse p = {s, n, err, cap, 0, 0};
  const char *last = NULL;
  size_t last_n = 0;
  for (size_t i = 0; i < n;) {
    size_t used = 0;
    int was_repeat;
    int rc = re_step(&p, s + i, n - i, last, last_n, &used, &was_repeat);
    if (rc)
      return rc;
    if (p.depth > 1000)
      return re_error(&p, "expression nests too deeply", s, n);
    last = was_repeat ? s + i : NULL;
    last_n = was_repeat ? used : 0;
    i += used ? used : 1;
  }
  if (p.depth)
    return re_error(&p, "missing closing )", s, n);
  return 0;
}
