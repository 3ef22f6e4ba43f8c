/* yamlout: sigs.k8s.io/yaml-compatible YAML writer (see yamlout.h).
 *
 * The writer keeps the same small state go-yaml's emitter keeps (column,
 * indent, "last write was whitespace", "we are in indentation") and makes
 * the same decisions from it, so line breaks, folding and indentation come
 * out identical. Nodes are written recursively; values are JSON trees whose
 * depth the parsers already bound. */
#include "yamlout.h"

#include "gonum.h"
#include "kjson.h"
#include "kyaml.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BEST_INDENT 2
#define BEST_WIDTH 80
#define MAX_SIMPLE_KEY 128
/* Nodes are written recursively: the depth is bounded like kjson's. */
#define MAX_DEPTH KJSON_MAX_DEPTH

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
  int depth;
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

/* go-yaml tests for a BOM at the start of the text whatever i is, so a
 * string that starts with U+FEFF gets every character escaped. */
static int is_bom(const unsigned char *s, size_t n, size_t i)
{
  (void)i;
  return at(s, n, 0) == 0xef && at(s, n, 1) == 0xbb && at(s, n, 2) == 0xbf;
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

/* Appends bytes; the common case (room left) skips buf_append's checks,
 * which dominated the writer's time. */
static void emit_bytes(struct emitter *em, const void *p, size_t n)
{
  struct buf *b = em->out;
  if (em->rc)
    return;
  if (b->data && b->len + n < b->cap) {
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return;
  }
  em->rc = buf_append(b, p, n);
}

static void put(struct emitter *em, char c)
{
  emit_bytes(em, &c, 1);
  em->column++;
}

static void put_break(struct emitter *em)
{
  emit_bytes(em, "\n", 1);
  em->column = 0;
}

/* Copies one character (all its bytes) and advances *i. */
static void write_char(struct emitter *em, const unsigned char *s, size_t n,
                       size_t *i)
{
  size_t w = (size_t)width(s[*i]);
  if (*i + w > n)
    w = n - *i;
  emit_bytes(em, s + *i, w);
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

/* Copies characters from *i up to the next line break (and, with
 * stop_at_space, the next space; with quote, the next one of those), at
 * least one: what write_char does for each, in one write. */
static void write_run(struct emitter *em, const unsigned char *s, size_t n,
                      size_t *i, int stop_at_space, unsigned char quote)
{
  size_t start = *i, j = *i;
  int chars = 0;
  do {
    size_t w = (size_t)width(s[j]);
    j += j + w > n ? n - j : w;
    chars++;
    /* ASCII text, most of it: no multi-byte breaks to look for */
    while (j < n && s[j] < 0x80 && s[j] != '\n' && s[j] != '\r' &&
           !(stop_at_space && s[j] == ' ') && !(quote && s[j] == quote)) {
      j++;
      chars++;
    }
  } while (j < n && !(stop_at_space && s[j] == ' ') && !is_break(s, n, j) &&
           !(quote && s[j] == quote));
  emit_bytes(em, s + start, j - start);
  em->column += chars;
  *i = j;
}

static void write_indent(struct emitter *em)
{
  int indent = em->indent < 0 ? 0 : em->indent;
  if (!em->indention || em->column > indent ||
      (em->column == indent && !em->whitespace))
    put_break(em);
  static const char spaces[] = "                                ";
  while (em->column < indent) {
    int k = indent - em->column;
    k = k < (int)sizeof spaces - 1 ? k : (int)sizeof spaces - 1;
    emit_bytes(em, spaces, (size_t)k);
    em->column += k;
  }
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
    if (c && strchr("#,[]{}&*!|>'\"%@`", c)) {
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

static int ascii_blankz(unsigned char c)
{
  return c == ' ' || c == '\t' || c == 0 || c == '\r' || c == '\n';
}

/* The characters scan_indicators looks at past the first. */
static int maybe_indicator(unsigned char c)
{
  switch (c) {
  case ',':
  case '?':
  case '[':
  case ']':
  case '{':
  case '}':
  case ':':
  case '#':
    return 1;
  default:
    return 0;
  }
}

/* scan_scalar's loop for text that is all ASCII (one byte, one character):
 * the same flags, without the multi-byte tests. */
static void scan_ascii(const unsigned char *s, size_t n, struct scan_flags *f)
{
  int preceded_by_ws = 1, prev_space = 0, prev_break = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = s[i];
    if (i == 0 || maybe_indicator(c))
      scan_indicators(s, n, i, preceded_by_ws, f);
    if (c != '\n' && (c < 0x20 || c > 0x7e))
      f->special = 1;
    if (c == ' ') {
      f->leading_space |= i == 0;
      f->trailing_space |= i + 1 == n;
      f->break_space |= prev_break;
      prev_space = 1;
      prev_break = 0;
    } else if (c == '\r' || c == '\n') {
      f->line_breaks = 1;
      f->leading_break |= i == 0;
      f->trailing_break |= i + 1 == n;
      f->space_break |= prev_space;
      prev_space = 0;
      prev_break = 1;
    } else {
      prev_space = prev_break = 0;
    }
    preceded_by_ws = ascii_blankz(c);
  }
}

static int all_ascii(const unsigned char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (s[i] & 0x80)
      return 0;
  return 1;
}

static void scan_scalar(const unsigned char *s, size_t n, struct scan_flags *f)
{
  memset(f, 0, sizeof *f);
  if (n >= 3 && ((s[0] == '-' && s[1] == '-' && s[2] == '-') ||
                 (s[0] == '.' && s[1] == '.' && s[2] == '.')))
    f->block_ind = f->flow_ind = 1;
  if (all_ascii(s, n)) {
    scan_ascii(s, n, f);
    return;
  }
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
    a->flow_plain_allowed = a->block_plain_allowed = a->single_quoted_allowed =
        0;
  if (f.space_break || f.special)
    a->flow_plain_allowed = a->block_plain_allowed = a->single_quoted_allowed =
        a->block_allowed = 0;
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
      write_run(em, s, n, &i, 1, 0);
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
      if (s[i] == '\'') {
        put(em, '\'');
        write_char(em, s, n, &i);
      } else {
        write_run(em, s, n, &i, 1, '\'');
      }
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
  uint32_t v = w == 1   ? s[*i]
               : w == 2 ? (s[*i] & 0x1fu)
               : w == 3 ? (s[*i] & 0x0fu)
                        : (s[*i] & 0x07u);
  for (size_t k = 1; k < w && *i + k < n; k++)
    v = (v << 6) | (s[*i + k] & 0x3fu);
  *i += w;
  return v;
}

static void write_escape(struct emitter *em, uint32_t v)
{
  static const char hex[] = "0123456789ABCDEF";
  static const struct {
    uint32_t cp;
    char c;
  } named[] = {{0x00, '0'}, {0x07, 'a'},   {0x08, 'b'},  {0x09, 't'},
               {0x0a, 'n'}, {0x0b, 'v'},   {0x0c, 'f'},  {0x0d, 'r'},
               {0x1b, 'e'}, {0x22, '"'},   {0x5c, '\\'}, {0x85, 'N'},
               {0xa0, '_'}, {0x2028, 'L'}, {0x2029, 'P'}};
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
      write_run(em, s, n, &i, 0, 0);
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

/* ---- strings: what the JSON step does to them ---- */

/* sigs.k8s.io/yaml hands go-yaml the JSON text, so a string reaches the
 * emitter as YAML read it back from JSON: invalid UTF-8 became U+FFFD, a
 * raw NEL (JSON leaves U+0085 unescaped) was folded as a line break, and a
 * control character that YAML's reader refuses fails the whole document. */
enum string_trouble {
  TROUBLE_BAD_UTF8 = 1 << 0,
  TROUBLE_NEL = 1 << 1,
};

/* What YAML's reader refuses once JSON has escaped C0 controls. */
static int is_refused_control(uint32_t cp)
{
  return cp == 0x7f || (cp >= 0x80 && cp <= 0x9f && cp != 0x85) ||
         cp == 0xfffe || cp == 0xffff;
}

/* Sets *bad to a refused character (or 0) and returns TROUBLE_ flags. */
static int string_trouble(const char *s, size_t n, uint32_t *bad)
{
  int flags = 0;
  *bad = 0;
  for (size_t i = 0; i < n;) {
    if ((unsigned char)s[i] < 0x7f) { /* the common case */
      i++;
      continue;
    }
    uint32_t cp;
    size_t w = kjson_utf8_decode(s + i, n - i, &cp);
    if (w == 0) {
      flags |= TROUBLE_BAD_UTF8;
      i++;
      continue;
    }
    if (cp == 0x85)
      flags |= TROUBLE_NEL;
    else if (is_refused_control(cp) && !*bad)
      *bad = cp;
    i += w;
  }
  return flags;
}

/* Replaces each byte that is not valid UTF-8 with U+FFFD, as encoding/json
 * does. */
static int replace_bad_utf8(const char *s, size_t n, struct buf *out)
{
  int rc = 0;
  for (size_t i = 0; i < n && !rc;) {
    uint32_t cp;
    size_t w = kjson_utf8_decode(s + i, n - i, &cp);
    rc = w ? buf_append(out, s + i, w) : buf_append(out, "\xef\xbf\xbd", 3);
    i += w ? w : 1;
  }
  return rc;
}

/* Reads the string's JSON text back as YAML, which folds raw NELs. */
static int fold_as_yaml_reads_json(struct emitter *em, const char *s, size_t n,
                                   struct buf *out)
{
  struct json_object *str = json_object_new_string_len(s, (int)n);
  struct buf json;
  buf_init(&json, 0);
  int rc = kjson_write(&json, str, KJSON_NO_HTML_ESCAPE, em->e);
  json_object_put(str);
  struct json_object *back = NULL;
  struct kyaml_opts o = {.name = "JSON text"};
  struct err e;
  err_clear(&e);
  if (!rc && kyaml_parse(json.data, json.len, &o, &back, &e) != 0)
    rc = err_set(em->e, e.code,
                 "yaml: cannot write a string holding U+0085 "
                 "(NEL) as sigs.k8s.io/yaml would: %s",
                 e.msg);
  if (!rc && json_object_is_type(back, json_type_string))
    rc = buf_append(out, json_object_get_string(back),
                    (size_t)json_object_get_string_len(back));
  json_object_put(back);
  buf_free(&json);
  return rc;
}

/* s quoted for a message: control characters escaped, cut at 40 bytes. */
static void quote_for_message(struct buf *q, const char *s, size_t n)
{
  buf_putc(q, '"');
  for (size_t i = 0; i < n && i < 40;) {
    uint32_t cp;
    size_t w = kjson_utf8_decode(s + i, n - i, &cp);
    if (w && (cp == '"' || cp == '\\'))
      buf_printf(q, "\\%c", (char)cp);
    else if (w && cp >= 0x20 && !(cp >= 0x7f && cp <= 0x9f) &&
             !is_refused_control(cp))
      buf_append(q, s + i, w);
    else
      buf_printf(q, "\\u%04X", w ? (unsigned)cp : 0xfffdu);
    i += w ? w : 1;
  }
  buf_puts(q, n > 40 ? "\"..." : "\"");
}

/* The error sigs.k8s.io/yaml.Marshal gives, naming the string. */
static void refuse_control(struct emitter *em, const char *s, size_t n,
                           uint32_t bad)
{
  struct buf q;
  buf_init(&q, 0);
  quote_for_message(&q, s, n);
  em->rc = err_set(em->e, -EINVAL,
                   "yaml: cannot write the string %s: "
                   "U+%04X is a control character that YAML does not allow",
                   q.data ? q.data : "", (unsigned)bad);
  buf_free(&q);
}

/* The text go-yaml gets for s: NULL when that is s itself, else a heap
 * copy (its length in *len). Sets em->rc when no YAML can hold s. */
static char *string_after_json(struct emitter *em, const char *s, size_t n,
                               size_t *len)
{
  uint32_t bad;
  int flags = string_trouble(s, n, &bad);
  if (bad) {
    refuse_control(em, s, n, bad);
    return NULL;
  }
  if (!flags)
    return NULL;
  struct buf b;
  buf_init(&b, 0);
  int rc = replace_bad_utf8(s, n, &b);
  if (!rc && (flags & TROUBLE_NEL)) {
    struct buf folded;
    buf_init(&folded, 0);
    rc = fold_as_yaml_reads_json(em, b.data, b.len, &folded);
    buf_free(&b);
    b = folded;
  }
  if (rc) {
    em->rc = rc;
    buf_free(&b);
    return NULL;
  }
  *len = b.len;
  return buf_take(&b);
}

/* ---- values: what go-yaml's encoder makes of them ---- */

/* go-yaml's stringv: plain unless a YAML 1.1 reader would see another type
 * ("<<" stays plain: go-yaml resolves it as a string); text with a newline
 * goes in a literal block. */
static void emit_string(struct emitter *em, const char *s, size_t n)
{
  size_t fixed_len = 0;
  char *fixed = string_after_json(em, s, n, &fixed_len);
  if (em->rc)
    return;
  if (fixed) {
    s = fixed;
    n = fixed_len;
  }
  struct kyaml_scalar sc;
  enum kyaml_tag tag = kyaml_resolve(s, n, &sc);
  enum style style;
  if (memchr(s, '\n', n))
    style = STYLE_LITERAL;
  else if ((tag != KYAML_TAG_STR && tag != KYAML_TAG_MERGE) ||
           kyaml_is_base60_float(s, n))
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
    em->rc = err_set(em->e, -EINVAL, "json: unsupported value: %s",
                     isnan(d) ? "NaN"
                     : d > 0  ? "+Inf"
                              : "-Inf");
    return;
  }
  if (d == trunc(d) && fabs(d) < 0x1p53) {
    /* JSON prints such an integer exactly and go-yaml reads it as one. */
    snprintf(text, sizeof text, "%lld", (long long)d);
    emit_scalar(em, text, strlen(text), STYLE_PLAIN);
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

/* A key can be written inline ("key: value") unless it spans lines or is
 * longer than 128 bytes; then go-yaml writes "? key" and ": value". */
static int simple_key_ok(const char *k, size_t n)
{
  if (n > MAX_SIMPLE_KEY)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (is_break((const unsigned char *)k, n, i))
      return 0;
  return 1;
}

/* A key is a string node in the mapping context. */
static void emit_key(struct emitter *em, const char *key, size_t n, int simple)
{
  em->mapping_ctx = 1;
  em->simple_key_ctx = simple;
  emit_string(em, key, n);
}

static void emit_pair(struct emitter *em, const char *key,
                      struct json_object *value)
{
  size_t n = strlen(key);
  write_indent(em);
  if (simple_key_ok(key, n)) {
    emit_key(em, key, n, 1);
    write_indicator(em, ":", 0, 0, 0);
  } else {
    write_indicator(em, "?", 1, 0, 1);
    emit_key(em, key, n, 0);
    write_indent(em);
    write_indicator(em, ":", 1, 0, 1);
  }
  emit_node(em, value, 1, 0);
}

struct pair {
  const char *key;
  struct json_object *value;
};

static int pair_key_cmp(const void *a, const void *b)
{
  return yamlout_key_cmp(((const struct pair *)a)->key,
                         ((const struct pair *)b)->key);
}

static int pair_byte_cmp(const void *a, const void *b)
{
  return strcmp(((const struct pair *)a)->key, ((const struct pair *)b)->key);
}

/* Characters in the JSON text of s (encoding/json, HTML-safe). */
static size_t json_text_chars(const char *s, size_t n)
{
  size_t chars = 2;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t w = kjson_utf8_decode(s + i, n - i, &cp);
    if (!w || cp == '<' || cp == '>' || cp == '&' || cp == 0x2028 ||
        cp == 0x2029 || (cp < 0x20 && (!cp || !strchr("\b\f\n\r\t", (int)cp))))
      chars += 6; /* \u00XX, or \ufffd for a bad byte */
    else if (cp < 0x20 || cp == '"' || cp == '\\')
      chars += 2;
    else
      chars++;
    i += w ? w : 1;
  }
  return chars;
}

/* go-yaml reads the JSON keys back as simple keys, which must sit on one
 * line and within 1024 characters; sigs.k8s.io/yaml.Marshal fails
 * otherwise, and so do we. */
static int check_key(struct emitter *em, const char *k)
{
  size_t n = strlen(k);
  const char *why = NULL;
  if (strstr(k, "\xc2\x85"))
    why = "U+0085 (NEL) breaks the line of a key";
  else if (n > 170 && json_text_chars(k, n) > 1024)
    why = "YAML reads at most 1024 characters of it as JSON text";
  if (!why)
    return 0;
  struct buf q;
  buf_init(&q, 0);
  quote_for_message(&q, k, n);
  em->rc = err_set(em->e, -EINVAL, "yaml: cannot write the map key %s: %s",
                   q.data ? q.data : "", why);
  buf_free(&q);
  return em->rc;
}

/* Checks every key; 1 when some must go through the JSON step first. */
static int keys_need_json_step(struct emitter *em, struct json_object *o)
{
  int need = 0;
  json_object_object_foreach (o, k, v) {
    uint32_t bad;
    (void)v;
    if (check_key(em, k))
      return 0;
    if (string_trouble(k, strlen(k), &bad))
      need = 1;
  }
  return need;
}

/* The keys as JSON turned them (see string_after_json) into a new object.
 * Keys that became equal collapse: go-yaml keeps the last one in
 * encoding/json's byte order. */
static struct json_object *object_after_json(struct emitter *em,
                                             struct pair *pairs, size_t n)
{
  qsort(pairs, n, sizeof *pairs, pair_byte_cmp);
  struct json_object *fixed = json_object_new_object();
  for (size_t i = 0; i < n && !em->rc; i++) {
    size_t len = 0;
    char *k = string_after_json(em, pairs[i].key, strlen(pairs[i].key), &len);
    json_object_object_add(fixed, k ? k : pairs[i].key,
                           json_object_get(pairs[i].value));
    free(k);
  }
  return fixed;
}

static struct pair *collect_pairs(struct json_object *o, size_t n)
{
  struct pair *pairs = malloc(n * sizeof *pairs);
  size_t i = 0;
  if (pairs) {
    json_object_object_foreach (o, k, v) {
      pairs[i].key = k;
      pairs[i++].value = v;
    }
  }
  return pairs;
}

static void emit_mapping(struct emitter *em, struct json_object *o)
{
  size_t n = (size_t)json_object_object_length(o);
  if (n == 0) {
    emit_empty_flow(em, "{", "}");
    return;
  }
  struct pair *pairs = collect_pairs(o, n);
  if (!pairs) {
    em->rc = err_set(em->e, -ENOMEM, "out of memory");
    return;
  }
  if (keys_need_json_step(em, o)) {
    struct json_object *fixed = object_after_json(em, pairs, n);
    free(pairs);
    if (!em->rc)
      emit_mapping(em, fixed);
    json_object_put(fixed);
    return;
  }
  if (em->rc) {
    free(pairs);
    return;
  }
  qsort(pairs, n, sizeof *pairs, pair_key_cmp);
  int old = increase_indent(em, 0, 0);
  for (size_t i = 0; i < n && !em->rc; i++)
    emit_pair(em, pairs[i].key, pairs[i].value);
  em->indent = old;
  free(pairs);
}

static void emit_node(struct emitter *em, struct json_object *o, int mapping,
                      int simple_key)
{
  if (em->rc)
    return;
  if (++em->depth > MAX_DEPTH) {
    em->rc = err_set(em->e, -ELOOP, "yaml: nesting deeper than %d levels",
                     MAX_DEPTH);
    return;
  }
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
  em->depth--;
}

int yamlout_write(struct buf *b, struct json_object *o, struct err *e)
{
  struct emitter em = {
      .out = b, .indent = -1, .whitespace = 1, .indention = 1, .e = e};
  size_t start = b->len;
  emit_node(&em, o, 0, 0);
  if (!em.rc)
    write_indent(&em); /* the document end: finish the last line */
  if (em.rc == -E2BIG && e && !e->code)
    err_set(e, em.rc, "yaml: output larger than %zu bytes", b->max);
  if (em.rc) { /* nothing half-written stays behind */
    b->len = start;
    if (b->data)
      b->data[start] = '\0';
  }
  return em.rc;
}

/* ---- key order (go-yaml v2 sorter.go keyList.Less, for string keys) ---- */

static int in_ranges(uint32_t r, const uint32_t (*ranges)[2], size_t n)
{
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r < ranges[mid][0])
      hi = mid;
    else if (r > ranges[mid][1])
      lo = mid + 1;
    else
      return 1;
  }
  return 0;
}

/* Unicode 15.0 (what Go 1.21 to 1.23 use) general categories L and Nd,
 * above ASCII, generated with Python 3.12's unicodedata. */
/* clang-format off */
static const uint32_t letter_ranges[][2] = {
    {0xaa, 0xaa}, {0xb5, 0xb5}, {0xba, 0xba}, {0xc0, 0xd6}, {0xd8, 0xf6},
    {0xf8, 0x2c1}, {0x2c6, 0x2d1}, {0x2e0, 0x2e4}, {0x2ec, 0x2ec},
    {0x2ee, 0x2ee}, {0x370, 0x374}, {0x376, 0x377}, {0x37a, 0x37d},
    {0x37f, 0x37f}, {0x386, 0x386}, {0x388, 0x38a}, {0x38c, 0x38c},
    {0x38e, 0x3a1}, {0x3a3, 0x3f5}, {0x3f7, 0x481}, {0x48a, 0x52f},
    {0x531, 0x556}, {0x559, 0x559}, {0x560, 0x588}, {0x5d0, 0x5ea},
    {0x5ef, 0x5f2}, {0x620, 0x64a}, {0x66e, 0x66f}, {0x671, 0x6d3},
    {0x6d5, 0x6d5}, {0x6e5, 0x6e6}, {0x6ee, 0x6ef}, {0x6fa, 0x6fc},
    {0x6ff, 0x6ff}, {0x710, 0x710}, {0x712, 0x72f}, {0x74d, 0x7a5},
    {0x7b1, 0x7b1}, {0x7ca, 0x7ea}, {0x7f4, 0x7f5}, {0x7fa, 0x7fa},
    {0x800, 0x815}, {0x81a, 0x81a}, {0x824, 0x824}, {0x828, 0x828},
    {0x840, 0x858}, {0x860, 0x86a}, {0x870, 0x887}, {0x889, 0x88e},
    {0x8a0, 0x8c9}, {0x904, 0x939}, {0x93d, 0x93d}, {0x950, 0x950},
    {0x958, 0x961}, {0x971, 0x980}, {0x985, 0x98c}, {0x98f, 0x990},
    {0x993, 0x9a8}, {0x9aa, 0x9b0}, {0x9b2, 0x9b2}, {0x9b6, 0x9b9},
    {0x9bd, 0x9bd}, {0x9ce, 0x9ce}, {0x9dc, 0x9dd}, {0x9df, 0x9e1},
    {0x9f0, 0x9f1}, {0x9fc, 0x9fc}, {0xa05, 0xa0a}, {0xa0f, 0xa10},
    {0xa13, 0xa28}, {0xa2a, 0xa30}, {0xa32, 0xa33}, {0xa35, 0xa36},
    {0xa38, 0xa39}, {0xa59, 0xa5c}, {0xa5e, 0xa5e}, {0xa72, 0xa74},
    {0xa85, 0xa8d}, {0xa8f, 0xa91}, {0xa93, 0xaa8}, {0xaaa, 0xab0},
    {0xab2, 0xab3}, {0xab5, 0xab9}, {0xabd, 0xabd}, {0xad0, 0xad0},
    {0xae0, 0xae1}, {0xaf9, 0xaf9}, {0xb05, 0xb0c}, {0xb0f, 0xb10},
    {0xb13, 0xb28}, {0xb2a, 0xb30}, {0xb32, 0xb33}, {0xb35, 0xb39},
    {0xb3d, 0xb3d}, {0xb5c, 0xb5d}, {0xb5f, 0xb61}, {0xb71, 0xb71},
    {0xb83, 0xb83}, {0xb85, 0xb8a}, {0xb8e, 0xb90}, {0xb92, 0xb95},
    {0xb99, 0xb9a}, {0xb9c, 0xb9c}, {0xb9e, 0xb9f}, {0xba3, 0xba4},
    {0xba8, 0xbaa}, {0xbae, 0xbb9}, {0xbd0, 0xbd0}, {0xc05, 0xc0c},
    {0xc0e, 0xc10}, {0xc12, 0xc28}, {0xc2a, 0xc39}, {0xc3d, 0xc3d},
    {0xc58, 0xc5a}, {0xc5d, 0xc5d}, {0xc60, 0xc61}, {0xc80, 0xc80},
    {0xc85, 0xc8c}, {0xc8e, 0xc90}, {0xc92, 0xca8}, {0xcaa, 0xcb3},
    {0xcb5, 0xcb9}, {0xcbd, 0xcbd}, {0xcdd, 0xcde}, {0xce0, 0xce1},
    {0xcf1, 0xcf2}, {0xd04, 0xd0c}, {0xd0e, 0xd10}, {0xd12, 0xd3a},
    {0xd3d, 0xd3d}, {0xd4e, 0xd4e}, {0xd54, 0xd56}, {0xd5f, 0xd61},
    {0xd7a, 0xd7f}, {0xd85, 0xd96}, {0xd9a, 0xdb1}, {0xdb3, 0xdbb},
    {0xdbd, 0xdbd}, {0xdc0, 0xdc6}, {0xe01, 0xe30}, {0xe32, 0xe33},
    {0xe40, 0xe46}, {0xe81, 0xe82}, {0xe84, 0xe84}, {0xe86, 0xe8a},
    {0xe8c, 0xea3}, {0xea5, 0xea5}, {0xea7, 0xeb0}, {0xeb2, 0xeb3},
    {0xebd, 0xebd}, {0xec0, 0xec4}, {0xec6, 0xec6}, {0xedc, 0xedf},
    {0xf00, 0xf00}, {0xf40, 0xf47}, {0xf49, 0xf6c}, {0xf88, 0xf8c},
    {0x1000, 0x102a}, {0x103f, 0x103f}, {0x1050, 0x1055}, {0x105a, 0x105d},
    {0x1061, 0x1061}, {0x1065, 0x1066}, {0x106e, 0x1070}, {0x1075, 0x1081},
    {0x108e, 0x108e}, {0x10a0, 0x10c5}, {0x10c7, 0x10c7}, {0x10cd, 0x10cd},
    {0x10d0, 0x10fa}, {0x10fc, 0x1248}, {0x124a, 0x124d}, {0x1250, 0x1256},
    {0x1258, 0x1258}, {0x125a, 0x125d}, {0x1260, 0x1288}, {0x128a, 0x128d},
    {0x1290, 0x12b0}, {0x12b2, 0x12b5}, {0x12b8, 0x12be}, {0x12c0, 0x12c0},
    {0x12c2, 0x12c5}, {0x12c8, 0x12d6}, {0x12d8, 0x1310}, {0x1312, 0x1315},
    {0x1318, 0x135a}, {0x1380, 0x138f}, {0x13a0, 0x13f5}, {0x13f8, 0x13fd},
    {0x1401, 0x166c}, {0x166f, 0x167f}, {0x1681, 0x169a}, {0x16a0, 0x16ea},
    {0x16f1, 0x16f8}, {0x1700, 0x1711}, {0x171f, 0x1731}, {0x1740, 0x1751},
    {0x1760, 0x176c}, {0x176e, 0x1770}, {0x1780, 0x17b3}, {0x17d7, 0x17d7},
    {0x17dc, 0x17dc}, {0x1820, 0x1878}, {0x1880, 0x1884}, {0x1887, 0x18a8},
    {0x18aa, 0x18aa}, {0x18b0, 0x18f5}, {0x1900, 0x191e}, {0x1950, 0x196d},
    {0x1970, 0x1974}, {0x1980, 0x19ab}, {0x19b0, 0x19c9}, {0x1a00, 0x1a16},
    {0x1a20, 0x1a54}, {0x1aa7, 0x1aa7}, {0x1b05, 0x1b33}, {0x1b45, 0x1b4c},
    {0x1b83, 0x1ba0}, {0x1bae, 0x1baf}, {0x1bba, 0x1be5}, {0x1c00, 0x1c23},
    {0x1c4d, 0x1c4f}, {0x1c5a, 0x1c7d}, {0x1c80, 0x1c88}, {0x1c90, 0x1cba},
    {0x1cbd, 0x1cbf}, {0x1ce9, 0x1cec}, {0x1cee, 0x1cf3}, {0x1cf5, 0x1cf6},
    {0x1cfa, 0x1cfa}, {0x1d00, 0x1dbf}, {0x1e00, 0x1f15}, {0x1f18, 0x1f1d},
    {0x1f20, 0x1f45}, {0x1f48, 0x1f4d}, {0x1f50, 0x1f57}, {0x1f59, 0x1f59},
    {0x1f5b, 0x1f5b}, {0x1f5d, 0x1f5d}, {0x1f5f, 0x1f7d}, {0x1f80, 0x1fb4},
    {0x1fb6, 0x1fbc}, {0x1fbe, 0x1fbe}, {0x1fc2, 0x1fc4}, {0x1fc6, 0x1fcc},
    {0x1fd0, 0x1fd3}, {0x1fd6, 0x1fdb}, {0x1fe0, 0x1fec}, {0x1ff2, 0x1ff4},
    {0x1ff6, 0x1ffc}, {0x2071, 0x2071}, {0x207f, 0x207f}, {0x2090, 0x209c},
    {0x2102, 0x2102}, {0x2107, 0x2107}, {0x210a, 0x2113}, {0x2115, 0x2115},
    {0x2119, 0x211d}, {0x2124, 0x2124}, {0x2126, 0x2126}, {0x2128, 0x2128},
    {0x212a, 0x212d}, {0x212f, 0x2139}, {0x213c, 0x213f}, {0x2145, 0x2149},
    {0x214e, 0x214e}, {0x2183, 0x2184}, {0x2c00, 0x2ce4}, {0x2ceb, 0x2cee},
    {0x2cf2, 0x2cf3}, {0x2d00, 0x2d25}, {0x2d27, 0x2d27}, {0x2d2d, 0x2d2d},
    {0x2d30, 0x2d67}, {0x2d6f, 0x2d6f}, {0x2d80, 0x2d96}, {0x2da0, 0x2da6},
    {0x2da8, 0x2dae}, {0x2db0, 0x2db6}, {0x2db8, 0x2dbe}, {0x2dc0, 0x2dc6},
    {0x2dc8, 0x2dce}, {0x2dd0, 0x2dd6}, {0x2dd8, 0x2dde}, {0x2e2f, 0x2e2f},
    {0x3005, 0x3006}, {0x3031, 0x3035}, {0x303b, 0x303c}, {0x3041, 0x3096},
    {0x309d, 0x309f}, {0x30a1, 0x30fa}, {0x30fc, 0x30ff}, {0x3105, 0x312f},
    {0x3131, 0x318e}, {0x31a0, 0x31bf}, {0x31f0, 0x31ff}, {0x3400, 0x4dbf},
    {0x4e00, 0xa48c}, {0xa4d0, 0xa4fd}, {0xa500, 0xa60c}, {0xa610, 0xa61f},
    {0xa62a, 0xa62b}, {0xa640, 0xa66e}, {0xa67f, 0xa69d}, {0xa6a0, 0xa6e5},
    {0xa717, 0xa71f}, {0xa722, 0xa788}, {0xa78b, 0xa7ca}, {0xa7d0, 0xa7d1},
    {0xa7d3, 0xa7d3}, {0xa7d5, 0xa7d9}, {0xa7f2, 0xa801}, {0xa803, 0xa805},
    {0xa807, 0xa80a}, {0xa80c, 0xa822}, {0xa840, 0xa873}, {0xa882, 0xa8b3},
    {0xa8f2, 0xa8f7}, {0xa8fb, 0xa8fb}, {0xa8fd, 0xa8fe}, {0xa90a, 0xa925},
    {0xa930, 0xa946}, {0xa960, 0xa97c}, {0xa984, 0xa9b2}, {0xa9cf, 0xa9cf},
    {0xa9e0, 0xa9e4}, {0xa9e6, 0xa9ef}, {0xa9fa, 0xa9fe}, {0xaa00, 0xaa28},
    {0xaa40, 0xaa42}, {0xaa44, 0xaa4b}, {0xaa60, 0xaa76}, {0xaa7a, 0xaa7a},
    {0xaa7e, 0xaaaf}, {0xaab1, 0xaab1}, {0xaab5, 0xaab6}, {0xaab9, 0xaabd},
    {0xaac0, 0xaac0}, {0xaac2, 0xaac2}, {0xaadb, 0xaadd}, {0xaae0, 0xaaea},
    {0xaaf2, 0xaaf4}, {0xab01, 0xab06}, {0xab09, 0xab0e}, {0xab11, 0xab16},
    {0xab20, 0xab26}, {0xab28, 0xab2e}, {0xab30, 0xab5a}, {0xab5c, 0xab69},
    {0xab70, 0xabe2}, {0xac00, 0xd7a3}, {0xd7b0, 0xd7c6}, {0xd7cb, 0xd7fb},
    {0xf900, 0xfa6d}, {0xfa70, 0xfad9}, {0xfb00, 0xfb06}, {0xfb13, 0xfb17},
    {0xfb1d, 0xfb1d}, {0xfb1f, 0xfb28}, {0xfb2a, 0xfb36}, {0xfb38, 0xfb3c},
    {0xfb3e, 0xfb3e}, {0xfb40, 0xfb41}, {0xfb43, 0xfb44}, {0xfb46, 0xfbb1},
    {0xfbd3, 0xfd3d}, {0xfd50, 0xfd8f}, {0xfd92, 0xfdc7}, {0xfdf0, 0xfdfb},
    {0xfe70, 0xfe74}, {0xfe76, 0xfefc}, {0xff21, 0xff3a}, {0xff41, 0xff5a},
    {0xff66, 0xffbe}, {0xffc2, 0xffc7}, {0xffca, 0xffcf}, {0xffd2, 0xffd7},
    {0xffda, 0xffdc}, {0x10000, 0x1000b}, {0x1000d, 0x10026},
    {0x10028, 0x1003a}, {0x1003c, 0x1003d}, {0x1003f, 0x1004d},
    {0x10050, 0x1005d}, {0x10080, 0x100fa}, {0x10280, 0x1029c},
    {0x102a0, 0x102d0}, {0x10300, 0x1031f}, {0x1032d, 0x10340},
    {0x10342, 0x10349}, {0x10350, 0x10375}, {0x10380, 0x1039d},
    {0x103a0, 0x103c3}, {0x103c8, 0x103cf}, {0x10400, 0x1049d},
    {0x104b0, 0x104d3}, {0x104d8, 0x104fb}, {0x10500, 0x10527},
    {0x10530, 0x10563}, {0x10570, 0x1057a}, {0x1057c, 0x1058a},
    {0x1058c, 0x10592}, {0x10594, 0x10595}, {0x10597, 0x105a1},
    {0x105a3, 0x105b1}, {0x105b3, 0x105b9}, {0x105bb, 0x105bc},
    {0x10600, 0x10736}, {0x10740, 0x10755}, {0x10760, 0x10767},
    {0x10780, 0x10785}, {0x10787, 0x107b0}, {0x107b2, 0x107ba},
    {0x10800, 0x10805}, {0x10808, 0x10808}, {0x1080a, 0x10835},
    {0x10837, 0x10838}, {0x1083c, 0x1083c}, {0x1083f, 0x10855},
    {0x10860, 0x10876}, {0x10880, 0x1089e}, {0x108e0, 0x108f2},
    {0x108f4, 0x108f5}, {0x10900, 0x10915}, {0x10920, 0x10939},
    {0x10980, 0x109b7}, {0x109be, 0x109bf}, {0x10a00, 0x10a00},
    {0x10a10, 0x10a13}, {0x10a15, 0x10a17}, {0x10a19, 0x10a35},
    {0x10a60, 0x10a7c}, {0x10a80, 0x10a9c}, {0x10ac0, 0x10ac7},
    {0x10ac9, 0x10ae4}, {0x10b00, 0x10b35}, {0x10b40, 0x10b55},
    {0x10b60, 0x10b72}, {0x10b80, 0x10b91}, {0x10c00, 0x10c48},
    {0x10c80, 0x10cb2}, {0x10cc0, 0x10cf2}, {0x10d00, 0x10d23},
    {0x10e80, 0x10ea9}, {0x10eb0, 0x10eb1}, {0x10f00, 0x10f1c},
    {0x10f27, 0x10f27}, {0x10f30, 0x10f45}, {0x10f70, 0x10f81},
    {0x10fb0, 0x10fc4}, {0x10fe0, 0x10ff6}, {0x11003, 0x11037},
    {0x11071, 0x11072}, {0x11075, 0x11075}, {0x11083, 0x110af},
    {0x110d0, 0x110e8}, {0x11103, 0x11126}, {0x11144, 0x11144},
    {0x11147, 0x11147}, {0x11150, 0x11172}, {0x11176, 0x11176},
    {0x11183, 0x111b2}, {0x111c1, 0x111c4}, {0x111da, 0x111da},
    {0x111dc, 0x111dc}, {0x11200, 0x11211}, {0x11213, 0x1122b},
    {0x1123f, 0x11240}, {0x11280, 0x11286}, {0x11288, 0x11288},
    {0x1128a, 0x1128d}, {0x1128f, 0x1129d}, {0x1129f, 0x112a8},
    {0x112b0, 0x112de}, {0x11305, 0x1130c}, {0x1130f, 0x11310},
    {0x11313, 0x11328}, {0x1132a, 0x11330}, {0x11332, 0x11333},
    {0x11335, 0x11339}, {0x1133d, 0x1133d}, {0x11350, 0x11350},
    {0x1135d, 0x11361}, {0x11400, 0x11434}, {0x11447, 0x1144a},
    {0x1145f, 0x11461}, {0x11480, 0x114af}, {0x114c4, 0x114c5},
    {0x114c7, 0x114c7}, {0x11580, 0x115ae}, {0x115d8, 0x115db},
    {0x11600, 0x1162f}, {0x11644, 0x11644}, {0x11680, 0x116aa},
    {0x116b8, 0x116b8}, {0x11700, 0x1171a}, {0x11740, 0x11746},
    {0x11800, 0x1182b}, {0x118a0, 0x118df}, {0x118ff, 0x11906},
    {0x11909, 0x11909}, {0x1190c, 0x11913}, {0x11915, 0x11916},
    {0x11918, 0x1192f}, {0x1193f, 0x1193f}, {0x11941, 0x11941},
    {0x119a0, 0x119a7}, {0x119aa, 0x119d0}, {0x119e1, 0x119e1},
    {0x119e3, 0x119e3}, {0x11a00, 0x11a00}, {0x11a0b, 0x11a32},
    {0x11a3a, 0x11a3a}, {0x11a50, 0x11a50}, {0x11a5c, 0x11a89},
    {0x11a9d, 0x11a9d}, {0x11ab0, 0x11af8}, {0x11c00, 0x11c08},
    {0x11c0a, 0x11c2e}, {0x11c40, 0x11c40}, {0x11c72, 0x11c8f},
    {0x11d00, 0x11d06}, {0x11d08, 0x11d09}, {0x11d0b, 0x11d30},
    {0x11d46, 0x11d46}, {0x11d60, 0x11d65}, {0x11d67, 0x11d68},
    {0x11d6a, 0x11d89}, {0x11d98, 0x11d98}, {0x11ee0, 0x11ef2},
    {0x11f02, 0x11f02}, {0x11f04, 0x11f10}, {0x11f12, 0x11f33},
    {0x11fb0, 0x11fb0}, {0x12000, 0x12399}, {0x12480, 0x12543},
    {0x12f90, 0x12ff0}, {0x13000, 0x1342f}, {0x13441, 0x13446},
    {0x14400, 0x14646}, {0x16800, 0x16a38}, {0x16a40, 0x16a5e},
    {0x16a70, 0x16abe}, {0x16ad0, 0x16aed}, {0x16b00, 0x16b2f},
    {0x16b40, 0x16b43}, {0x16b63, 0x16b77}, {0x16b7d, 0x16b8f},
    {0x16e40, 0x16e7f}, {0x16f00, 0x16f4a}, {0x16f50, 0x16f50},
    {0x16f93, 0x16f9f}, {0x16fe0, 0x16fe1}, {0x16fe3, 0x16fe3},
    {0x17000, 0x187f7}, {0x18800, 0x18cd5}, {0x18d00, 0x18d08},
    {0x1aff0, 0x1aff3}, {0x1aff5, 0x1affb}, {0x1affd, 0x1affe},
    {0x1b000, 0x1b122}, {0x1b132, 0x1b132}, {0x1b150, 0x1b152},
    {0x1b155, 0x1b155}, {0x1b164, 0x1b167}, {0x1b170, 0x1b2fb},
    {0x1bc00, 0x1bc6a}, {0x1bc70, 0x1bc7c}, {0x1bc80, 0x1bc88},
    {0x1bc90, 0x1bc99}, {0x1d400, 0x1d454}, {0x1d456, 0x1d49c},
    {0x1d49e, 0x1d49f}, {0x1d4a2, 0x1d4a2}, {0x1d4a5, 0x1d4a6},
    {0x1d4a9, 0x1d4ac}, {0x1d4ae, 0x1d4b9}, {0x1d4bb, 0x1d4bb},
    {0x1d4bd, 0x1d4c3}, {0x1d4c5, 0x1d505}, {0x1d507, 0x1d50a},
    {0x1d50d, 0x1d514}, {0x1d516, 0x1d51c}, {0x1d51e, 0x1d539},
    {0x1d53b, 0x1d53e}, {0x1d540, 0x1d544}, {0x1d546, 0x1d546},
    {0x1d54a, 0x1d550}, {0x1d552, 0x1d6a5}, {0x1d6a8, 0x1d6c0},
    {0x1d6c2, 0x1d6da}, {0x1d6dc, 0x1d6fa}, {0x1d6fc, 0x1d714},
    {0x1d716, 0x1d734}, {0x1d736, 0x1d74e}, {0x1d750, 0x1d76e},
    {0x1d770, 0x1d788}, {0x1d78a, 0x1d7a8}, {0x1d7aa, 0x1d7c2},
    {0x1d7c4, 0x1d7cb}, {0x1df00, 0x1df1e}, {0x1df25, 0x1df2a},
    {0x1e030, 0x1e06d}, {0x1e100, 0x1e12c}, {0x1e137, 0x1e13d},
    {0x1e14e, 0x1e14e}, {0x1e290, 0x1e2ad}, {0x1e2c0, 0x1e2eb},
    {0x1e4d0, 0x1e4eb}, {0x1e7e0, 0x1e7e6}, {0x1e7e8, 0x1e7eb},
    {0x1e7ed, 0x1e7ee}, {0x1e7f0, 0x1e7fe}, {0x1e800, 0x1e8c4},
    {0x1e900, 0x1e943}, {0x1e94b, 0x1e94b}, {0x1ee00, 0x1ee03},
    {0x1ee05, 0x1ee1f}, {0x1ee21, 0x1ee22}, {0x1ee24, 0x1ee24},
    {0x1ee27, 0x1ee27}, {0x1ee29, 0x1ee32}, {0x1ee34, 0x1ee37},
    {0x1ee39, 0x1ee39}, {0x1ee3b, 0x1ee3b}, {0x1ee42, 0x1ee42},
    {0x1ee47, 0x1ee47}, {0x1ee49, 0x1ee49}, {0x1ee4b, 0x1ee4b},
    {0x1ee4d, 0x1ee4f}, {0x1ee51, 0x1ee52}, {0x1ee54, 0x1ee54},
    {0x1ee57, 0x1ee57}, {0x1ee59, 0x1ee59}, {0x1ee5b, 0x1ee5b},
    {0x1ee5d, 0x1ee5d}, {0x1ee5f, 0x1ee5f}, {0x1ee61, 0x1ee62},
    {0x1ee64, 0x1ee64}, {0x1ee67, 0x1ee6a}, {0x1ee6c, 0x1ee72},
    {0x1ee74, 0x1ee77}, {0x1ee79, 0x1ee7c}, {0x1ee7e, 0x1ee7e},
    {0x1ee80, 0x1ee89}, {0x1ee8b, 0x1ee9b}, {0x1eea1, 0x1eea3},
    {0x1eea5, 0x1eea9}, {0x1eeab, 0x1eebb}, {0x20000, 0x2a6df},
    {0x2a700, 0x2b739}, {0x2b740, 0x2b81d}, {0x2b820, 0x2cea1},
    {0x2ceb0, 0x2ebe0}, {0x2f800, 0x2fa1d}, {0x30000, 0x3134a},
    {0x31350, 0x323af},
};

static const uint32_t digit_ranges[][2] = {
    {0x660, 0x669}, {0x6f0, 0x6f9}, {0x7c0, 0x7c9}, {0x966, 0x96f},
    {0x9e6, 0x9ef}, {0xa66, 0xa6f}, {0xae6, 0xaef}, {0xb66, 0xb6f},
    {0xbe6, 0xbef}, {0xc66, 0xc6f}, {0xce6, 0xcef}, {0xd66, 0xd6f},
    {0xde6, 0xdef}, {0xe50, 0xe59}, {0xed0, 0xed9}, {0xf20, 0xf29},
    {0x1040, 0x1049}, {0x1090, 0x1099}, {0x17e0, 0x17e9}, {0x1810, 0x1819},
    {0x1946, 0x194f}, {0x19d0, 0x19d9}, {0x1a80, 0x1a89}, {0x1a90, 0x1a99},
    {0x1b50, 0x1b59}, {0x1bb0, 0x1bb9}, {0x1c40, 0x1c49}, {0x1c50, 0x1c59},
    {0xa620, 0xa629}, {0xa8d0, 0xa8d9}, {0xa900, 0xa909}, {0xa9d0, 0xa9d9},
    {0xa9f0, 0xa9f9}, {0xaa50, 0xaa59}, {0xabf0, 0xabf9}, {0xff10, 0xff19},
    {0x104a0, 0x104a9}, {0x10d30, 0x10d39}, {0x11066, 0x1106f},
    {0x110f0, 0x110f9}, {0x11136, 0x1113f}, {0x111d0, 0x111d9},
    {0x112f0, 0x112f9}, {0x11450, 0x11459}, {0x114d0, 0x114d9},
    {0x11650, 0x11659}, {0x116c0, 0x116c9}, {0x11730, 0x11739},
    {0x118e0, 0x118e9}, {0x11950, 0x11959}, {0x11c50, 0x11c59},
    {0x11d50, 0x11d59}, {0x11da0, 0x11da9}, {0x11f50, 0x11f59},
    {0x16a60, 0x16a69}, {0x16ac0, 0x16ac9}, {0x16b50, 0x16b59},
    {0x1d7ce, 0x1d7ff}, {0x1e140, 0x1e149}, {0x1e2f0, 0x1e2f9},
    {0x1e4f0, 0x1e4f9}, {0x1e950, 0x1e959}, {0x1fbf0, 0x1fbf9},
};
/* clang-format on */

static const size_t n_letter_ranges =
    sizeof letter_ranges / sizeof letter_ranges[0];
static const size_t n_digit_ranges =
    sizeof digit_ranges / sizeof digit_ranges[0];

/* unicode.IsLetter: general category L. */
static int rune_is_letter(uint32_t r)
{
  if (r < 0x80)
    return (r | 0x20) >= 'a' && (r | 0x20) <= 'z';
  return in_ranges(r, letter_ranges, n_letter_ranges);
}

/* unicode.IsDigit: general category Nd, so Arabic-Indic digits count. */
static int rune_is_digit(uint32_t r)
{
  if (r < 0x80)
    return r >= '0' && r <= '9';
  return in_ranges(r, digit_ranges, n_digit_ranges);
}

/* The rune at byte i as Go's []rune(s) has it (bad bytes read as U+FFFD,
 * one byte each); *w gets its width. */
static uint32_t rune_at(const char *s, size_t n, size_t i, size_t *w)
{
  uint32_t cp = (unsigned char)s[i];
  *w = 1;
  if (cp >= 0x80) {
    *w = kjson_utf8_decode(s + i, n - i, &cp);
    if (*w == 0) {
      *w = 1;
      cp = 0xfffd;
    }
  }
  return cp;
}

/* Start of the rune that ends just before byte i (i > 0). */
static size_t rune_before(const char *s, size_t i)
{
  size_t j = i - 1;
  while (j > 0 && i - j < 4 && ((unsigned char)s[j] & 0xc0) == 0x80)
    j--;
  return j;
}

/* Reads a run of digits at byte i as go-yaml does: base 10 in an int64
 * that may wrap (non-ASCII digits add their distance from '0'). Returns
 * the value from `start` on and sets *runes to the run's length. */
static uint64_t digit_run(const char *s, size_t n, size_t i, uint64_t start,
                          size_t *runes)
{
  uint64_t v = start;
  size_t w;
  *runes = 0;
  for (uint32_t r; i < n && rune_is_digit(r = rune_at(s, n, i, &w)); i += w) {
    v = v * 10 + (uint64_t)(r - '0');
    (*runes)++;
  }
  return v;
}

/* Where a and b first differ in a digit or other non-letter: numbers
 * compare by value, then by length, then by code point. A zero that
 * continues a number with a nonzero digit before it (x10 vs x1a) starts
 * both values at 1, as go-yaml does. */
static int digit_cmp(const char *a, size_t an, const char *b, size_t bn,
                     size_t i, uint32_t ra, uint32_t rb)
{
  uint64_t start = 0;
  if (ra == '0' || rb == '0') {
    size_t w;
    for (size_t j = i; j > 0;) {
      j = rune_before(a, j);
      uint32_t r = rune_at(a, an, j, &w);
      if (!rune_is_digit(r))
        break;
      if (r != '0') {
        start = 1;
        break;
      }
    }
  }
  size_t alen, blen;
  int64_t av = (int64_t)digit_run(a, an, i, start, &alen);
  int64_t bv = (int64_t)digit_run(b, bn, i, start, &blen);
  if (av != bv)
    return av < bv ? -1 : 1;
  if (alen != blen)
    return alen < blen ? -1 : 1;
  return ra < rb ? -1 : 1;
}

/* Walks both strings rune by rune without copying them; a and b share
 * their bytes up to the first difference, so one offset serves both. */
int yamlout_key_cmp(const char *a, const char *b)
{
  size_t an = strlen(a), bn = strlen(b), i = 0;
  while (i < an && i < bn) {
    if (a[i] == b[i] && (unsigned char)a[i] < 0x80) {
      i++;
      continue;
    }
    size_t aw, bw;
    uint32_t ra = rune_at(a, an, i, &aw), rb = rune_at(b, bn, i, &bw);
    if (ra == rb && aw == bw && memcmp(a + i, b + i, aw) == 0) {
      i += aw;
      continue;
    }
    int al = rune_is_letter(ra), bl = rune_is_letter(rb);
    if (al && bl)
      return ra < rb ? -1 : ra > rb ? 1 : 0;
    if (al || bl)
      return bl ? -1 : 1;
    return digit_cmp(a, an, b, bn, i, ra, rb);
  }
  return i < an ? 1 : i < bn ? -1 : 0;
}
