/* kyaml: libyaml events -> json-c values with sigs.k8s.io/yaml semantics.
 *
 * libyaml does the YAML syntax (its scanner and parser are the ancestors of
 * go-yaml's, so what one accepts the other does), after kyaml_fast.c's
 * scanner has had the first go: it reads block-style YAML, most of what
 * we see, several times faster, and hands the same events to the same
 * builder; whatever it does not take, libyaml reads. This file does what
 * go-yaml v2 and sigs.k8s.io/yaml do on top: YAML 1.1 scalar resolution,
 * merge keys, aliases, key stringification and the number types of the
 * JSON step. The tree is built with an explicit stack, so deep input costs
 * memory proportional to its depth, never C stack. */
#include "kyaml.h"

#include "buf.h"
#include "gonum.h"
#include "kjson.h"
#include "kyaml_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- YAML 1.1 resolution (go-yaml v2 resolve.go semantics) ---- */

static const char *const true_words[] = {"y",   "Y",    "yes",  "Yes",
                                         "YES", "true", "True", "TRUE",
                                         "on",  "On",   "ON",   NULL};
static const char *const false_words[] = {"n",   "N",     "no",    "No",
                                          "NO",  "false", "False", "FALSE",
                                          "off", "Off",   "OFF",   NULL};
static const char *const null_words[] = {"~", "null", "Null", "NULL", NULL};

static int word_in(const char *s, size_t n, const char *const *words)
{
  for (; *words; words++)
    if ((*words)[0] == s[0] && strlen(*words) == n && memcmp(*words, s, n) == 0)
      return 1;
  return 0;
}

static int is_digit(char c)
{
  return c >= '0' && c <= '9';
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static int yaml_style_float(const char *s, size_t n)
{
  size_t i = 0;
  if (i < n && (s[i] == '+' || s[i] == '-'))
    i++;
  if (i < n && s[i] == '.') {
    i++;
    size_t d = i;
    while (i < n && is_digit(s[i]))
      i++;
    if (i == d)
      return 0;
  } else {
    size_t d = i;
    while (i < n && is_digit(s[i]))
      i++;
    if (i == d)
      return 0;
    if (i < n && s[i] == '.') {
      i++;
      while (i < n && is_digit(s[i]))
        i++;
    }
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-'))
      i++;
    size_t d = i;
    while (i < n && is_digit(s[i]))
      i++;
    if (i == d)
      return 0;
  }
  return i == n;
}

/* Go's time getnum(s, false): one or two digits. */
static int get_num(const char **p, const char *end, int *v)
{
  const char *s = *p;
  if (s >= end || !is_digit(*s))
    return 0;
  *v = *s - '0';
  s++;
  if (s < end && is_digit(*s)) {
    *v = *v * 10 + (*s - '0');
    s++;
  }
  *p = s;
  return 1;
}

static int days_in(int month, int year)
{
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

/* "15:4:5" then an optional ".999999999" fraction (period or comma). */
static int parse_clock(const char **p, const char *end)
{
  int h, m, sec;
  const char *s = *p;
  if (!get_num(&s, end, &h) || h > 23 || s >= end || *s++ != ':' ||
      !get_num(&s, end, &m) || m > 59 || s >= end || *s++ != ':' ||
      !get_num(&s, end, &sec) || sec > 59)
    return 0;
  if (end - s >= 2 && (*s == '.' || *s == ',') && is_digit(s[1])) {
    s++;
    while (s < end && is_digit(*s))
      s++;
  }
  *p = s;
  return 1;
}

/* "Z07:00": Z, or +hh:mm / -hh:mm. */
static int parse_zone(const char **p, const char *end)
{
  const char *s = *p;
  if (s < end && *s == 'Z') {
    *p = s + 1;
    return 1;
  }
  if (end - s < 6 || (s[0] != '+' && s[0] != '-') || !is_digit(s[1]) ||
      !is_digit(s[2]) || s[3] != ':' || !is_digit(s[4]) || !is_digit(s[5]))
    return 0;
  /* Go accepts offsets up to 24 hours and 60 minutes. */
  int hours = (s[1] - '0') * 10 + (s[2] - '0');
  int minutes = (s[4] - '0') * 10 + (s[5] - '0');
  if (hours > 24 || minutes > 60)
    return 0;
  *p = s + 6;
  return 1;
}

/* The four layouts go-yaml v2 tries with time.Parse. */
static int looks_like_timestamp(const char *s, size_t n)
{
  const char *end = s + n, *p = s;
  size_t i = 0;
  while (i < n && is_digit(s[i]))
    i++;
  if (i != 4 || i == n || s[i] != '-')
    return 0;
  int year = atoi(s), month, day;
  p = s + 5;
  if (!get_num(&p, end, &month) || month < 1 || month > 12 || p >= end ||
      *p++ != '-' || !get_num(&p, end, &day) || day < 1 ||
      day > days_in(month, year))
    return 0;
  if (p == end)
    return 1;
  if (*p == 'T' || *p == 't') {
    p++;
    return parse_clock(&p, end) && parse_zone(&p, end) && p == end;
  }
  if (*p != ' ')
    return 0;
  while (p < end && *p == ' ')
    p++;
  return parse_clock(&p, end) && p == end;
}

/* Integers as go-yaml tries them: ParseInt, ParseUint, then 0b forms. */
static int resolve_int(const char *plain, size_t n, struct kyaml_scalar *out)
{
  if (gonum_parse_int(plain, n, 0, &out->i) == 0) {
    out->tag = KYAML_TAG_INT;
    return 1;
  }
  if (gonum_parse_uint(plain, n, 0, &out->u) == 0) {
    out->tag = KYAML_TAG_UINT;
    return 1;
  }
  return 0;
}

static int resolve_binary_int(const char *plain, size_t n,
                              struct kyaml_scalar *out)
{
  if (n > 2 && plain[0] == '0' && plain[1] == 'b') {
    if (gonum_parse_int(plain + 2, n - 2, 2, &out->i) == 0) {
      out->tag = KYAML_TAG_INT;
      return 1;
    }
    if (gonum_parse_uint(plain + 2, n - 2, 2, &out->u) == 0) {
      out->tag = KYAML_TAG_UINT;
      return 1;
    }
  } else if (n > 3 && memcmp(plain, "-0b", 3) == 0) {
    uint64_t u;
    if (gonum_parse_uint(plain + 3, n - 3, 2, &u) == 0 &&
        u <= (uint64_t)INT64_MAX + 1) {
      out->i = (int64_t)(0 - u);
      out->tag = KYAML_TAG_INT;
      return 1;
    }
  }
  return 0;
}

static int resolve_number(const char *s, size_t n, struct kyaml_scalar *out)
{
  if (looks_like_timestamp(s, n)) {
    out->tag = KYAML_TAG_TIMESTAMP;
    return 1;
  }
  char stack[128];
  char *plain = n < sizeof stack ? stack : malloc(n + 1);
  if (!plain)
    return 0;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] != '_')
      plain[k++] = s[i];
  int ok = resolve_int(plain, k, out);
  if (!ok && yaml_style_float(plain, k) &&
      gonum_parse_float(plain, k, &out->f) == 0) {
    out->tag = KYAML_TAG_FLOAT;
    ok = 1;
  }
  if (!ok)
    ok = resolve_binary_int(plain, k, out);
  if (plain != stack)
    free(plain);
  return ok;
}

static int resolve_special(const char *s, size_t n, struct kyaml_scalar *out)
{
  static const char *const nan_words[] = {".nan", ".NaN", ".NAN", NULL};
  static const char *const inf_words[] = {".inf",  ".Inf",  ".INF", "+.inf",
                                          "+.Inf", "+.INF", NULL};
  static const char *const ninf_words[] = {"-.inf", "-.Inf", "-.INF", NULL};
  if (n > 5) /* longer than any of the words */
    return 0;
  if (n == 0 || word_in(s, n, null_words)) {
    out->tag = KYAML_TAG_NULL;
  } else if (word_in(s, n, true_words) || word_in(s, n, false_words)) {
    out->tag = KYAML_TAG_BOOL;
    out->b = word_in(s, n, true_words);
  } else if (word_in(s, n, nan_words)) {
    out->tag = KYAML_TAG_FLOAT;
    out->f = NAN;
  } else if (word_in(s, n, inf_words) || word_in(s, n, ninf_words)) {
    out->tag = KYAML_TAG_FLOAT;
    out->f = word_in(s, n, inf_words) ? INFINITY : -INFINITY;
  } else {
    return 0;
  }
  return 1;
}

enum kyaml_tag kyaml_resolve(const char *s, size_t n, struct kyaml_scalar *out)
{
  memset(out, 0, sizeof *out);
  out->tag = KYAML_TAG_STR;
  if (n == 2 && s[0] == '<' && s[1] == '<') {
    out->tag = KYAML_TAG_MERGE;
    return out->tag;
  }
  /* Like go-yaml, only these first characters can start a non-string. */
  char c = n ? s[0] : 'N';
  if (!c || !strchr("+-0123456789yYnNtTfFoO~.", c))
    return out->tag;
  if (resolve_special(s, n, out))
    return out->tag;
  if (c == '.') {
    if (gonum_parse_float(s, n, &out->f) == 0)
      out->tag = KYAML_TAG_FLOAT;
  } else if (c == '+' || c == '-' || is_digit(c)) {
    resolve_number(s, n, out);
  }
  return out->tag;
}

/* ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
int kyaml_is_base60_float(const char *s, size_t n)
{
  if (!n || !(s[0] == '+' || s[0] == '-' || is_digit(s[0])) ||
      !memchr(s, ':', n))
    return 0;
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (i >= n || !is_digit(s[i]))
    return 0;
  while (i < n && (is_digit(s[i]) || s[i] == '_'))
    i++;
  int groups = 0;
  while (i < n && s[i] == ':') {
    i++;
    size_t d = i;
    while (i < n && is_digit(s[i]) && i - d < 2)
      i++;
    size_t len = i - d;
    if (len == 0 || (len == 2 && s[d] > '5'))
      return 0;
    groups++;
  }
  if (!groups)
    return 0;
  if (i < n && s[i] == '.') {
    i++;
    while (i < n && (is_digit(s[i]) || s[i] == '_'))
      i++;
  }
  return i == n;
}

/* ---- the tree builder ---- */

#define TAG_PREFIX "tag:yaml.org,2002:"

/* What a value costs in memory as json-c holds it, roughly: enough to keep
 * a document's tree within max_memory whatever its shape. */
#define COST_SCALAR 64
#define COST_SEQUENCE 176
#define COST_ITEM 16
#define COST_MAPPING 784
#define COST_KEY 48

struct frame {
  struct json_object *obj; /* object or array; NULL when skimmed */
  int is_map;
  int skimmed; /* deeper than keep_depth: read and checked, not kept */
  char *key;   /* pending key of an object, NULL when none */
  int merge;   /* the pending key is "<<" */
  long anchor; /* slot to fill when the node ends, or -1 */
  yaml_mark_t mark;
};

/* go-yaml registers an anchor when its node starts, so an alias inside the
 * node finds it open (and fails), and a later anchor of the same name
 * replaces it for what follows. */
struct anchor {
  struct json_object *obj; /* a reference we hold; NULL for null or open */
  int open;
};

struct builder {
  const struct kyaml_opts *opts;
  const char *name;
  int first_line;
  int max_depth;
  int keep_depth; /* 0: keep everything */
  size_t max_nodes;
  size_t max_memory;
  size_t nodes;       /* decoded, aliases expanded (go-yaml's decodeCount) */
  size_t alias_nodes; /* of those, the ones aliases brought */
  size_t memory;
  struct frame *stack;
  int depth;
  int cap;
  struct anchor *anchors;
  size_t nanchors;
  struct json_object *anchor_index; /* name -> slot number */
  struct json_object *root;
  struct err *e;
};

static int fail_at(struct builder *b, yaml_mark_t m, int code, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

static int fail_at(struct builder *b, yaml_mark_t m, int code, const char *fmt,
                   ...)
{
  char what[ERR_MSG_MAX / 2];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return err_set(b->e, code, "%s:%d:%d: %s", b->name,
                 (int)m.line + b->first_line, (int)m.column + 1, what);
}

/* go-yaml's rule against alias bombs: once past 1000 nodes, at most 99% of
 * them may come from aliases, falling to 10% at 4 million nodes. */
static double allowed_alias_ratio(size_t nodes)
{
  if (nodes <= 400000)
    return 0.99;
  if (nodes >= 4000000)
    return 0.10;
  return 0.99 - 0.89 * ((double)(nodes - 400000) / 3600000.0);
}

/* Counts n more nodes (worth `bytes` of memory) against the limits. */
static int charge(struct builder *b, yaml_mark_t m, size_t n, size_t bytes,
                  int from_alias)
{
  b->nodes += n;
  b->memory += bytes;
  if (from_alias)
    b->alias_nodes += n;
  if (b->alias_nodes > 100 && b->nodes > 1000 &&
      (double)b->alias_nodes / (double)b->nodes > allowed_alias_ratio(b->nodes))
    return fail_at(b, m, -E2BIG,
                   "document contains excessive aliasing: "
                   "aliases expand to %zu of its %zu nodes",
                   b->alias_nodes, b->nodes);
  if (b->nodes > b->max_nodes)
    return fail_at(b, m, -E2BIG, "document has more than %zu nodes",
                   b->max_nodes);
  if (b->memory > b->max_memory)
    return fail_at(b, m, -E2BIG,
                   "document needs more than %zu MiB of "
                   "memory once read",
                   b->max_memory >> 20);
  return 0;
}

static char *tag_of(const yaml_char_t *tag)
{
  return tag ? (char *)tag : NULL;
}

/* The go-yaml error for an explicit tag that does not fit the value. */
static int tag_mismatch(struct builder *b, yaml_mark_t m, const char *tag,
                        const char *value)
{
  return fail_at(b, m, -EINVAL, "cannot decode `%.200s` as a !!%s", value,
                 tag + strlen(TAG_PREFIX));
}

static int b64_value(int c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

/* Go's base64.StdEncoding: line breaks are skipped, padding is required,
 * anything else (spaces too) is an error. Returns the decoded length, or
 * -1. */
static long b64_decode(const char *s, size_t n, char *dec)
{
  size_t k = 0, quad = 0, pad = 0;
  unsigned acc = 0;
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)s[i], v;
    if (c == '\n' || c == '\r')
      continue;
    if (c == '=' && (quad + pad == 2 || quad + pad == 3)) {
      pad++;
      continue;
    }
    if (pad || (v = b64_value(c)) < 0)
      return -1;
    acc = acc << 6 | (unsigned)v;
    if (++quad == 4) {
      dec[k++] = (char)(acc >> 16);
      dec[k++] = (char)(acc >> 8);
      dec[k++] = (char)acc;
      quad = 0;
      acc = 0;
    }
  }
  if (quad && quad + pad != 4)
    return -1;
  if (quad >= 2)
    dec[k++] = (char)(acc >> (quad == 2 ? 4 : 10));
  if (quad == 3)
    dec[k++] = (char)(acc >> 2);
  return (long)k;
}

/* Bytes that are not UTF-8 become U+FFFD, as the JSON step makes them. */
static struct json_object *string_as_json_keeps_it(const char *s, size_t n)
{
  uint32_t cp;
  size_t i = 0;
  while (i < n && kjson_utf8_decode(s + i, n - i, &cp))
    i += kjson_utf8_decode(s + i, n - i, &cp);
  if (i == n)
    return json_object_new_string_len(s, (int)n);
  struct buf b;
  buf_init(&b, 0);
  buf_append(&b, s, i);
  while (i < n) {
    size_t w = kjson_utf8_decode(s + i, n - i, &cp);
    buf_append(&b, w ? s + i : "\xef\xbf\xbd", w ? w : 3);
    i += w ? w : 1;
  }
  struct json_object *o = json_object_new_string_len(b.data, (int)b.len);
  buf_free(&b);
  return o;
}

/* !!binary: base64 decoded into a string. */
static int decode_binary(struct builder *b, yaml_mark_t m, const char *s,
                         size_t n, struct json_object **out)
{
  char *dec = malloc(n / 4 * 3 + 4);
  if (!dec)
    return err_set(b->e, -ENOMEM, "out of memory");
  long k = b64_decode(s, n, dec);
  if (k >= 0)
    *out = string_as_json_keeps_it(dec, (size_t)k);
  free(dec);
  if (k < 0)
    return fail_at(b, m, -EINVAL,
                   "!!binary value contains invalid base64 "
                   "data");
  return 0;
}

/* A number after the JSON step of sigs.k8s.io/yaml. */
static int number_value(struct builder *b, yaml_mark_t m, const char *text,
                        const struct kyaml_scalar *sc, struct json_object **out)
{
  int floats = b->opts && b->opts->numbers == KYAML_NUMBERS_FLOAT;
  if (sc->tag == KYAML_TAG_INT) {
    *out = floats ? json_object_new_double((double)sc->i)
                  : json_object_new_int64(sc->i);
    return 0;
  }
  if (sc->tag == KYAML_TAG_UINT) {
    *out = json_object_new_double((double)sc->u);
    return 0;
  }
  if (!isfinite(sc->f))
    return fail_at(b, m, -EINVAL,
                   "%s is not a number JSON can hold (quote "
                   "it to keep it as a string)",
                   text);
  if (!floats && sc->f == trunc(sc->f) && fabs(sc->f) < 0x1p53) {
    /* An integer JSON prints exactly, which Unstructured reads back. */
    *out = json_object_new_int64((int64_t)sc->f);
    return 0;
  }
  if (!floats) {
    /* JSON prints an integral double below 1e21 without a point (above
     * 2^53 in its shortest digits); Unstructured then reads it back as an
     * int64 when it fits. */
    char num[64];
    gonum_format_json_float(num, sizeof num, sc->f);
    int64_t i;
    if (!strpbrk(num, ".eE") &&
        gonum_parse_int(num, strlen(num), 10, &i) == 0) {
      *out = json_object_new_int64(i);
      return 0;
    }
  }
  *out = json_object_new_double(sc->f);
  return 0;
}

static int resolved_value(struct builder *b, yaml_mark_t m, const char *s,
                          size_t n, const struct kyaml_scalar *sc,
                          struct json_object **out)
{
  switch (sc->tag) {
  case KYAML_TAG_NULL:
    *out = NULL;
    return 0;
  case KYAML_TAG_BOOL:
    *out = json_object_new_boolean(sc->b);
    return 0;
  case KYAML_TAG_INT:
  case KYAML_TAG_UINT:
  case KYAML_TAG_FLOAT:
    return number_value(b, m, s, sc, out);
  default:
    *out = json_object_new_string_len(s, (int)n);
    return 0;
  }
}

static enum kyaml_tag tag_from_name(const char *t)
{
  const char *short_name = t + strlen(TAG_PREFIX);
  if (strcmp(short_name, "null") == 0)
    return KYAML_TAG_NULL;
  if (strcmp(short_name, "bool") == 0)
    return KYAML_TAG_BOOL;
  if (strcmp(short_name, "int") == 0)
    return KYAML_TAG_INT;
  if (strcmp(short_name, "float") == 0)
    return KYAML_TAG_FLOAT;
  if (strcmp(short_name, "timestamp") == 0)
    return KYAML_TAG_TIMESTAMP;
  if (strcmp(short_name, "merge") == 0)
    return KYAML_TAG_MERGE;
  return KYAML_TAG_STR;
}

/* A scalar with an explicit standard tag: resolve, then check the fit (an
 * int may become a float, as go-yaml allows for int64 but not uint64). */
static int tagged_scalar(struct builder *b, yaml_mark_t m, const char *tag,
                         const char *s, size_t n, struct kyaml_scalar *sc)
{
  enum kyaml_tag want = tag_from_name(tag);
  kyaml_resolve(s, n, sc);
  if (want == KYAML_TAG_MERGE) {
    /* Only "<<" merges; any other text tagged !!merge stays a string. */
    sc->tag =
        n == 2 && memcmp(s, "<<", 2) == 0 ? KYAML_TAG_MERGE : KYAML_TAG_STR;
    return 0;
  }
  if (sc->tag == want || (want == KYAML_TAG_INT && sc->tag == KYAML_TAG_UINT))
    return 0;
  if (want == KYAML_TAG_FLOAT && sc->tag == KYAML_TAG_INT) {
    sc->f = (double)sc->i;
    sc->tag = KYAML_TAG_FLOAT;
    return 0;
  }
  return tag_mismatch(b, m, tag, s);
}

/* What a scalar event means: its resolved type (sc) for values and keys. */
static int classify_scalar(struct builder *b, yaml_event_t *ev,
                           struct kyaml_scalar *sc, int *binary)
{
  const char *s = (const char *)ev->data.scalar.value;
  size_t n = ev->data.scalar.length;
  const char *tag = tag_of(ev->data.scalar.tag);
  *binary = 0;
  memset(sc, 0, sizeof *sc);
  sc->tag = KYAML_TAG_STR;
  if (!tag || strcmp(tag, "!") == 0) {
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag)
      kyaml_resolve(s, n, sc);
    /* "<<" is a string to go-yaml's resolver, a merge only as a key */
    return 0;
  }
  if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) != 0)
    return 0; /* a local tag: go-yaml keeps the text as a string */
  if (strcmp(tag, TAG_PREFIX "binary") == 0) {
    *binary = 1;
    return 0;
  }
  if (strcmp(tag, TAG_PREFIX "str") == 0 || tag_from_name(tag) == KYAML_TAG_STR)
    return 0;
  return tagged_scalar(b, ev->start_mark, tag, s, n, sc);
}

/* A key as sigs.k8s.io/yaml turns it into a JSON object key. */
static int key_string(struct builder *b, yaml_mark_t m, const char *s, size_t n,
                      const struct kyaml_scalar *sc, char **out)
{
  char num[64];
  const char *text = s;
  switch (sc->tag) {
  case KYAML_TAG_NULL:
    return fail_at(b, m, -EINVAL,
                   "a null key (%s) cannot be a JSON object "
                   "key; quote it to make it a string",
                   n ? s : "empty");
  case KYAML_TAG_UINT:
    return fail_at(b, m, -EINVAL,
                   "the key %s is above the int64 range, "
                   "which sigs.k8s.io/yaml cannot turn into a JSON key; "
                   "quote it",
                   s);
  case KYAML_TAG_BOOL:
    text = sc->b ? "true" : "false";
    break;
  case KYAML_TAG_INT:
    snprintf(num, sizeof num, "%lld", (long long)sc->i);
    text = num;
    break;
  case KYAML_TAG_FLOAT:
    if (isnan(sc->f))
      text = ".nan";
    else if (isinf(sc->f))
      text = sc->f > 0 ? ".inf" : "-.inf";
    else
      gonum_format_float(num, sizeof num, sc->f, 'g', -1, 32), text = num;
    break;
  default:
    /* json-c keys are C strings: refuse what would be cut short. */
    if (memchr(s, '\0', n))
      return fail_at(b, m, -EINVAL,
                     "a map key holds a NUL character "
                     "(\\0), which we cannot keep");
    *out = malloc(n + 1);
    if (!*out)
      return err_set(b->e, -ENOMEM, "out of memory");
    memcpy(*out, s, n);
    (*out)[n] = '\0';
    return 0;
  }
  *out = strdup(text);
  return *out ? 0 : err_set(b->e, -ENOMEM, "out of memory");
}

/* ---- anchors ---- */

static struct anchor *find_anchor(struct builder *b, const char *name)
{
  struct json_object *slot;
  if (!b->anchor_index ||
      !json_object_object_get_ex(b->anchor_index, name, &slot))
    return NULL;
  return &b->anchors[json_object_get_int64(slot)];
}

/* A new slot for name, holding obj (a new reference) or open; its number
 * goes to *slot when slot is not NULL. */
static int add_anchor(struct builder *b, const char *name,
                      struct json_object *obj, int open, long *slot)
{
  if (!b->anchor_index && !(b->anchor_index = json_object_new_object()))
    return err_set(b->e, -ENOMEM, "out of memory");
  struct anchor *a = realloc(b->anchors, (b->nanchors + 1) * sizeof *a);
  if (!a)
    return err_set(b->e, -ENOMEM, "out of memory");
  b->anchors = a;
  a[b->nanchors].obj = json_object_get(obj);
  a[b->nanchors].open = open;
  json_object_object_add(b->anchor_index, name,
                         json_object_new_int64((int64_t)b->nanchors));
  if (slot)
    *slot = (long)b->nanchors;
  b->nanchors++;
  return 0;
}

/* Size, memory and depth of a tree, counted up to a limit of nodes. */
struct tree_cost {
  size_t nodes;
  size_t bytes;
  int depth;
};

/* depth counts the collections on the deepest path, as frames do. */
static void tree_cost(struct json_object *o, size_t limit, int depth,
                      struct tree_cost *c)
{
  c->nodes++;
  int collection = json_object_is_type(o, json_type_object) ||
                   json_object_is_type(o, json_type_array);
  if (collection && depth + 1 > c->depth)
    c->depth = depth + 1;
  if (json_object_is_type(o, json_type_object)) {
    c->bytes += COST_MAPPING;
    json_object_object_foreach (o, k, v) {
      if (c->nodes > limit)
        return;
      c->nodes++; /* the key */
      c->bytes += COST_KEY + strlen(k);
      tree_cost(v, limit, depth + 1, c);
    }
  } else if (json_object_is_type(o, json_type_array)) {
    size_t len = json_object_array_length(o);
    c->bytes += COST_SEQUENCE + len * COST_ITEM;
    for (size_t i = 0; i < len && c->nodes <= limit; i++)
      tree_cost(json_object_array_get_idx(o, i), limit, depth + 1, c);
  } else {
    c->bytes += COST_SCALAR;
    if (json_object_is_type(o, json_type_string))
      c->bytes += (size_t)json_object_get_string_len(o);
  }
}

/* A copy of an anchored value, charged as go-yaml counts alias expansion;
 * it must also fit the depth left where it lands. */
static int copy_tree(struct builder *b, yaml_mark_t m, const char *name,
                     struct json_object *src, struct json_object **dst)
{
  *dst = NULL;
  struct tree_cost c = {0, 0, 0};
  if (src)
    tree_cost(src, b->max_nodes, 0, &c);
  if (src && b->depth + c.depth > b->max_depth)
    return fail_at(b, m, -ELOOP,
                   "alias *%s nests the document deeper than "
                   "%d levels",
                   name, b->max_depth);
  int rc = charge(b, m, 1, 0, 0); /* the alias itself */
  if (!rc && src)
    rc = charge(b, m, c.nodes, c.bytes, 1);
  if (!rc && src && json_object_deep_copy(src, dst, NULL) != 0)
    rc = err_set(b->e, -ENOMEM, "out of memory");
  return rc;
}

/* ---- building ---- */

/* Sets every key of src into dst, overwriting: go-yaml v2's merge. */
static void merge_object(struct json_object *dst, struct json_object *src)
{
  json_object_object_foreach (src, k, v) {
    json_object_object_add(dst, k, json_object_get(v));
  }
}

static int merge_into(struct builder *b, yaml_mark_t m, struct frame *f,
                      struct json_object *v)
{
  if (json_object_is_type(v, json_type_object)) {
    merge_object(f->obj, v);
    return 0;
  }
  if (!json_object_is_type(v, json_type_array))
    return fail_at(b, m, -EINVAL,
                   "map merge requires map or sequence of "
                   "maps as the value");
  size_t n = json_object_array_length(v);
  for (size_t i = 0; i < n; i++)
    if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_object))
      return fail_at(b, m, -EINVAL,
                     "map merge requires map or sequence of "
                     "maps as the value");
  /* Earlier maps take precedence, so they are merged last. */
  for (size_t i = n; i-- > 0;)
    merge_object(f->obj, json_object_array_get_idx(v, i));
  return 0;
}

/* Hands a finished value to its parent (or makes it the root). Takes v. */
static int deliver(struct builder *b, yaml_mark_t m, struct json_object *v)
{
  if (b->depth == 0) {
    json_object_put(b->root);
    b->root = v;
    return 0;
  }
  struct frame *f = &b->stack[b->depth - 1];
  if (f->skimmed) {
    json_object_put(v);
    free(f->key);
    f->key = NULL;
    return 0;
  }
  if (!f->is_map) {
    json_object_array_add(f->obj, v);
    return 0;
  }
  int rc = 0;
  if (f->merge)
    rc = merge_into(b, m, f, v);
  else
    json_object_object_add(f->obj, f->key, v);
  if (f->merge)
    json_object_put(v);
  free(f->key);
  f->key = NULL;
  f->merge = 0;
  return rc;
}

static int expecting_key(struct builder *b)
{
  if (b->depth == 0)
    return 0;
  struct frame *f = &b->stack[b->depth - 1];
  return f->is_map && !f->key && !f->merge;
}

static int set_key(struct builder *b, yaml_mark_t m, const char *s, size_t n,
                   const struct kyaml_scalar *sc)
{
  struct frame *f = &b->stack[b->depth - 1];
  if (sc->tag == KYAML_TAG_MERGE) {
    /* merging needs the maps merged: those a skim leaves out */
    if (b->keep_depth)
      return fail_at(b, m, -EAGAIN, "a merge key in a skimmed read");
    f->merge = 1;
    return 0;
  }
  return key_string(b, m, s, n, sc, &f->key);
}

/* A "<<" key that the parser calls implicit (plain and untagged, or tagged
 * "!") merges, as go-yaml's isMerge has it. */
static void mark_merge_key(yaml_event_t *ev, struct kyaml_scalar *sc)
{
  const char *tag = (const char *)ev->data.scalar.tag;
  int implicit = tag ? strcmp(tag, "!") == 0
                     : ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
  if (implicit && ev->data.scalar.length == 2 &&
      memcmp(ev->data.scalar.value, "<<", 2) == 0)
    sc->tag = KYAML_TAG_MERGE;
}

static int scalar_as_key(struct builder *b, yaml_event_t *ev,
                         struct kyaml_scalar *sc, int binary,
                         struct json_object *v)
{
  const char *s = (const char *)ev->data.scalar.value;
  size_t n = ev->data.scalar.length;
  if (binary) {
    sc->tag = KYAML_TAG_STR;
    s = json_object_get_string(v);
    n = (size_t)json_object_get_string_len(v);
  }
  mark_merge_key(ev, sc);
  int rc = set_key(b, ev->start_mark, s, n, sc);
  json_object_put(v);
  return rc;
}

static int on_scalar(struct builder *b, yaml_event_t *ev)
{
  const char *s = (const char *)ev->data.scalar.value;
  size_t n = ev->data.scalar.length;
  const char *anchor = (const char *)ev->data.scalar.anchor;
  struct kyaml_scalar sc;
  int binary, rc = classify_scalar(b, ev, &sc, &binary);
  if (!rc)
    rc = charge(b, ev->start_mark, 1, COST_SCALAR + n, 0);
  if (rc)
    return rc;
  struct json_object *v = NULL;
  int key = expecting_key(b);
  /* a skimmed value is only checked: numbers JSON cannot hold fail */
  int skimmed =
      b->depth && b->stack[b->depth - 1].skimmed && sc.tag != KYAML_TAG_FLOAT;
  if (binary)
    rc = decode_binary(b, ev->start_mark, s, n, &v);
  else if ((!key && !skimmed) || anchor) /* keys matter to aliases only */
    rc = resolved_value(b, ev->start_mark, s, n, &sc, &v);
  if (!rc && anchor)
    rc = add_anchor(b, anchor, v, 0, NULL);
  if (rc) {
    json_object_put(v);
    return rc;
  }
  if (key)
    return scalar_as_key(b, ev, &sc, binary, v);
  return deliver(b, ev->start_mark, v);
}

static int alias_as_key(struct builder *b, yaml_mark_t m, struct json_object *v)
{
  struct kyaml_scalar sc = {.tag = KYAML_TAG_STR};
  char num[64];
  const char *s = num;
  switch (json_object_get_type(v)) {
  case json_type_null:
    sc.tag = KYAML_TAG_NULL, num[0] = '\0';
    break;
  case json_type_boolean:
    sc.tag = KYAML_TAG_BOOL, sc.b = json_object_get_boolean(v);
    break;
  case json_type_int:
    sc.tag = KYAML_TAG_INT, sc.i = json_object_get_int64(v);
    break;
  case json_type_double:
    sc.tag = KYAML_TAG_FLOAT, sc.f = json_object_get_double(v);
    break;
  case json_type_string:
    s = json_object_get_string(v);
    return set_key(b, m, s, (size_t)json_object_get_string_len(v), &sc);
  default:
    return fail_at(b, m, -EINVAL,
                   "a %s cannot be a map key (JSON keys are "
                   "strings)",
                   json_object_is_type(v, json_type_array) ? "sequence"
                                                           : "mapping");
  }
  return set_key(b, m, s, strlen(s), &sc);
}

static int on_alias(struct builder *b, yaml_event_t *ev)
{
  const char *name = (const char *)ev->data.alias.anchor;
  struct anchor *a = find_anchor(b, name);
  if (!a)
    return fail_at(b, ev->start_mark, -EINVAL,
                   "unknown anchor '%s' "
                   "referenced",
                   name);
  if (a->open)
    return fail_at(b, ev->start_mark, -EINVAL,
                   "anchor '%s' value contains "
                   "itself",
                   name);
  if (expecting_key(b)) {
    int rc = charge(b, ev->start_mark, 1, 0, 0);
    return rc ? rc : alias_as_key(b, ev->start_mark, a->obj);
  }
  struct json_object *copy;
  int rc = copy_tree(b, ev->start_mark, name, a->obj, &copy);
  return rc ? rc : deliver(b, ev->start_mark, copy);
}

static int grow_stack(struct builder *b)
{
  if (b->depth < b->cap)
    return 0;
  int cap = b->cap ? b->cap * 2 : 16;
  struct frame *s = realloc(b->stack, (size_t)cap * sizeof *s);
  if (!s)
    return err_set(b->e, -ENOMEM, "out of memory");
  b->stack = s;
  b->cap = cap;
  return 0;
}

/* Whether a collection starting now is one a skimmed read leaves out. */
static int skims_next(const struct builder *b)
{
  return b->keep_depth && b->depth >= b->keep_depth;
}

static int push(struct builder *b, yaml_event_t *ev, const yaml_char_t *anchor)
{
  int map = ev->type == YAML_MAPPING_START_EVENT, rc = 0;
  int skimmed = skims_next(b);
  if (skimmed && anchor)
    return fail_at(b, ev->start_mark, -EAGAIN, "an anchor in a skimmed read");
  if (expecting_key(b))
    rc = fail_at(b, ev->start_mark, -EINVAL,
                 "a %s cannot be a map key "
                 "(JSON keys are strings)",
                 map ? "mapping" : "sequence");
  else if (b->depth >= b->max_depth)
    rc = fail_at(b, ev->start_mark, -ELOOP, "nesting deeper than %d levels",
                 b->max_depth);
  if (!rc)
    rc = grow_stack(b);
  if (!rc)
    rc = charge(b, ev->start_mark, 1, map ? COST_MAPPING : COST_SEQUENCE, 0);
  if (rc)
    return rc;
  struct json_object *obj = NULL;
  if (!skimmed &&
      !(obj = map ? json_object_new_object() : json_object_new_array_ext(4)))
    return err_set(b->e, -ENOMEM, "out of memory");
  struct frame *f = &b->stack[b->depth++];
  memset(f, 0, sizeof *f);
  f->obj = obj;
  f->is_map = map;
  f->skimmed = skimmed;
  f->mark = ev->start_mark;
  f->anchor = -1;
  return anchor ? add_anchor(b, (const char *)anchor, NULL, 1, &f->anchor) : 0;
}

static int pop(struct builder *b, yaml_event_t *ev)
{
  struct frame f = b->stack[--b->depth];
  int rc = 0;
  if (f.key || f.merge)
    rc = fail_at(b, ev->start_mark, -EINVAL, "mapping key without a value");
  if (f.anchor >= 0) {
    b->anchors[f.anchor].obj = json_object_get(f.obj);
    b->anchors[f.anchor].open = 0;
  }
  free(f.key);
  if (rc) {
    json_object_put(f.obj);
    return rc;
  }
  /* a kept collection shows what kind of value it holds there */
  if (f.skimmed && (b->depth == 0 || !b->stack[b->depth - 1].skimmed))
    f.obj = f.is_map ? json_object_new_object() : json_object_new_array();
  return deliver(b, f.mark, f.obj);
}

/* Adds what an item or a key costs its collection. */
static int charge_member(struct builder *b, yaml_event_t *ev)
{
  if (b->depth == 0)
    return 0;
  if (!b->stack[b->depth - 1].is_map)
    return charge(b, ev->start_mark, 0, COST_ITEM, 0);
  return expecting_key(b) ? charge(b, ev->start_mark, 0, COST_KEY, 0) : 0;
}

static void builder_reset(struct builder *b)
{
  for (int i = 0; i < b->depth; i++) {
    json_object_put(b->stack[i].obj);
    free(b->stack[i].key);
  }
  b->depth = 0;
  for (size_t i = 0; i < b->nanchors; i++)
    json_object_put(b->anchors[i].obj);
  free(b->anchors);
  b->anchors = NULL;
  b->nanchors = 0;
  json_object_put(b->anchor_index);
  b->anchor_index = NULL;
  b->nodes = b->alias_nodes = b->memory = 0;
}

static void builder_free(struct builder *b)
{
  builder_reset(b);
  free(b->stack);
  json_object_put(b->root);
}

/* ---- libyaml errors, with the place named ---- */

/* libyaml's marks count characters (after a BOM it skips); this finds the
 * byte offset. */
static size_t char_to_byte(const char *text, size_t len, size_t chars)
{
  size_t i = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
  for (; i < len && chars > 0; chars--) {
    i++;
    while (i < len && ((unsigned char)text[i] & 0xc0) == 0x80)
      i++;
  }
  return i;
}

static void offset_position(const char *text, size_t len, size_t off, int *line,
                            int *col)
{
  *line = 0;
  *col = 1;
  for (size_t i = 0; i < off && i < len; i++) {
    if (text[i] == '\n') {
      (*line)++;
      *col = 1;
    } else if (((unsigned char)text[i] & 0xc0) != 0x80) {
      (*col)++;
    }
  }
}

static int reader_error(struct builder *b, yaml_parser_t *p, const char *text,
                        size_t len)
{
  int line, col;
  offset_position(text, len, p->problem_offset, &line, &col);
  unsigned v = (unsigned)p->problem_value;
  if (strstr(p->problem, "UTF-8") && p->problem_offset < len)
    v = (unsigned char)text[p->problem_offset]; /* libyaml may give -1 */
  if (strstr(p->problem, "control characters"))
    return err_set(b->e, -EINVAL,
                   "%s:%d:%d: control character U+%04X is "
                   "not allowed in YAML text",
                   b->name, line + b->first_line, col, v);
  if (strstr(p->problem, "UTF-8"))
    return err_set(b->e, -EINVAL,
                   "%s:%d:%d: invalid UTF-8 (byte 0x%02x): "
                   "YAML text must be UTF-8",
                   b->name, line + b->first_line, col, v & 0xff);
  return err_set(b->e, -EINVAL, "%s:%d:%d: %s", b->name, line + b->first_line,
                 col, p->problem);
}

/* Plainer words for libyaml's most common complaints. `ctx` gets "at
 * L:C" where the construct that failed started. */
struct problem_text {
  const char *problem; /* libyaml's text (a prefix) */
  const char *context; /* its context (a prefix), NULL for any */
  const char *says;    /* ours; %s is the place the construct started */
};

static const char tab_problem[] =
    "found a tab character in indentation (YAML indents with spaces only)";

static const struct problem_text problem_texts[] = {
    {"found unexpected end of stream", "while scanning a quoted scalar",
     "unterminated quoted string: the quote at %s is never closed"},
    {"found unexpected end of stream", NULL,
     "unexpected end of the input (in what starts at %s)"},
    {"found a tab character", NULL, tab_problem},
    {"did not find expected key", "while parsing a block mapping",
     "expected a key of the mapping that starts at %s (check the "
     "indentation)"},
    {"did not find expected '-' indicator", NULL,
     "expected a '- ' item of the list that starts at %s (check the "
     "indentation)"},
    {"did not find expected ',' or ']'", NULL,
     "expected ',' or ']' in the flow sequence that starts at %s"},
    {"did not find expected ',' or '}'", NULL,
     "expected ',' or '}' in the flow mapping that starts at %s"},
    {"mapping values are not allowed in this context", NULL,
     "found ': ' where a value cannot start a mapping (quote a value that "
     "holds ': ')"},
    {"did not find expected <document start>", NULL,
     "expected the end of the document, found more content"},
    {"found unknown escape character", NULL,
     "unknown escape sequence in the double-quoted string that starts at %s "
     "(write \\\\ for a backslash)"},
    {"could not find expected ':'", NULL,
     "a key must be followed by ':' on the same line (key at %s)"},
    {"did not find expected node content", NULL,
     "expected a value (in what starts at %s)"},
};

static const char *plainer_problem(const yaml_parser_t *p)
{
  for (size_t i = 0; i < sizeof problem_texts / sizeof problem_texts[0]; i++) {
    const struct problem_text *t = &problem_texts[i];
    if (strncmp(p->problem, t->problem, strlen(t->problem)) == 0 &&
        (!t->context || (p->context && strncmp(p->context, t->context,
                                               strlen(t->context)) == 0)))
      return t->says;
  }
  return NULL;
}

static int same_place(yaml_mark_t a, yaml_mark_t b)
{
  return a.line == b.line && a.column == b.column;
}

/* Our wording with "%s" replaced by where the construct started; when
 * that is the error's own place, " (in what starts at %s)" is dropped. */
static const char *fill_place(char *out, size_t cap, const char *says,
                              const char *where, int same)
{
  const char *hole = strstr(says, "%s");
  const char *paren = strstr(says, " (in what starts at %s)");
  if (!hole)
    snprintf(out, cap, "%s", says);
  else if (same && paren)
    snprintf(out, cap, "%.*s", (int)(paren - says), says);
  else
    snprintf(out, cap, "%.*s%s%s", (int)(hole - says), says, where, hole + 2);
  return out;
}

/* What the character at the error tells better than libyaml's words: a
 * tab, a ':' with no key, a reserved '@' or '`', a ':' after a key too long
 * to be a simple key. */
static const char *problem_at_char(const yaml_parser_t *p, char c, char *buf,
                                   size_t cap)
{
  int cannot_start = strstr(p->problem, "cannot start any") != NULL;
  if (c == ':' && p->problem_mark.column > 1024 &&
      strstr(p->problem, "mapping values are not allowed"))
    return "a key longer than 1024 characters must be written in the "
           "explicit form \"? key\" then \": value\"";
  if (c == '\t' && cannot_start)
    return tab_problem;
  if (c == ':' && strstr(p->problem, "expected key"))
    return "found ':' with no key before it";
  if ((c == '@' || c == '`') && cannot_start) {
    snprintf(buf, cap,
             "'%c' is reserved and cannot start a plain value; "
             "quote the value",
             c);
    return buf;
  }
  return NULL;
}

static int parser_error(struct builder *b, yaml_parser_t *p, const char *text,
                        size_t len)
{
  if (p->error == YAML_MEMORY_ERROR)
    return err_set(b->e, -ENOMEM, "%s: out of memory", b->name);
  if (!p->problem)
    return err_set(b->e, -EINVAL, "%s: invalid YAML", b->name);
  if (p->error == YAML_READER_ERROR)
    return reader_error(b, p, text, len);
  yaml_mark_t m = p->problem_mark;
  int line = (int)m.line + b->first_line, col = (int)m.column + 1;
  char where[64], what[512];
  snprintf(where, sizeof where, "%d:%d",
           (int)p->context_mark.line + b->first_line,
           (int)p->context_mark.column + 1);
  size_t at = char_to_byte(text, len, m.index);
  const char *says =
      at < len ? problem_at_char(p, text[at], what, sizeof what) : NULL;
  if (!says && (says = plainer_problem(p)) != NULL)
    says = fill_place(what, sizeof what, says, where,
                      same_place(m, p->context_mark));
  if (says)
    return err_set(b->e, -EINVAL, "%s:%d:%d: %s", b->name, line, col, says);
  if (p->context && !same_place(m, p->context_mark))
    return err_set(b->e, -EINVAL, "%s:%d:%d: %s (%s at %s)", b->name, line, col,
                   p->problem, p->context, where);
  return err_set(b->e, -EINVAL, "%s:%d:%d: %s", b->name, line, col, p->problem);
}

/* ---- streams ---- */

struct stream {
  struct builder b;
  kyaml_doc_cb cb;
  void *data;
};

static int starts_a_node(const yaml_event_t *ev)
{
  return ev->type == YAML_SCALAR_EVENT || ev->type == YAML_ALIAS_EVENT ||
         ev->type == YAML_SEQUENCE_START_EVENT ||
         ev->type == YAML_MAPPING_START_EVENT;
}

/* Returns 1 when the stream is done: sigs.k8s.io/yaml reads the first
 * document of a text and ignores the rest. */
static int on_event(struct stream *st, yaml_event_t *ev, int *doc_line, int *rc)
{
  struct builder *b = &st->b;
  *rc = starts_a_node(ev) ? charge_member(b, ev) : 0;
  if (*rc)
    return 1;
  switch (ev->type) {
  case YAML_DOCUMENT_START_EVENT:
    *doc_line = (int)ev->start_mark.line + b->first_line;
    b->root = NULL;
    return 0;
  case YAML_DOCUMENT_END_EVENT: {
    struct json_object *doc = b->root;
    b->root = NULL;
    builder_reset(b);
    *rc = st->cb(doc, *doc_line, st->data);
    return 1;
  }
  case YAML_SCALAR_EVENT:
    *rc = on_scalar(b, ev);
    break;
  case YAML_ALIAS_EVENT:
    *rc = on_alias(b, ev);
    break;
  case YAML_SEQUENCE_START_EVENT:
    *rc = push(b, ev, ev->data.sequence_start.anchor);
    break;
  case YAML_MAPPING_START_EVENT:
    *rc = push(b, ev, ev->data.mapping_start.anchor);
    break;
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT:
    *rc = pop(b, ev);
    break;
  case YAML_STREAM_END_EVENT:
    return 1;
  default:
    break;
  }
  return *rc != 0;
}

static void builder_init(struct builder *b, const struct kyaml_opts *o,
                         int first_line, struct err *e)
{
  memset(b, 0, sizeof *b);
  b->opts = o;
  b->name = o && o->name ? o->name : "<input>";
  b->first_line = first_line;
  b->max_depth = o && o->max_depth ? o->max_depth : KYAML_DEFAULT_MAX_DEPTH;
  b->max_nodes = o && o->max_nodes ? o->max_nodes : KYAML_DEFAULT_MAX_NODES;
  b->max_memory = o && o->max_memory ? o->max_memory : KYAML_DEFAULT_MAX_MEMORY;
  b->e = e;
}

/* What the fast scanner's events build, and what the document callback
 * said of it. */
struct fast {
  struct stream *st;
  int doc_line;
  int rc;
};

#define FAST_DONE 2

static int fast_event_cb(yaml_event_t *ev, void *ctx)
{
  struct fast *f = ctx;
  int rc = 0, done = on_event(f->st, ev, &f->doc_line, &rc);
  if (ev->type == YAML_DOCUMENT_END_EVENT ||
      ev->type == YAML_STREAM_END_EVENT) {
    f->rc = rc;
    return FAST_DONE;
  }
  /* An error from the builder: libyaml reads the text again and the error
   * comes with its place. */
  return done || rc ? KYAML__BAIL : 0;
}

/* Reads the text with kyaml__scan_block; 0 when it gave up. */
static int parse_fast(const char *text, size_t len, const struct kyaml_opts *o,
                      int first_line, struct stream *st, int *rc)
{
  struct err scratch;
  struct fast f = {.st = st, .doc_line = first_line};
  builder_init(&st->b, o, first_line, &scratch);
  st->b.keep_depth = o ? o->keep_depth : 0;
  int done = kyaml__scan_block(text, len, fast_event_cb, &f) == FAST_DONE;
  builder_free(&st->b);
  *rc = f.rc;
  return done;
}

static int parse_stream(const char *text, size_t len,
                        const struct kyaml_opts *o, int first_line,
                        struct stream *st, struct err *e)
{
  int fast_rc;
  if (!(o && o->libyaml_only) &&
      parse_fast(text, len, o, first_line, st, &fast_rc))
    return fast_rc;
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p))
    return err_set(e, -ENOMEM, "out of memory");
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  builder_init(&st->b, o, first_line, e);
  int rc = 0, doc_line = first_line, done = 0;
  while (!done) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) {
      rc = parser_error(&st->b, &p, text, len);
      break;
    }
    done = on_event(st, &ev, &doc_line, &rc);
    yaml_event_delete(&ev);
  }
  builder_free(&st->b);
  yaml_parser_delete(&p);
  return rc;
}

static size_t max_bytes(const struct kyaml_opts *o)
{
  return o && o->max_bytes ? o->max_bytes : KYAML_DEFAULT_MAX_BYTES;
}

static int check_size(size_t len, const struct kyaml_opts *o, struct err *e)
{
  if (len > max_bytes(o))
    return err_set(e, -E2BIG,
                   "%s: %zu bytes of YAML, more than the limit "
                   "of %zu",
                   o && o->name ? o->name : "<input>", len, max_bytes(o));
  return 0;
}

static int single_cb(struct json_object *doc, int line, void *data)
{
  (void)line;
  *(struct json_object **)data = doc;
  return 0;
}

int kyaml_parse(const char *text, size_t len, const struct kyaml_opts *opts,
                struct json_object **out, struct err *e)
{
  *out = NULL;
  int rc = check_size(len, opts, e);
  if (rc)
    return rc;
  struct json_object *doc = NULL;
  struct stream st = {.cb = single_cb, .data = &doc};
  int first = opts && opts->first_line ? opts->first_line : 1;
  rc = parse_stream(text, len, opts, first, &st, e);
  if (rc) {
    json_object_put(doc);
    return rc;
  }
  *out = doc;
  return 0;
}

/* ---- splitting on lines that start with --- ---- */

static int is_blank_text(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isspace((unsigned char)s[i]))
      return 0;
  return 1;
}

static int emit_part(const char *s, size_t n, int line, int trim,
                     kyaml_part_cb cb, void *data)
{
  if (trim) {
    while (n && isspace((unsigned char)*s)) {
      if (*s == '\n')
        line++;
      s++;
      n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
      n--;
    if (!n)
      return 0;
  }
  return cb(s, n, line, data);
}

/* "--- x" as opposed to "---", "--- # note" and "---x". */
static int separator_has_content(const char *line, size_t n)
{
  size_t i = 3;
  if (i >= n || (line[i] != ' ' && line[i] != '\t'))
    return 0;
  while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
    i++;
  return i < n && line[i] != '\n' && line[i] != '#';
}

/* Directive lines (and comments or blanks), at least one directive. */
static int only_directives(const char *s, size_t n)
{
  int seen = 0;
  for (size_t i = 0; i < n;) {
    const char *nl = memchr(s + i, '\n', n - i);
    size_t end = nl ? (size_t)(nl - s) + 1 : n;
    size_t j = i;
    while (j < end && (s[j] == ' ' || s[j] == '\t'))
      j++;
    if (s[i] == '%')
      seen = 1;
    else if (j < end && s[j] != '#' && !is_blank_text(s + j, end - j))
      return 0;
    i = end;
  }
  return seen;
}

int kyaml_split(const char *text, size_t len, int trim, kyaml_part_cb cb,
                void *data)
{
  size_t start = 0, pos = 0;
  int line = 1, start_line = 1;
  while (pos < len) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - text) + 1 : len;
    /* "%YAML 1.1" or "%TAG" lines belong to the document after "---". */
    if (end - pos >= 3 && memcmp(text + pos, "---", 3) == 0 &&
        !(!trim && only_directives(text + start, pos - start))) {
      int rc = emit_part(text + start, pos - start, start_line, trim, cb, data);
      if (rc)
        return rc;
      /* "--- x" keeps its line for the parser (an explicit document start
       * with content); a bare "---" (or "--- # note"), istioctl's
       * splitter and "---x" drop it. */
      int keep = !trim && separator_has_content(text + pos, end - pos);
      start = keep ? pos : end;
      start_line = keep ? line : line + 1;
    }
    pos = end;
    line++;
  }
  return emit_part(text + start, len - start, start_line, trim, cb, data);
}

struct each {
  const struct kyaml_opts *opts;
  kyaml_doc_cb cb;
  void *data;
  struct err *e;
};

static int each_part_cb(const char *part, size_t len, int first_line,
                        void *data)
{
  struct each *ea = data;
  if (is_blank_text(part, len))
    return 0;
  struct stream st = {.cb = ea->cb, .data = ea->data};
  return parse_stream(part, len, ea->opts, first_line, &st, ea->e);
}

int kyaml_parse_each(const char *text, size_t len,
                     const struct kyaml_opts *opts, kyaml_doc_cb cb, void *data,
                     struct err *e)
{
  int rc = check_size(len, opts, e);
  if (rc)
    return rc;
  struct each ea = {opts, cb, data, e};
  return kyaml_split(text, len, 0, each_part_cb, &ea);
}

static int collect_cb(struct json_object *doc, int line, void *data)
{
  (void)line;
  if (doc)
    json_object_array_add(data, doc);
  return 0;
}

int kyaml_parse_all(const char *text, size_t len, const struct kyaml_opts *opts,
                    struct json_object **docs, struct err *e)
{
  *docs = json_object_new_array();
  int rc = kyaml_parse_each(text, len, opts, collect_cb, *docs, e);
  if (rc) {
    json_object_put(*docs);
    *docs = NULL;
  }
  return rc;
}
