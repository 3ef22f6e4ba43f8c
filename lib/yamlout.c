/* yamlout: sigs.k8s.io/yaml-compatible YAML writer (see yamlout.h).
 *
 * The writer keeps the same small state go-yaml's emitter keeps (column,
 * indent, "last write was whitespace", "we are in indentation") and makes
 * the same decisions from it, so line breaks, folding and indentation come
 * out identical. Nodes are written recursively; values are JSON trees whose
 * depth the parsers already bound. */
#include "yamlout.h"

#include "gonum.h"
#include "kyaml.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#define BEST_INDENT 2
#define BEST_WIDTH 80
#define MAX_SIMPLE_KEY 128

enum style { STYLE_PLAIN, STYLE_SINGLE, STYLE_DOUBLE, STYLE_LITERAL };

struct emitter {
  struct buf *out;
  int column;
  int indent;
  int whitespace;
  int indention;
  int flow_level;
  int mapping_ctx;
  int simple_key_ctx;
  int rc;
  struct err *e;
};

/* ---- characters, as go-yaml's yamlprivateh.go classifies UTF-8 bytes ---- */

static int width(unsigned char c)
{
  if ((c & 0x80) == 0)
    return 1;
  if ((c & 0xe0) == 0xc0)
    return 2;
  if ((c & 0xf0) == 0xe0)
    return 3;
  if ((c & 0xf8) == 0xf0)
    return 4;
  return 1;
}

static unsigned char at(const unsigned char *s, size_t n, size_t i)
{
  return i < n ? s[i] : 0;
}

static int is_space(const unsigned char *s, size_t n, size_t i)
{
  return at(s, n, i) == ' ';
}

static int is_break(const unsigned char *s, size_t n, size_t i)
{
  unsigned char c = at(s, n, i);
  return c == '\r' || c == '\n' || (c == 0xc2 && at(s, n, i + 1) == 0x85) ||
         (c == 0xe2 && at(s, n, i + 1) == 0x80 &&
          (at(s, n, i + 2) == 0xa8 || at(s, n, i + 2) == 0xa9));
}

static int is_blankz(const unsigned char *s, size_t n, size_t i)
{
  unsigned char c = at(s, n, i);
  return c == ' ' || c == '\t' || c == 0 || is_break(s, n, i);
}

static int is_bom(const unsigned char *s, size_t n, size_t i)
{
  return at(s, n, i) == 0xef && at(s, n, i + 1) == 0xbb &&
         at(s, n, i + 2) == 0xbf;
}

/* YAML's printable set; TAB, CR, NEL and 4-byte characters are not in it. */
static int is_printable(const unsigned char *s, size_t n, size_t i)
{
  unsigned char c = at(s, n, i), c1 = at(s, n, i + 1), c2 = at(s, n, i + 2);
  return c == 0x0a || (c >= 0x20 && c <= 0x7e) || (c == 0xc2 && c1 >= 0xa0) ||
         (c > 0xc2 && c < 0xed) || (c == 0xed && c1 < 0xa0) || c == 0xee ||
         (c == 0xef && !(c1 == 0xbb && c2 == 0xbf) &&
          !(c1 == 0xbf && (c2 == 0xbe || c2 == 0xbf)));
}

/* ---- low-level writes, tracking the column ---- */

static void put(struct emitter *em, char c)
{
  if (!em->rc)
    em->rc = buf_putc(em->out, c);
  em->column++;
}

static void put_break(struct emitter *em)
{
  if (!em->rc)
    em->rc = buf_putc(em->out, '\n');
  em->column = 0;
}

/* Copies one character (all its bytes) and advances *i. */
static void write_char(struct emitter *em, const unsigned char *s, size_t n,
                       size_t *i)
{
  size_t w = (size_t)width(s[*i]);
  if (*i + w > n)
    w = n - *i;
  if (!em->rc)
    em->rc = buf_append(em->out, s + *i, w);
  em->column++;
  *i += w;
}

static void write_break(struct emitter *em, const unsigned char *s, size_t n,
                        size_t *i)
{
  if (s[*i] == '\n') {
    put_break(em);
    (*i)++;
  } else {
    write_char(em, s, n, i);
    em->column = 0;
  }
}

static void write_indent(struct emitter *em)
{
  int indent = em->indent < 0 ? 0 : em->indent;
  if (!em->indention || em->column > indent ||
      (em->column == indent && !em->whitespace))
    put_break(em);
  while (em->column < indent)
    put(em, ' ');
  em->whitespace = 1;
  em->indention = 1;
}

static void write_indicator(struct emitter *em, const char *ind,
                            int need_whitespace, int is_whitespace,
                            int is_indention)
{
  if (need_whitespace && !em->whitespace)
    put(em, ' ');
  const unsigned char *s = (const unsigned char *)ind;
  size_t n = strlen(ind);
  for (size_t i = 0; i < n;)
    write_char(em, s, n, &i);
  em->whitespace = is_whitespace;
  em->indention = em->indention && is_indention;
}

static int increase_indent(struct emitter *em, int flow, int indentless)
{
  int old = em->indent;
  if (em->indent < 0)
    em->indent = flow ? BEST_INDENT : 0;
  else if (!indentless)
    em->indent += BEST_INDENT;
  return old;
}

/* ---- scalar analysis and style (go-yaml's analyze/select) ---- */

struct analysis {
  int multiline;
  int flow_plain_allowed;
  int block_plain_allowed;
  int single_quoted_allowed;
  int block_allowed;
};

struct scan_flags {
  int block_ind, flow_ind, line_breaks, special;
  int leading_space, leading_break, trailing_space, trailing_break;
  int break_space, space_break;
};

static void scan_indicators(const unsigned char *s, size_t n, size_t i,
                            int preceded_by_ws, struct scan_flags *f)
{
  int followed_by_ws = is_blankz(s, n, i + (size_t)width(s[i]));
  unsigned char c = s[i];
  if (i == 0) {
    if (strchr("#,[]{}&*!|>'\"%@`", c)) {
      f->flow_ind = f->block_ind = 1;
    } else if (c == '?' || c == ':') {
      f->flow_ind = 1;
      if (followed_by_ws)
        f->block_ind = 1;
    } else if (c == '-' && followed_by_ws) {
      f->flow_ind = f->block_ind = 1;
    }
  } else if (c == ',' || c == '?' || c == '[' || c == ']' || c == '{' ||
             c == '}') {
    f->flow_ind = 1;
  } else if (c == ':') {
    f->flow_ind = 1;
    if (followed_by_ws)
      f->block_ind = 1;
  } else if (c == '#' && preceded_by_ws) {
    f->flow_ind = f->block_ind = 1;
  }
}

static void scan_scalar(const unsigned char *s, size_t n, struct scan_flags *f)
{
  memset(f, 0, sizeof *f);
  if (n >= 3 && ((s[0] == '-' && s[1] == '-' && s[2] == '-') ||
                 (s[0] == '.' && s[1] == '.' && s[2] == '.')))
    f->block_ind = f->flow_ind = 1;
  int preceded_by_ws = 1, prev_space = 0, prev_break = 0;
  for (size_t i = 0; i < n; i += (size_t)width(s[i])) {
    size_t w = (size_t)width(s[i]);
    scan_indicators(s, n, i, preceded_by_ws, f);
    if (!is_printable(s, n, i))
      f->special = 1;
    if (is_space(s, n, i)) {
      f->leading_space |= i == 0;
      f->trailing_space |= i + w == n;
      f->break_space |= prev_break;
      prev_space = 1;
      prev_break = 0;
    } else if (is_break(s, n, i)) {
      f->line_breaks = 1;
      f->leading_break |= i == 0;
      f->trailing_break |= i + w == n;
      f->space_break |= prev_space;
      prev_space = 0;
      prev_break = 1;
    } else {
      prev_space = prev_break = 0;
    }
    preceded_by_ws = is_blankz(s, n, i);
  }
}

static void analyze(const unsigned char *s, size_t n, struct analysis *a)
{
  if (n == 0) {
    *a = (struct analysis){0, 0, 1, 1, 0};
    return;
  }
  struct scan_flags f;
  scan_scalar(s, n, &f);
  *a = (struct analysis){f.line_breaks, 1, 1, 1, 1};
  if (f.leading_space || f.leading_break || f.trailing_space ||
      f.trailing_break)
    a->flow_plain_allowed = a->block_plain_allowed = 0;
  if (f.trailing_space)
    a->block_allowed = 0;
  if (f.break_space)
    a->flow_plain_allowed = a->block_plain_allowed =
        a->single_quoted_allowed = 0;
  if (f.space_break || f.special)
    a->flow_plain_allowed = a->block_plain_allowed =
        a->single_quoted_allowed = a->block_allowed = 0;
  if (f.line_breaks)
    a->flow_plain_allowed = a->block_plain_allowed = 0;
  if (f.flow_ind)
    a->flow_plain_allowed = 0;
  if (f.block_ind)
    a->block_plain_allowed = 0;
}

static enum style select_style(struct emitter *em, enum style style,
                               const struct analysis *a, size_t n)
{
  if (em->simple_key_ctx && a->multiline)
    style = STYLE_DOUBLE;
  if (style == STYLE_PLAIN) {
    if ((em->flow_level && !a->flow_plain_allowed) ||
        (!em->flow_level && !a->block_plain_allowed))
      style = STYLE_SINGLE;
    if (n == 0 && (em->flow_level || em->simple_key_ctx))
      style = STYLE_SINGLE;
  }
  if (style == STYLE_SINGLE && !a->single_quoted_allowed)
    style = STYLE_DOUBLE;
  if (style == STYLE_LITERAL &&
      (!a->block_allowed || em->flow_level || em->simple_key_ctx))
    style = STYLE_DOUBLE;
  return style;
}

/* ---- scalar writers ---- */

static void write_plain(struct emitter *em, const unsigned char *s, size_t n,
                        int allow_breaks)
{
  if (!em->whitespace)
    put(em, ' ');
  int spaces = 0, breaks = 0;
  for (size_t i = 0; i < n;) {
    if (is_space(s, n, i)) {
      if (allow_breaks && !spaces && em->column > BEST_WIDTH &&
          !is_space(s, n, i + 1)) {
        write_indent(em);
        i++;
      } else {
        write_char(em, s, n, &i);
      }
      spaces = 1;
    } else if (is_break(s, n, i)) {
      if (!breaks && s[i] == '\n')
        put_break(em);
      write_break(em, s, n, &i);
      em->indention = 1;
      breaks = 1;
    } else {
      if (breaks)
        write_indent(em);
      write_char(em, s, n, &i);
      em->indention = 0;
      spaces = breaks = 0;
    }
  }
  em->whitespace = 0;
  em->indention = 0;
}

static void write_single(struct emitter *em, const unsigned char *s, size_t n,
                         int allow_breaks)
{
  write_indicator(em, "'", 1, 0, 0);
  int spaces = 0, breaks = 0;
  for (size_t i = 0; i < n;) {
    if (is_space(s, n, i)) {
      if (allow_breaks && !spaces && em->column > BEST_WIDTH && i > 0 &&
          i < n - 1 && !is_space(s, n, i + 1)) {
        write_indent(em);
        i++;
      } else {
        write_char(em, s, n, &i);
      }
      spaces = 1;
    } else if (is_break(s, n, i)) {
      if (!breaks && s[i] == '\n')
        put_break(em);
      write_break(em, s, n, &i);
      em->indention = 1;
      breaks = 1;
    } else {
      if (breaks)
        write_indent(em);
      if (s[i] == '\'')
        put(em, '\'');
      write_char(em, s, n, &i);
      em->indention = 0;
      spaces = breaks = 0;
    }
  }
  write_indicator(em, "'", 0, 0, 0);
  em->whitespace = 0;
  em->indention = 0;
}

static uint32_t decode_rune(const unsigned char *s, size_t n, size_t *i)
{
  size_t w = (size_t)width(s[*i]);
  uint32_t v = w == 1 ? s[*i] : w == 2 ? (s[*i] & 0x1fu)
             : w == 3 ? (s[*i] & 0x0fu) : (s[*i] & 0x07u);
  for (size_t k = 1; k < w && *i + k < n; k++)
    v = (v << 6) | (s[*i + k] & 0x3fu);
  *i += w;
  return v;
}

static void write_escape(struct emitter *em, uint32_t v)
{
  static const char hex[] = "0123456789ABCDEF";
  static const struct { uint32_t cp; char c; } named[] = {
      {0x00, '0'}, {0x07, 'a'}, {0x08, 'b'}, {0x09, 't'}, {0x0a, 'n'},
      {0x0b, 'v'}, {0x0c, 'f'}, {0x0d, 'r'}, {0x1b, 'e'}, {0x22, '"'},
      {0x5c, '\\'}, {0x85, 'N'}, {0xa0, '_'}, {0x2028, 'L'}, {0x2029, 'P'}};
  put(em, '\\');
  for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
    if (named[k].cp == v) {
      put(em, named[k].c);
      return;
    }
  }
  int digits = v <= 0xff ? 2 : v <= 0xffff ? 4 : 8;
  put(em, digits == 2 ? 'x' : digits == 4 ? 'u' : 'U');
  for (int k = (digits - 1) * 4; k >= 0; k -= 4)
    put(em, hex[(v >> k) & 0xf]);
}

static void write_double(struct emitter *em, const unsigned char *s, size_t n,
                         int allow_breaks)
{
  int spaces = 0;
  write_indicator(em, "\"", 1, 0, 0);
  for (size_t i = 0; i < n;) {
    if (!is_printable(s, n, i) || is_bom(s, n, i) || is_break(s, n, i) ||
        s[i] == '"' || s[i] == '\\') {
      write_escape(em, decode_rune(s, n, &i));
      spaces = 0;
    } else if (is_space(s, n, i)) {
      if (allow_breaks && !spaces && em->column > BEST_WIDTH && i > 0 &&
          i < n - 1) {
        write_indent(em);
        if (is_space(s, n, i + 1))
          put(em, '\\');
        i++;
      } else {
        write_char(em, s, n, &i);
      }
      spaces = 1;
    } else {
      write_char(em, s, n, &i);
      spaces = 0;
    }
  }
  write_indicator(em, "\"", 0, 0, 0);
  em->whitespace = 0;
  em->indention = 0;
}

/* Start of the character that ends at byte i (walks back continuations). */
static size_t char_start(const unsigned char *s, size_t i)
{
  while (i > 0 && (s[i] & 0xc0) == 0x80)
    i--;
  return i;
}

static void write_block_hints(struct emitter *em, const unsigned char *s,
                              size_t n)
{
  if (is_space(s, n, 0) || is_break(s, n, 0)) {
    char hint[2] = {(char)('0' + BEST_INDENT), 0};
    write_indicator(em, hint, 0, 0, 0);
  }
  const char *chomp = NULL;
  if (n == 0) {
    chomp = "-";
  } else {
    size_t i = char_start(s, n - 1);
    if (!is_break(s, n, i))
      chomp = "-";
    else if (i == 0)
      chomp = "+";
    else if (is_break(s, n, char_start(s, i - 1)))
      chomp = "+";
  }
  if (chomp)
    write_indicator(em, chomp, 0, 0, 0);
}

static void write_literal(struct emitter *em, const unsigned char *s, size_t n)
{
  write_indicator(em, "|", 1, 0, 0);
  write_block_hints(em, s, n);
  put_break(em);
  em->indention = 1;
  em->whitespace = 1;
  int breaks = 1;
  for (size_t i = 0; i < n;) {
    if (is_break(s, n, i)) {
      write_break(em, s, n, &i);
      em->indention = 1;
      breaks = 1;
    } else {
      if (breaks)
        write_indent(em);
      write_char(em, s, n, &i);
      em->indention = 0;
      breaks = 0;
    }
  }
}

static void emit_scalar(struct emitter *em, const char *text, size_t n,
                        enum style wanted)
{
  const unsigned char *s = (const unsigned char *)text;
  struct analysis a;
  analyze(s, n, &a);
  enum style style = select_style(em, wanted, &a, n);
  int old = increase_indent(em, 1, 0);
  int allow_breaks = !em->simple_key_ctx;
  switch (style) {
  case STYLE_PLAIN:
    write_plain(em, s, n, allow_breaks);
    break;
  case STYLE_SINGLE:
    write_single(em, s, n, allow_breaks);
    break;
  case STYLE_DOUBLE:
    write_double(em, s, n, allow_breaks);
    break;
  case STYLE_LITERAL:
    write_literal(em, s, n);
    break;
  }
  em->indent = old;
}

/* ---- values: what the JSON step and go-yaml's encoder make of them ---- */

/* Replaces invalid UTF-8 with U+FFFD, as encoding/json does. NULL when the
 * text is valid and can be used as it is. */
static char *valid_utf8_copy(const char *s, size_t n, size_t *out_len)
{
  size_t i = 0;
  int bad = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    size_t w = (size_t)width(c);
    int ok = (c < 0x80) || ((c & 0xc0) == 0xc0 && c < 0xf8 && i + w <= n);
    for (size_t k = 1; ok && k < w; k++)
      ok = ((unsigned char)s[i + k] & 0xc0) == 0x80;
    if (!ok) {
      bad = 1;
      break;
    }
    i += w;
  }
  if (!bad)
    return NULL;
  struct buf b;
  buf_init(&b, 0);
  for (i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    size_t w = (size_t)width(c);
    int ok = (c < 0x80) || ((c & 0xc0) == 0xc0 && c < 0xf8 && i + w <= n);
    for (size_t k = 1; ok && k < w; k++)
      ok = ((unsigned char)s[i + k] & 0xc0) == 0x80;
    if (ok) {
      buf_append(&b, s + i, w);
      i += w;
    } else {
      buf_append(&b, "\xef\xbf\xbd", 3);
      i++;
    }
  }
  *out_len = b.len;
  return buf_take(&b);
}

/* go-yaml's stringv: plain unless a YAML 1.1 reader would see another type;
 * text with a newline goes in a literal block. */
static void emit_string(struct emitter *em, const char *s, size_t n)
{
  size_t fixed_len = 0;
  char *fixed = valid_utf8_copy(s, n, &fixed_len);
  if (fixed) {
    s = fixed;
    n = fixed_len;
  }
  struct kyaml_scalar sc;
  enum style style;
  if (memchr(s, '\n', n))
    style = STYLE_LITERAL;
  else if (kyaml_resolve(s, n, &sc) != KYAML_TAG_STR || kyaml_is_base60_float(s, n))
    style = STYLE_DOUBLE;
  else
    style = STYLE_PLAIN;
  emit_scalar(em, s, n, style);
  free(fixed);
}

/* A double as JSON prints it, then as go-yaml reads and prints that. */
static void emit_double(struct emitter *em, double d)
{
  char json[64], text[64];
  if (!isfinite(d)) {
    if (!em->rc)
      em->rc = err_set(em->e, -EINVAL, "json: unsupported value: %s",
                       isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf");
    return;
  }
  size_t n = gonum_format_json_float(json, sizeof json, d);
  struct kyaml_scalar sc;
  kyaml_resolve(json, n, &sc);
  if (sc.tag == KYAML_TAG_INT)
    snprintf(text, sizeof text, "%lld", (long long)sc.i);
  else if (sc.tag == KYAML_TAG_UINT)
    snprintf(text, sizeof text, "%llu", (unsigned long long)sc.u);
  else
    gonum_format_float(text, sizeof text, sc.f, 'g', -1, 64);
  emit_scalar(em, text, strlen(text), STYLE_PLAIN);
}

static void emit_int(struct emitter *em, struct json_object *o)
{
  char text[32];
  int64_t v = json_object_get_int64(o);
  if (v == INT64_MAX && json_object_get_uint64(o) > (uint64_t)INT64_MAX)
    snprintf(text, sizeof text, "%llu",
             (unsigned long long)json_object_get_uint64(o));
  else
    snprintf(text, sizeof text, "%lld", (long long)v);
  emit_scalar(em, text, strlen(text), STYLE_PLAIN);
}

static void emit_node(struct emitter *em, struct json_object *o, int mapping,
                      int simple_key);

static void emit_empty_flow(struct emitter *em, const char *open,
                            const char *close)
{
  write_indicator(em, open, 1, 1, 0);
  int old = increase_indent(em, 1, 0);
  em->indent = old;
  write_indicator(em, close, 0, 0, 0);
}

static void emit_sequence(struct emitter *em, struct json_object *o)
{
  size_t n = json_object_array_length(o);
  if (n == 0) {
    emit_empty_flow(em, "[", "]");
    return;
  }
  int old = increase_indent(em, 0, em->mapping_ctx && !em->indention);
  for (size_t i = 0; i < n && !em->rc; i++) {
    write_indent(em);
    write_indicator(em, "-", 1, 0, 1);
    emit_node(em, json_object_array_get_idx(o, i), 0, 0);
  }
  em->indent = old;
}

static int key_less_cb(const void *a, const void *b)
{
  return yamlout_key_cmp(*(const char *const *)a, *(const char *const *)b);
}

/* A key can be written inline ("key: value") unless it spans lines or is
 * longer than 128 bytes; then go-yaml writes "? key" and ": value". */
static int simple_key_ok(const char *k)
{
  size_t n = strlen(k);
  if (n > MAX_SIMPLE_KEY)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (is_break((const unsigned char *)k, n, i))
      return 0;
  return 1;
}

static void emit_pair(struct emitter *em, const char *key,
                      struct json_object *value)
{
  write_indent(em);
  struct json_object *k = json_object_new_string(key);
  if (simple_key_ok(key)) {
    emit_node(em, k, 1, 1);
    write_indicator(em, ":", 0, 0, 0);
  } else {
    write_indicator(em, "?", 1, 0, 1);
    emit_node(em, k, 1, 0);
    write_indent(em);
    write_indicator(em, ":", 1, 0, 1);
  }
  json_object_put(k);
  emit_node(em, value, 1, 0);
}

static void emit_mapping(struct emitter *em, struct json_object *o)
{
  size_t n = (size_t)json_object_object_length(o);
  if (n == 0) {
    emit_empty_flow(em, "{", "}");
    return;
  }
  const char **keys = malloc(n * sizeof *keys);
  if (!keys) {
    em->rc = err_set(em->e, -ENOMEM, "out of memory");
    return;
  }
  size_t i = 0;
  json_object_object_foreach(o, k, v) {
    (void)v;
    keys[i++] = k;
  }
  qsort(keys, n, sizeof *keys, key_less_cb);
  int old = increase_indent(em, 0, 0);
  for (i = 0; i < n && !em->rc; i++)
    emit_pair(em, keys[i], json_object_object_get(o, keys[i]));
  em->indent = old;
  free(keys);
}

static void emit_node(struct emitter *em, struct json_object *o, int mapping,
                      int simple_key)
{
  em->mapping_ctx = mapping;
  em->simple_key_ctx = simple_key;
  switch (json_object_get_type(o)) {
  case json_type_null:
    emit_scalar(em, "null", 4, STYLE_PLAIN);
    break;
  case json_type_boolean:
    emit_scalar(em, json_object_get_boolean(o) ? "true" : "false",
                json_object_get_boolean(o) ? 4 : 5, STYLE_PLAIN);
    break;
  case json_type_int:
    emit_int(em, o);
    break;
  case json_type_double:
    emit_double(em, json_object_get_double(o));
    break;
  case json_type_string:
    emit_string(em, json_object_get_string(o),
                (size_t)json_object_get_string_len(o));
    break;
  case json_type_array:
    emit_sequence(em, o);
    break;
  case json_type_object:
    emit_mapping(em, o);
    break;
  }
}

int yamlout_write(struct buf *b, struct json_object *o, struct err *e)
{
  struct emitter em = {.out = b, .indent = -1, .whitespace = 1,
                       .indention = 1, .e = e};
  emit_node(&em, o, 0, 0);
  write_indent(&em); /* the document end: finish the last line */
  if (em.rc && e && !e->code)
    err_set(e, em.rc, "yaml: output larger than %zu bytes", b->max);
  return em.rc;
}

/* ---- key order (go-yaml v2 sorter.go keyList.Less, for string keys) ---- */

static int rune_is_letter(uint32_t r)
{
  static locale_t utf8;
  if (r < 0x80)
    return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  if (!utf8)
    utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
  return utf8 ? iswalpha_l((wint_t)r, utf8) != 0 : 1;
}

static int rune_is_digit(uint32_t r) { return r >= '0' && r <= '9'; }

static size_t to_runes(const char *s, uint32_t **out)
{
  size_t n = strlen(s), count = 0;
  uint32_t *r = malloc((n + 1) * sizeof *r);
  if (!r) {
    *out = NULL;
    return 0;
  }
  for (size_t i = 0; i < n;)
    r[count++] = decode_rune((const unsigned char *)s, n, &i);
  *out = r;
  return count;
}

/* Compares digit runs numerically where the runes first differ. */
static int digit_run_cmp(const uint32_t *ar, size_t an_len, const uint32_t *br,
                         size_t bn_len, size_t i)
{
  uint64_t an = 0, bn = 0;
  if (ar[i] == '0' || br[i] == '0') {
    for (size_t j = i; j-- > 0 && rune_is_digit(ar[j]);) {
      if (ar[j] != '0') {
        an = bn = 1;
        break;
      }
    }
  }
  size_t ai = i, bi = i;
  for (; ai < an_len && rune_is_digit(ar[ai]); ai++)
    an = an * 10 + (ar[ai] - '0');
  for (; bi < bn_len && rune_is_digit(br[bi]); bi++)
    bn = bn * 10 + (br[bi] - '0');
  if (an != bn)
    return (int64_t)an < (int64_t)bn ? -1 : 1;
  if (ai != bi)
    return ai < bi ? -1 : 1;
  return ar[i] < br[i] ? -1 : 1;
}

static int rune_cmp(const uint32_t *ar, size_t an, const uint32_t *br,
                    size_t bn)
{
  for (size_t i = 0; i < an && i < bn; i++) {
    if (ar[i] == br[i])
      continue;
    int al = rune_is_letter(ar[i]), bl = rune_is_letter(br[i]);
    if (al && bl)
      return ar[i] < br[i] ? -1 : 1;
    if (al || bl)
      return bl ? -1 : 1;
    return digit_run_cmp(ar, an, br, bn, i);
  }
  return an < bn ? -1 : an > bn ? 1 : 0;
}

int yamlout_key_cmp(const char *a, const char *b)
{
  uint32_t *ar, *br;
  size_t an = to_runes(a, &ar), bn = to_runes(b, &br);
  int c = (ar && br) ? rune_cmp(ar, an, br, bn) : strcmp(a, b);
  free(ar);
  free(br);
  return c;
}
