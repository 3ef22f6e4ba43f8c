/* kjson: Go-compatible JSON writer and a bounded parser (see json.h). */
#include "kjson.h"

#include "gonum.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char hexdigits[] = "0123456789abcdef";

/* Length of the valid UTF-8 sequence at s (max n bytes), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
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
  char esc[7] = {'\\', 'u', hexdigits[(v >> 12) & 15], hexdigits[(v >> 8) & 15],
                 hexdigits[(v >> 4) & 15], hexdigits[v & 15], 0};
  return buf_append(b, esc, 6);
}

static int write_string(struct buf *b, const char *str, size_t n, int flags)
{
  const unsigned char *s = (const unsigned char *)str;
  int rc = buf_putc(b, '"');
  size_t i = 0;
  while (!rc && i < n) {
    uint32_t cp;
    size_t len = utf8_len(s + i, n - i, &cp);
    if (len == 0) {
      rc = buf_puts(b, "\\ufffd");
      i++;
      continue;
    }
    if (cp == '"' || cp == '\\') {
      char esc[2] = {'\\', (char)cp};
      rc = buf_append(b, esc, 2);
    } else if (cp < 0x20) {
      const char *named = cp == '\n' ? "\\n" : cp == '\r' ? "\\r"
                        : cp == '\t' ? "\\t" : cp == '\b' ? "\\b"
                        : cp == '\f' ? "\\f" : NULL;
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
  json_object_object_foreach(o, k, v) {
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
      rc = write_value(b, json_object_object_get(o, keys[i]), flags, depth + 1, e);
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
                   isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf");
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

static void offset_to_line_col(const char *s, size_t off, int *line, int *col)
{
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off; i++) {
    if (s[i] == '\n') {
      (*line)++;
      *col = 1;
    } else {
      (*col)++;
    }
  }
}

int kjson_parse(const char *s, size_t n, const char *name,
               struct json_object **out, struct err *e)
{
  *out = NULL;
  if (n > INT32_MAX)
    return err_set(e, -E2BIG, "%s: JSON text of %zu bytes is too large", name, n);
  struct json_tokener *tok = json_tokener_new_ex(KJSON_MAX_DEPTH);
  if (!tok)
    return err_set(e, -ENOMEM, "out of memory");
  json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
  struct json_object *o = json_tokener_parse_ex(tok, s, (int)n);
  enum json_tokener_error jerr = json_tokener_get_error(tok);
  size_t off = json_tokener_get_parse_end(tok);
  int rc = 0;
  if (jerr == json_tokener_continue) {
    rc = err_set(e, -EINVAL, "%s: unexpected end of JSON input", name);
  } else if (jerr != json_tokener_success) {
    int line, col;
    offset_to_line_col(s, off, &line, &col);
    rc = err_set(e, -EINVAL, "%s:%d:%d: invalid JSON: %s", name, line, col,
                 json_tokener_error_desc(jerr));
  } else {
    while (off < n && strchr(" \t\r\n", s[off]))
      off++;
    if (off < n) {
      int line, col;
      offset_to_line_col(s, off, &line, &col);
      rc = err_set(e, -EINVAL, "%s:%d:%d: invalid JSON: text after the value",
                   name, line, col);
    }
  }
  json_tokener_free(tok);
  if (rc)
    json_object_put(o);
  else
    *out = o;
  return rc;
}
