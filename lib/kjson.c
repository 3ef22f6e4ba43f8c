/* kjson: Go-compatible JSON writer and parser (see kjson.h). */
#include "kjson.h"

#include "gonum.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char hexdigits[] = "0123456789abcdef";

size_t kjson_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
  const unsigned char *s = (const unsigned char *)str;
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  size_t len;
  uint32_t v, min;
  if ((s[0] & 0xe0) == 0xc0) {
    len = 2, v = s[0] & 0x1f, min = 0x80;
  } else if ((s[0] & 0xf0) == 0xe0) {
    len = 3, v = s[0] & 0x0f, min = 0x800;
  } else if ((s[0] & 0xf8) == 0xf0) {
    len = 4, v = s[0] & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    v = (v << 6) | (s[i] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
    return 0;
  *cp = v;
  return len;
}

static int write_u_escape(struct buf *b, unsigned v)
{
  char esc[7] = {'\\',
                 'u',
                 hexdigits[(v >> 12) & 15],
                 hexdigits[(v >> 8) & 15],
                 hexdigits[(v >> 4) & 15],
                 hexdigits[v & 15],
                 0};
  return buf_append(b, esc, 6);
}

static int write_string(struct buf *b, const char *str, size_t n, int flags)
{
  const unsigned char *s = (const unsigned char *)str;
  int rc = buf_putc(b, '"');
  size_t i = 0;
  while (!rc && i < n) {
    uint32_t cp;
    size_t len = kjson_utf8_decode(str + i, n - i, &cp);
    if (len == 0) {
      rc = buf_puts(b, "\\ufffd");
      i++;
      continue;
    }
    if (cp == '"' || cp == '\\') {
      char esc[2] = {'\\', (char)cp};
      rc = buf_append(b, esc, 2);
    } else if (cp < 0x20) {
      const char *named = cp == '\n'   ? "\\n"
                          : cp == '\r' ? "\\r"
                          : cp == '\t' ? "\\t"
                          : cp == '\b' ? "\\b"
                          : cp == '\f' ? "\\f"
                                       : NULL;
      rc = named ? buf_puts(b, named) : write_u_escape(b, cp);
    } else if (!(flags & KJSON_NO_HTML_ESCAPE) &&
               (cp == '<' || cp == '>' || cp == '&')) {
      rc = write_u_escape(b, cp);
    } else if (cp == 0x2028 || cp == 0x2029) {
      rc = write_u_escape(b, cp);
    } else {
      rc = buf_append(b, s + i, len);
    }
    i += len;
  }
  return rc ? rc : buf_putc(b, '"');
}

static int write_newline(struct buf *b, int flags, int depth)
{
  if (!(flags & KJSON_INDENT))
    return 0;
  int rc = buf_putc(b, '\n');
  for (int i = 0; !rc && i < depth; i++)
    rc = buf_append(b, "  ", 2);
  return rc;
}

static int cmp_keys(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of an object, sorted bytewise; the caller frees the array. */
static const char **sorted_keys(struct json_object *o, size_t *count)
{
  size_t n = (size_t)json_object_object_length(o);
  const char **keys = malloc((n ? n : 1) * sizeof *keys);
  if (!keys)
    return NULL;
  size_t i = 0;
  json_object_object_foreach (o, k, v) {
    (void)v;
    keys[i++] = k;
  }
  qsort(keys, n, sizeof *keys, cmp_keys);
  *count = n;
  return keys;
}

static int write_value(struct buf *b, struct json_object *o, int flags,
                       int depth, struct err *e);

static int write_object(struct buf *b, struct json_object *o, int flags,
                        int depth, struct err *e)
{
  size_t n;
  const char **keys = sorted_keys(o, &n);
  if (!keys)
    return err_set(e, -ENOMEM, "out of memory");
  int rc = buf_putc(b, '{');
  for (size_t i = 0; !rc && i < n; i++) {
    if (i)
      rc = buf_putc(b, ',');
    if (!rc)
      rc = write_newline(b, flags, depth + 1);
    if (!rc)
      rc = write_string(b, keys[i], strlen(keys[i]), flags);
    if (!rc)
      rc = buf_puts(b, (flags & KJSON_INDENT) ? ": " : ":");
    if (!rc)
      rc = write_value(b, json_object_object_get(o, keys[i]), flags, depth + 1,
                       e);
  }
  if (!rc && n)
    rc = write_newline(b, flags, depth);
  free(keys);
  return rc ? rc : buf_putc(b, '}');
}

static int write_array(struct buf *b, struct json_object *o, int flags,
                       int depth, struct err *e)
{
  size_t n = json_object_array_length(o);
  int rc = buf_putc(b, '[');
  for (size_t i = 0; !rc && i < n; i++) {
    if (i)
      rc = buf_putc(b, ',');
    if (!rc)
      rc = write_newline(b, flags, depth + 1);
    if (!rc)
      rc = write_value(b, json_object_array_get_idx(o, i), flags, depth + 1, e);
  }
  if (!rc && n)
    rc = write_newline(b, flags, depth);
  return rc ? rc : buf_putc(b, ']');
}

size_t kjson_format_double(char *out, size_t cap, double v)
{
  return gonum_format_json_float(out, cap, v);
}

static int write_number(struct buf *b, struct json_object *o, struct err *e)
{
  char num[64];
  if (json_object_is_type(o, json_type_int)) {
    int64_t v = json_object_get_int64(o);
    if (v == INT64_MAX && json_object_get_uint64(o) > (uint64_t)INT64_MAX)
      snprintf(num, sizeof num, "%llu",
               (unsigned long long)json_object_get_uint64(o));
    else
      snprintf(num, sizeof num, "%lld", (long long)v);
    return buf_puts(b, num);
  }
  double d = json_object_get_double(o);
  if (!isfinite(d))
    return err_set(e, -EINVAL, "json: unsupported value: %s",
                   isnan(d) ? "NaN"
                   : d > 0  ? "+Inf"
                            : "-Inf");
  kjson_format_double(num, sizeof num, d);
  return buf_puts(b, num);
}

static int write_value(struct buf *b, struct json_object *o, int flags,
                       int depth, struct err *e)
{
  int rc;
  if (depth > KJSON_MAX_DEPTH)
    return err_set(e, -ELOOP, "json: nesting deeper than %d levels",
                   KJSON_MAX_DEPTH);
  switch (json_object_get_type(o)) {
  case json_type_null:
    rc = buf_puts(b, "null");
    break;
  case json_type_boolean:
    rc = buf_puts(b, json_object_get_boolean(o) ? "true" : "false");
    break;
  case json_type_int:
  case json_type_double:
    rc = write_number(b, o, e);
    break;
  case json_type_string:
    rc = write_string(b, json_object_get_string(o),
                      (size_t)json_object_get_string_len(o), flags);
    break;
  case json_type_object:
    rc = write_object(b, o, flags, depth, e);
    break;
  case json_type_array:
    rc = write_array(b, o, flags, depth, e);
    break;
  default:
    rc = -EINVAL;
  }
  if (rc == -E2BIG && e && !e->code)
    err_set(e, rc, "json: output larger than %zu bytes", b->max);
  return rc;
}

int kjson_write(struct buf *b, struct json_object *o, int flags, struct err *e)
{
  return write_value(b, o, flags, 0, e);
}

/* ---- parsing: encoding/json's grammar into json-c values ---- */

struct parser {
  const char *s;
  size_t n;
  size_t i;
  int depth;
  const char *name;
  struct err *e;
};

static void offset_to_line_col(const char *s, size_t off, int *line, int *col)
{
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off; i++) {
    if (s[i] == '\n') {
      (*line)++;
      *col = 1;
    } else if (((unsigned char)s[i] & 0xc0) != 0x80) {
      (*col)++;
    }
  }
}

/* "name:line:col: invalid JSON: <what> <the character found>". */
static int syntax_error(struct parser *p, const char *what)
{
  if (p->i >= p->n)
    return err_set(p->e, -EINVAL, "%s: unexpected end of JSON input", p->name);
  int line, col;
  offset_to_line_col(p->s, p->i, &line, &col);
  unsigned char c = (unsigned char)p->s[p->i];
  char shown[8];
  if (c >= 0x20 && c < 0x7f)
    snprintf(shown, sizeof shown, "'%c'", c);
  else
    snprintf(shown, sizeof shown, "0x%02x", c);
  return err_set(p->e, -EINVAL,
                 "%s:%d:%d: invalid JSON: invalid character "
                 "%s %s",
                 p->name, line, col, shown, what);
}

static void skip_space(struct parser *p)
{
  while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
                         p->s[p->i] == '\n' || p->s[p->i] == '\r'))
    p->i++;
}

static int hex4(const char *s, uint32_t *v)
{
  *v = 0;
  for (int k = 0; k < 4; k++) {
    int c = (unsigned char)s[k], d = c >= '0' && c <= '9'   ? c - '0'
                                     : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                     : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                            : -1;
    if (d < 0)
      return -1;
    *v = *v << 4 | (uint32_t)d;
  }
  return 0;
}

int kjson_utf8_encode(struct buf *b, uint32_t cp)
{
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp, n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
  } else {
    u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f));
    n = 4;
  }
  return buf_append(b, u, n);
}

/* \uXXXX, joining a surrogate pair; a lone surrogate reads as U+FFFD. */
static int unicode_escape(struct parser *p, struct buf *b)
{
  uint32_t cp, lo;
  if (p->n - p->i < 6 || hex4(p->s + p->i + 2, &cp))
    return syntax_error(p, "in \\u escape");
  p->i += 6;
  if (cp >= 0xd800 && cp < 0xdc00 && p->n - p->i >= 6 && p->s[p->i] == '\\' &&
      p->s[p->i + 1] == 'u' && hex4(p->s + p->i + 2, &lo) == 0 &&
      lo >= 0xdc00 && lo < 0xe000) {
    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
    p->i += 6;
  } else if (cp >= 0xd800 && cp < 0xe000) {
    cp = 0xfffd;
  }
  return kjson_utf8_encode(b, cp);
}

static int string_escape(struct parser *p, struct buf *b)
{
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  if (p->i + 1 >= p->n)
    return syntax_error(p, "in string escape code");
  char c = p->s[p->i + 1];
  if (c == 'u')
    return unicode_escape(p, b);
  const char *k = strchr(from, c);
  if (!k || !c) {
    p->i++;
    return syntax_error(p, "in string escape code");
  }
  p->i += 2;
  return buf_putc(b, to[k - from]);
}

/* A string at p->i (the opening quote) into b. Invalid UTF-8 reads as
 * U+FFFD, as in Go. */
static int parse_string(struct parser *p, struct buf *b)
{
  int rc = 0;
  p->i++;
  while (!rc) {
    size_t start = p->i;
    while (p->i < p->n && p->s[p->i] != '"' && p->s[p->i] != '\\' &&
           (unsigned char)p->s[p->i] >= 0x20 &&
           (unsigned char)p->s[p->i] < 0x80)
      p->i++;
    rc = buf_append(b, p->s + start, p->i - start);
    if (rc || p->i >= p->n)
      return rc ? rc : syntax_error(p, "");
    unsigned char c = (unsigned char)p->s[p->i];
    uint32_t cp;
    size_t w;
    if (c == '"') {
      p->i++;
      return 0;
    } else if (c == '\\') {
      rc = string_escape(p, b);
    } else if (c < 0x20) {
      return syntax_error(p, "in string literal");
    } else if ((w = kjson_utf8_decode(p->s + p->i, p->n - p->i, &cp)) != 0) {
      rc = buf_append(b, p->s + p->i, w);
      p->i += w;
    } else {
      rc = buf_append(b, "\xef\xbf\xbd", 3);
      p->i++;
    }
  }
  return rc;
}

static int is_digit(char c)
{
  return c >= '0' && c <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?; sets *integral when
 * there is neither a fraction nor an exponent. */
static int scan_number(struct parser *p, int *integral)
{
  const char *s = p->s;
  size_t n = p->n;
  *integral = 1;
  if (p->i < n && s[p->i] == '-')
    p->i++;
  if (p->i < n && s[p->i] == '0')
    p->i++;
  else if (p->i < n && is_digit(s[p->i]))
    while (p->i < n && is_digit(s[p->i]))
      p->i++;
  else
    return syntax_error(p, "in numeric literal");
  if (p->i < n && s[p->i] == '.') {
    *integral = 0;
    if (++p->i >= n || !is_digit(s[p->i]))
      return syntax_error(p, "after decimal point in numeric literal");
    while (p->i < n && is_digit(s[p->i]))
      p->i++;
  }
  if (p->i < n && (s[p->i] == 'e' || s[p->i] == 'E')) {
    *integral = 0;
    if (++p->i < n && (s[p->i] == '+' || s[p->i] == '-'))
      p->i++;
    if (p->i >= n || !is_digit(s[p->i]))
      return syntax_error(p, "in exponent of numeric literal");
    while (p->i < n && is_digit(s[p->i]))
      p->i++;
  }
  return 0;
}

/* Integers that fit stay int64 (as Kubernetes' Unstructured reads them);
 * others become doubles; beyond the double range is an error, as in Go. */
static int parse_number(struct parser *p, struct json_object **out)
{
  size_t start = p->i;
  int integral, rc = scan_number(p, &integral);
  if (rc)
    return rc;
  const char *text = p->s + start;
  size_t len = p->i - start;
  int64_t i;
  double d;
  if (integral && gonum_parse_int(text, len, 10, &i) == 0) {
    *out = json_object_new_int64(i);
  } else if (gonum_parse_float(text, len, &d) == 0) {
    *out = json_object_new_double(d);
  } else {
    int line, col;
    offset_to_line_col(p->s, start, &line, &col);
    return err_set(p->e, -ERANGE,
                   "%s:%d:%d: invalid JSON: number %.*s is "
                   "out of range",
                   p->name, line, col, (int)(len > 40 ? 40 : len), text);
  }
  return *out ? 0 : err_set(p->e, -ENOMEM, "out of memory");
}

static int parse_literal(struct parser *p, struct json_object **out)
{
  static const char *const words[] = {"true", "false", "null"};
  for (int k = 0; k < 3; k++) {
    size_t len = strlen(words[k]);
    if (p->n - p->i >= len && memcmp(p->s + p->i, words[k], len) == 0) {
      p->i += len;
      *out = k == 2 ? NULL : json_object_new_boolean(k == 0);
      return 0;
    }
  }
  return syntax_error(p, "looking for beginning of value");
}

static int parse_value(struct parser *p, struct json_object **out);

static int enter(struct parser *p)
{
  if (++p->depth > KJSON_MAX_DEPTH)
    return err_set(p->e, -ELOOP,
                   "%s: invalid JSON: nesting deeper than %d "
                   "levels",
                   p->name, KJSON_MAX_DEPTH);
  p->i++;
  skip_space(p);
  return 0;
}

/* After an item: ',' (returns 1 to go on) or the closing bracket (0). */
static int next_item(struct parser *p, char close, const char *what)
{
  skip_space(p);
  if (p->i < p->n && p->s[p->i] == ',') {
    p->i++;
    skip_space(p);
    return 1;
  }
  if (p->i < p->n && p->s[p->i] == close) {
    p->i++;
    p->depth--;
    return 0;
  }
  return syntax_error(p, what);
}

static int parse_array(struct parser *p, struct json_object *arr)
{
  int rc = enter(p);
  if (rc || (p->i < p->n && p->s[p->i] == ']'))
    return rc ? rc : (p->i++, p->depth--, 0);
  do {
    struct json_object *v = NULL;
    if ((rc = parse_value(p, &v)) != 0)
      return rc;
    json_object_array_add(arr, v);
  } while ((rc = next_item(p, ']', "after array element")) == 1);
  return rc;
}

static int parse_member(struct parser *p, struct json_object *obj,
                        struct buf *key)
{
  if (p->i >= p->n || p->s[p->i] != '"')
    return syntax_error(p, "looking for beginning of object key string");
  buf_reset(key);
  int rc = parse_string(p, key);
  if (rc)
    return rc;
  if (key->data && memchr(key->data, '\0', key->len))
    return err_set(p->e, -EINVAL,
                   "%s: invalid JSON: an object key holds "
                   "\\u0000, which we cannot keep",
                   p->name);
  skip_space(p);
  if (p->i >= p->n || p->s[p->i] != ':')
    return syntax_error(p, "after object key");
  p->i++;
  skip_space(p);
  struct json_object *v = NULL;
  rc = parse_value(p, &v);
  if (!rc)
    json_object_object_add(obj, key->data ? key->data : "", v);
  return rc;
}

static int parse_object(struct parser *p, struct json_object *obj)
{
  int rc = enter(p);
  if (rc || (p->i < p->n && p->s[p->i] == '}'))
    return rc ? rc : (p->i++, p->depth--, 0);
  struct buf key;
  buf_init(&key, 0);
  do {
    if ((rc = parse_member(p, obj, &key)) != 0)
      break;
  } while ((rc = next_item(p, '}', "after object key:value pair")) == 1);
  buf_free(&key);
  return rc;
}

static int parse_container(struct parser *p, struct json_object **out)
{
  int array = p->s[p->i] == '[';
  *out = array ? json_object_new_array_ext(4) : json_object_new_object();
  if (!*out)
    return err_set(p->e, -ENOMEM, "out of memory");
  int rc = array ? parse_array(p, *out) : parse_object(p, *out);
  if (rc) {
    json_object_put(*out);
    *out = NULL;
  }
  return rc;
}

static int parse_value(struct parser *p, struct json_object **out)
{
  *out = NULL;
  skip_space(p);
  if (p->i >= p->n)
    return syntax_error(p, "");
  char c = p->s[p->i];
  if (c == '{' || c == '[')
    return parse_container(p, out);
  if (c == '"') {
    struct buf b;
    buf_init(&b, 0);
    int rc = parse_string(p, &b);
    if (!rc &&
        !(*out = json_object_new_string_len(b.data ? b.data : "", (int)b.len)))
      rc = err_set(p->e, -ENOMEM, "out of memory");
    buf_free(&b);
    return rc;
  }
  if (c == '-' || is_digit(c))
    return parse_number(p, out);
  return parse_literal(p, out);
}

int kjson_parse(const char *s, size_t n, const char *name,
                struct json_object **out, struct err *e)
{
  *out = NULL;
  if (n > INT32_MAX)
    return err_set(e, -E2BIG, "%s: JSON text of %zu bytes is too large", name,
                   n);
  struct parser p = {s, n, 0, 0, name, e};
  int rc = parse_value(&p, out);
  if (!rc) {
    skip_space(&p);
    if (p.i < n)
      rc = syntax_error(&p, "after top-level value");
  }
  if (rc) {
    json_object_put(*out);
    *out = NULL;
  }
  return rc;
}
