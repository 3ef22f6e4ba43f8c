/* tmpl_val: the value model (Go types on json-c values) and the string
 * helpers Go's rules need: UTF-8, strconv.Quote and Unquote.
 *
 * A Go type that json-c cannot express rides in the userdata slot as a
 * `const struct tmpl_type *`. json-c itself only puts userdata on doubles
 * (the text of a parsed number), and we never tag doubles, so a double's
 * userdata is never read as a tag. json_object_deep_copy refuses objects
 * with userdata: use tmpl_val_deep_copy. */
#include "tmpl_int.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

const struct tmpl_type tmpl_type_int64 = {.name = "int64",
                                          .kind = TMPL_KIND_INT};
const struct tmpl_type tmpl_type_strings = {.name = "[]string",
                                            .kind = TMPL_KIND_SLICE,
                                            .elem = TMPL_KIND_STRING,
                                            .elem_name = "string"};
const struct tmpl_type tmpl_type_strmap = {.name = "map[string]string",
                                           .kind = TMPL_KIND_MAP,
                                           .elem = TMPL_KIND_STRING,
                                           .elem_name = "string"};
const struct tmpl_type tmpl_type_bytes = {.name = "[]uint8",
                                          .kind = TMPL_KIND_SLICE,
                                          .elem = TMPL_KIND_UINT,
                                          .elem_name = "uint8"};
const struct tmpl_type tmpl_type_uint8 = {.name = "uint8",
                                          .kind = TMPL_KIND_UINT};
const struct tmpl_type tmpl_type_values = {.name = "chartutil.Values",
                                           .kind = TMPL_KIND_MAP};
const struct tmpl_type tmpl_type_ints = {.name = "[]int",
                                         .kind = TMPL_KIND_SLICE,
                                         .elem = TMPL_KIND_INT,
                                         .elem_name = "int"};
const struct tmpl_type tmpl_type_uint64 = {.name = "uint64",
                                           .kind = TMPL_KIND_UINT};
const struct tmpl_type tmpl_type_nil_list = {
    .name = "[]interface {}", .kind = TMPL_KIND_SLICE, .is_nil = 1};
const struct tmpl_type tmpl_type_nil_strings = {.name = "[]string",
                                                .kind = TMPL_KIND_SLICE,
                                                .elem = TMPL_KIND_STRING,
                                                .elem_name = "string",
                                                .is_nil = 1};

void tmpl_val_set_type(struct json_object *o, const struct tmpl_type *t)
{
  json_object_set_userdata(o, (void *)t, NULL);
}

const struct tmpl_type *tmpl_val_type(const struct json_object *o)
{
  if (!o)
    return NULL;
  switch (json_object_get_type(o)) {
  case json_type_double:
  case json_type_boolean:
  case json_type_null:
    return NULL;
  default:
    return json_object_get_userdata((struct json_object *)o);
  }
}

enum tmpl_kind tmpl_val_kind(const struct json_object *o)
{
  const struct tmpl_type *t = tmpl_val_type(o);
  if (t)
    return t->kind;
  switch (json_object_get_type(o)) {
  case json_type_boolean:
    return TMPL_KIND_BOOL;
  case json_type_double:
    return TMPL_KIND_FLOAT;
  case json_type_int:
    return TMPL_KIND_INT;
  case json_type_string:
    return TMPL_KIND_STRING;
  case json_type_array:
    return TMPL_KIND_SLICE;
  case json_type_object:
    return TMPL_KIND_MAP;
  default:
    return TMPL_KIND_INVALID;
  }
}

const char *tmpl_val_type_name(const struct json_object *o)
{
  const struct tmpl_type *t = tmpl_val_type(o);
  if (t)
    return t->name;
  switch (json_object_get_type(o)) {
  case json_type_boolean:
    return "bool";
  case json_type_double:
    return "float64";
  case json_type_int:
    return "int";
  case json_type_string:
    return "string";
  case json_type_array:
    return "[]interface {}";
  case json_type_object:
    return "map[string]interface {}";
  default:
    return "<nil>";
  }
}

const char *tmpl__kind_name(enum tmpl_kind k)
{
  static const char *const names[] = {
      [TMPL_KIND_INVALID] = "invalid", [TMPL_KIND_BOOL] = "bool",
      [TMPL_KIND_INT] = "int",         [TMPL_KIND_UINT] = "uint8",
      [TMPL_KIND_FLOAT] = "float64",   [TMPL_KIND_STRING] = "string",
      [TMPL_KIND_SLICE] = "slice",     [TMPL_KIND_MAP] = "map",
      [TMPL_KIND_STRUCT] = "struct",   [TMPL_KIND_PTR] = "ptr",
      [TMPL_KIND_FUNC] = "func",
  };
  return names[k];
}

struct json_object *tmpl_val_int(int64_t v)
{
  return json_object_new_int64(v);
}

struct json_object *tmpl_val_int64(int64_t v)
{
  struct json_object *o = json_object_new_int64(v);
  if (o)
    tmpl_val_set_type(o, &tmpl_type_int64);
  return o;
}

struct json_object *tmpl_val_str(const char *s, size_t n)
{
  return json_object_new_string_len(s, (int)n);
}

int tmpl_val_truth(const struct json_object *o)
{
  if (!o)
    return 0;
  switch (tmpl_val_kind(o)) {
  case TMPL_KIND_BOOL:
    return json_object_get_boolean(o);
  case TMPL_KIND_INT:
  case TMPL_KIND_UINT:
    return json_object_get_int64(o) != 0;
  case TMPL_KIND_FLOAT:
    return json_object_get_double(o) != 0;
  case TMPL_KIND_STRING:
    return json_object_get_string_len(o) > 0;
  case TMPL_KIND_SLICE:
    if (json_object_is_type(o, json_type_string)) /* []byte */
      return json_object_get_string_len(o) > 0;
    return json_object_array_length(o) > 0;
  case TMPL_KIND_MAP:
    return json_object_object_length(o) > 0;
  default: /* structs, pointers to structs, functions */
    return 1;
  }
}

struct json_object *tmpl__zero_elem(const struct json_object *container)
{
  const struct tmpl_type *t = tmpl_val_type(container);
  if (!t || !t->elem_name)
    return NULL;
  switch (t->elem) {
  case TMPL_KIND_STRING:
    return json_object_new_string("");
  case TMPL_KIND_INT:
  case TMPL_KIND_UINT:
    return json_object_new_int64(0);
  case TMPL_KIND_FLOAT:
    return json_object_new_double(0);
  case TMPL_KIND_BOOL:
    return json_object_new_boolean(0);
  default:
    return NULL;
  }
}

static int copy_container(struct json_object *o, struct json_object **out,
                          int depth);

static int copy_value(struct json_object *o, struct json_object **out,
                      int depth)
{
  *out = NULL;
  if (!o)
    return 0;
  switch (json_object_get_type(o)) {
  case json_type_array:
  case json_type_object:
    if (depth >= TMPL_MAX_NESTING)
      return -ELOOP;
    return copy_container(o, out, depth);
  case json_type_double:
    *out = json_object_new_double(json_object_get_double(o));
    break;
  case json_type_boolean:
    *out = json_object_new_boolean(json_object_get_boolean(o));
    break;
  case json_type_int:
    *out = json_object_new_int64(json_object_get_int64(o));
    break;
  default:
    *out = json_object_new_string_len(json_object_get_string(o),
                                      json_object_get_string_len(o));
    break;
  }
  if (!*out)
    return -ENOMEM;
  const struct tmpl_type *t = tmpl_val_type(o);
  if (t)
    tmpl_val_set_type(*out, t);
  return 0;
}

int tmpl_val_deep_copy(struct json_object *o, struct json_object **out)
{
  return copy_value(o, out, 0);
}

static int copy_elems(struct json_object *o, struct json_object *c, int depth)
{
  int rc = 0;
  size_t n = json_object_array_length(o);
  for (size_t i = 0; !rc && i < n; i++) {
    struct json_object *e;
    rc = copy_value(json_object_array_get_idx(o, i), &e, depth + 1);
    if (!rc && json_object_array_add(c, e)) {
      json_object_put(e);
      rc = -ENOMEM;
    }
  }
  return rc;
}

static int copy_members(struct json_object *o, struct json_object *c, int depth)
{
  json_object_object_foreach (o, k, v) {
    struct json_object *e;
    int rc = copy_value(v, &e, depth + 1);
    if (!rc && json_object_object_add(c, k, e)) {
      json_object_put(e);
      rc = -ENOMEM;
    }
    if (rc)
      return rc;
  }
  return 0;
}

static int copy_container(struct json_object *o, struct json_object **out,
                          int depth)
{
  int is_arr = json_object_is_type(o, json_type_array);
  struct json_object *c =
      is_arr ? json_object_new_array() : json_object_new_object();
  if (!c)
    return -ENOMEM;
  int rc = is_arr ? copy_elems(o, c, depth) : copy_members(o, c, depth);
  const struct tmpl_type *t = tmpl_val_type(o);
  if (t)
    tmpl_val_set_type(c, t);
  if (rc)
    json_object_put(c);
  else
    *out = c;
  return rc;
}

static int cmp_keys(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int tmpl__sorted_keys(struct json_object *m, const char ***keys, size_t *n)
{
  size_t len = (size_t)json_object_object_length(m), i = 0;
  const char **k = malloc((len ? len : 1) * sizeof *k);
  if (!k)
    return -ENOMEM;
  json_object_object_foreach (m, key, val) {
    (void)val;
    k[i++] = key;
  }
  qsort(k, i, sizeof *k, cmp_keys);
  *keys = k;
  *n = i;
  return 0;
}

/* ---- UTF-8 and Go's strconv quoting ---- */

size_t tmpl__utf8_decode(const unsigned char *s, size_t n, uint32_t *r)
{
  if (n == 0) {
    *r = 0xfffd;
    return 0;
  }
  if (s[0] < 0x80) {
    *r = s[0];
    return 1;
  }
  size_t len;
  uint32_t v, min;
  if ((s[0] & 0xe0) == 0xc0)
    len = 2, v = s[0] & 0x1f, min = 0x80;
  else if ((s[0] & 0xf0) == 0xe0)
    len = 3, v = s[0] & 0x0f, min = 0x800;
  else if ((s[0] & 0xf8) == 0xf0)
    len = 4, v = s[0] & 0x07, min = 0x10000;
  else
    goto bad;
  if (len > n)
    goto bad;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      goto bad;
    v = (v << 6) | (s[i] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
    goto bad;
  *r = v;
  return len;
bad:
  *r = 0xfffd;
  return 1;
}

int tmpl__utf8_encode(struct buf *b, uint32_t r)
{
  char s[4];
  size_t n;
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
    r = 0xfffd;
  if (r < 0x80) {
    s[0] = (char)r;
    n = 1;
  } else if (r < 0x800) {
    s[0] = (char)(0xc0 | (r >> 6));
    s[1] = (char)(0x80 | (r & 0x3f));
    n = 2;
  } else if (r < 0x10000) {
    s[0] = (char)(0xe0 | (r >> 12));
    s[1] = (char)(0x80 | ((r >> 6) & 0x3f));
    s[2] = (char)(0x80 | (r & 0x3f));
    n = 3;
  } else {
    s[0] = (char)(0xf0 | (r >> 18));
    s[1] = (char)(0x80 | ((r >> 12) & 0x3f));
    s[2] = (char)(0x80 | ((r >> 6) & 0x3f));
    s[3] = (char)(0x80 | (r & 0x3f));
    n = 4;
  }
  return buf_append(b, s, n);
}

/* Go's unicode.IsPrint: exact for Latin-1; above it, everything but the
 * format, separator and private-use ranges that commonly occur. */
int tmpl__is_print(uint32_t r)
{
  if (r < 0x100)
    return (r >= 0x20 && r < 0x7f) || (r >= 0xa1 && r != 0xad);
  if ((r >= 0x200b && r <= 0x200f) || (r >= 0x2028 && r <= 0x202e) ||
      (r >= 0x2060 && r <= 0x206f) || r == 0xfeff ||
      (r >= 0xfff9 && r <= 0xfffb))
    return 0;
  if ((r >= 0xe000 && r <= 0xf8ff) || r >= 0xf0000)
    return 0;
  if (r >= 0xd800 && r <= 0xdfff)
    return 0;
  return r <= 0x10ffff && (r & 0xfffe) != 0xfffe;
}

int tmpl__fmt_U(struct buf *b, uint32_t r, int with_char)
{
  int rc = buf_printf(b, "U+%04X", (unsigned)r);
  if (!rc && with_char && tmpl__is_print(r)) {
    rc = buf_puts(b, " '");
    if (!rc)
      rc = tmpl__utf8_encode(b, r);
    if (!rc)
      rc = buf_putc(b, '\'');
  }
  return rc;
}

/* One rune of strconv.Quote's output, quote being '"' or '\''. */
int tmpl__quote_rune(struct buf *b, uint32_t r, size_t width, int quote,
                     const unsigned char *raw)
{
  static const char hex[] = "0123456789abcdef";
  if (width == 1 && r == 0xfffd && raw[0] >= 0x80)
    return buf_printf(b, "\\x%c%c", hex[raw[0] >> 4], hex[raw[0] & 15]);
  if (r == (uint32_t)quote || r == '\\') {
    char e[2] = {'\\', (char)r};
    return buf_append(b, e, 2);
  }
  if (tmpl__is_print(r))
    return buf_append(b, raw, width);
  switch (r) {
  case '\a':
    return buf_puts(b, "\\a");
  case '\b':
    return buf_puts(b, "\\b");
  case '\f':
    return buf_puts(b, "\\f");
  case '\n':
    return buf_puts(b, "\\n");
  case '\r':
    return buf_puts(b, "\\r");
  case '\t':
    return buf_puts(b, "\\t");
  case '\v':
    return buf_puts(b, "\\v");
  }
  if (r < ' ' || r == 0x7f)
    return buf_printf(b, "\\x%c%c", hex[r >> 4], hex[r & 15]);
  if (r < 0x10000)
    return buf_printf(b, "\\u%04x", (unsigned)r);
  return buf_printf(b, "\\U%08x", (unsigned)r);
}

int tmpl_quote(struct buf *b, const char *s, size_t n)
{
  const unsigned char *u = (const unsigned char *)s;
  int rc = buf_putc(b, '"');
  for (size_t i = 0; !rc && i < n;) {
    uint32_t r;
    size_t w = tmpl__utf8_decode(u + i, n - i, &r);
    rc = tmpl__quote_rune(b, r, w, '"', u + i);
    i += w;
  }
  return rc ? rc : buf_putc(b, '"');
}

static int hexval(int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* \xHH (a byte), \uHHHH and \UHHHHHHHH (runes); u[0] is the backslash. */
static int unquote_hex(const unsigned char *u, size_t n, uint32_t *r,
                       int *is_byte, size_t *used)
{
  int c = u[1];
  size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
  if (n < 2 + digits)
    return -EINVAL;
  uint32_t v = 0;
  for (size_t i = 0; i < digits; i++) {
    int h = hexval(u[2 + i]);
    if (h < 0)
      return -EINVAL;
    v = v << 4 | (uint32_t)h;
  }
  *used = 2 + digits;
  if (c == 'x')
    *is_byte = 1;
  else if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
    return -EINVAL;
  *r = v;
  return 0;
}

/* \OOO: three octal digits, a byte. */
static int unquote_octal(const unsigned char *u, size_t n, uint32_t *r,
                         int *is_byte, size_t *used)
{
  if (u[1] < '0' || u[1] > '7' || n < 4)
    return -EINVAL;
  uint32_t v = 0;
  for (size_t i = 1; i < 4; i++) {
    if (u[i] < '0' || u[i] > '7')
      return -EINVAL;
    v = v * 8 + (uint32_t)(u[i] - '0');
  }
  if (v > 255)
    return -EINVAL;
  *used = 4;
  *is_byte = 1;
  *r = v;
  return 0;
}

/* strconv.UnquoteChar: one possibly escaped rune from s. *is_byte is set
 * for \x and octal escapes, which stand for a byte, not a rune. */
static int unquote_char(const char *s, size_t n, int quote, uint32_t *r,
                        int *is_byte, size_t *used)
{
  const unsigned char *u = (const unsigned char *)s;
  *is_byte = 0;
  if (n == 0 || (u[0] == quote && (quote == '\'' || quote == '"')))
    return -EINVAL;
  if (u[0] >= 0x80) {
    *used = tmpl__utf8_decode(u, n, r);
    return 0;
  }
  if (u[0] != '\\') {
    *r = u[0];
    *used = 1;
    return 0;
  }
  if (n < 2)
    return -EINVAL;
  int c = u[1];
  *used = 2;
  switch (c) {
  case 'a':
    *r = '\a';
    return 0;
  case 'b':
    *r = '\b';
    return 0;
  case 'f':
    *r = '\f';
    return 0;
  case 'n':
    *r = '\n';
    return 0;
  case 'r':
    *r = '\r';
    return 0;
  case 't':
    *r = '\t';
    return 0;
  case 'v':
    *r = '\v';
    return 0;
  case '\\':
    *r = '\\';
    return 0;
  case '\'':
  case '"':
    if (c != quote)
      return -EINVAL;
    *r = (uint32_t)c;
    return 0;
  case 'x':
  case 'u':
  case 'U':
    return unquote_hex(u, n, r, is_byte, used);
  default:
    return unquote_octal(u, n, r, is_byte, used);
  }
}

int tmpl__unquote(const char *s, size_t n, struct buf *out)
{
  if (n < 2 || s[0] != s[n - 1])
    return -EINVAL;
  int q = s[0];
  s++;
  n -= 2;
  if (q == '`') {
    for (size_t i = 0; i < n; i++) {
      if (s[i] == '`')
        return -EINVAL;
      if (s[i] != '\r' && buf_putc(out, s[i]))
        return -ENOMEM;
    }
    return buf_append(out, "", 0);
  }
  if (q != '"' && q != '\'')
    return -EINVAL;
  if (memchr(s, '\n', n))
    return -EINVAL;
  for (size_t i = 0; i < n;) {
    uint32_t r;
    int is_byte;
    size_t used;
    if (unquote_char(s + i, n - i, q, &r, &is_byte, &used))
      return -EINVAL;
    int rc;
    if (is_byte || (r == 0xfffd && used == 1 && (unsigned char)s[i] >= 0x80))
      rc = is_byte ? buf_putc(out, (char)r) : buf_append(out, s + i, 1);
    else
      rc = tmpl__utf8_encode(out, r);
    if (rc)
      return rc;
    i += used;
  }
  return buf_append(out, "", 0);
}

int tmpl__unquote_char(const char *s, size_t n, uint32_t *r)
{
  if (n < 2 || s[0] != '\'')
    return -EINVAL;
  int is_byte;
  size_t used;
  if (unquote_char(s + 1, n - 1, '\'', r, &is_byte, &used))
    return -EINVAL;
  if (1 + used != n - 1 || s[n - 1] != '\'')
    return -ERANGE;
  return 0;
}
