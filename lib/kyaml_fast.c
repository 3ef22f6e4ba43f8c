/* kyaml_fast: block-style YAML read without libyaml, event for event.
 *
 * The subset: block mappings and sequences nested by spaces; keys that are
 * plain or one-line quoted scalars; values that are plain scalars (folded
 * over lines), single- or double-quoted scalars (over lines, with
 * libyaml's escapes), literal block scalars (`|` with chomping and
 * indentation indicators), `{}`, and one-line flow sequences of quoted
 * scalars and plain words (`verbs: ["get", "list"]`); comments wherever
 * they may be. Anything else gives up (KYAML__BAIL) and libyaml reads the
 * text: other flow content, folded `>` scalars, anchors,
 * aliases, tags, directives, document markers, explicit `?` keys, tabs
 * outside quoted and literal text, CR and Unicode line breaks, a scalar as
 * the whole document, and whatever libyaml would refuse, so that libyaml
 * names the error. Each rule follows what libyaml 0.2.5 does with that
 * construct; the tests in test/check_kyaml.c and fuzz/kyaml_fuzz.c compare
 * the two readers.
 *
 * A node's "n" below is the column of the block collection that holds it
 * (libyaml's current indent): continuation lines of its scalars must be
 * indented past n. */
#include "kyaml_int.h"

#include "buf.h"
#include "kjson.h"

#include <stdint.h>
#include <string.h>

/* Deeper documents are rare; libyaml reads them with an explicit stack. */
#define MAX_NESTING 64
/* libyaml's limit on an implicit key is 1024 characters; stay below. */
#define MAX_KEY_BYTES 1000

enum chomping { CLIP, STRIP, KEEP };

struct scan {
  const char *end;
  const char *p;    /* the scanning position */
  const char *line; /* start of the last line next_content found */
  int indent;       /* that line's indentation; -1 at the end of the text */
  int nesting;
  int failed; /* val could not grow */
  struct buf val;
  kyaml__event_fn fn;
  void *ctx;
};

/* ---- characters and lines ---- */

#define ONES ((uint64_t)0x0101010101010101u)
#define HIGHS ((uint64_t)0x8080808080808080u)

/* Whether 8 bytes are all printable ASCII (0x20 to 0x7e): no high bit, no
 * byte below 0x20 (subtracting 0x20 borrows), none equal to 0x7f. */
static int printable8(const char *s)
{
  uint64_t x, del;
  memcpy(&x, s, sizeof x);
  del = x ^ (ONES * 0x7f);
  return !((x | (x - ONES * 0x20) | ((del - ONES) & ~del)) & HIGHS);
}

/* Only printable characters (libyaml's rule) and LF as the line break:
 * no CR, NEL, LS or PS, no byte order mark. */
static int text_in_subset(const char *s, size_t n)
{
  size_t i = 0;
  while (i < n) {
    if (n - i >= 8 && printable8(s + i)) {
      i += 8;
      continue;
    }
    unsigned char c = (unsigned char)s[i];
    if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t') {
      i++;
      continue;
    }
    uint32_t cp;
    size_t w = c < 0x80 ? 0 : kjson_utf8_decode(s + i, n - i, &cp);
    if (!w || cp < 0xa0 || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff ||
        cp == 0xfffe || cp == 0xffff)
      return 0;
    i += w;
  }
  return 1;
}

static int at_eol(const struct scan *sc, const char *q)
{
  return q >= sc->end || *q == '\n';
}

static int blankz(const struct scan *sc, const char *q)
{
  return at_eol(sc, q) || *q == ' ' || *q == '\t';
}

static const char *skip_spaces(const struct scan *sc, const char *q)
{
  uint64_t x;
  /* indentation runs deep in CRDs: eight spaces at a time */
  while (sc->end - q >= 8 && (memcpy(&x, q, sizeof x), x == ONES * ' '))
    q += 8;
  while (q < sc->end && *q == ' ')
    q++;
  return q;
}

/* The start of the line after the one q is on (or the end of the text). */
static const char *after_line(const struct scan *sc, const char *q)
{
  const char *nl = memchr(q, '\n', (size_t)(sc->end - q));
  return nl ? nl + 1 : sc->end;
}

static int is_marker(const struct scan *sc, const char *q)
{
  return sc->end - q >= 3 &&
         (memcmp(q, "---", 3) == 0 || memcmp(q, "...", 3) == 0) &&
         blankz(sc, q + 3);
}

/* "- " or "-" at the end of a line: a block sequence entry. */
static int is_entry(const struct scan *sc, const char *q)
{
  return q < sc->end && *q == '-' && blankz(sc, q + 1);
}

/* From the start of a line, moves to the next line holding more than
 * spaces and a comment: p to its first character, indent to its column,
 * or indent -1 at the end of the text. */
static int next_content(struct scan *sc)
{
  while (sc->p < sc->end) {
    const char *q = skip_spaces(sc, sc->p);
    if (q < sc->end && *q == '\t')
      return KYAML__BAIL;
    if (at_eol(sc, q) || *q == '#') {
      sc->p = after_line(sc, q);
      continue;
    }
    if (q == sc->p && is_marker(sc, q))
      return KYAML__BAIL;
    sc->line = sc->p;
    sc->indent = (int)(q - sc->p);
    sc->p = q;
    return 0;
  }
  sc->indent = -1;
  return 0;
}

/* After a value that ends at q: only spaces and a comment may follow on
 * its line. */
static int finish_line(struct scan *sc, const char *q)
{
  const char *r = skip_spaces(sc, q);
  if (!at_eol(sc, r) && !(*r == '#' && r > q))
    return KYAML__BAIL;
  sc->p = after_line(sc, r);
  return next_content(sc);
}

/* ---- events ---- */

static void put(struct scan *sc, const char *s, size_t n)
{
  if (buf_append(&sc->val, s, n) != 0)
    sc->failed = 1;
}

static void put_breaks(struct scan *sc, int n)
{
  for (int i = 0; i < n; i++)
    put(sc, "\n", 1);
}

static int emit(struct scan *sc, yaml_event_type_t type)
{
  yaml_event_t ev;
  memset(&ev, 0, sizeof ev);
  ev.type = type;
  return sc->fn(&ev, sc->ctx);
}

/* Emits what val holds as a scalar of the given style. */
static int emit_scalar(struct scan *sc, yaml_scalar_style_t style)
{
  if (sc->failed)
    return KYAML__BAIL;
  yaml_event_t ev;
  memset(&ev, 0, sizeof ev);
  ev.type = YAML_SCALAR_EVENT;
  ev.data.scalar.value = (yaml_char_t *)sc->val.data;
  ev.data.scalar.length = sc->val.len;
  ev.data.scalar.plain_implicit = style == YAML_PLAIN_SCALAR_STYLE;
  ev.data.scalar.quoted_implicit = style != YAML_PLAIN_SCALAR_STYLE;
  ev.data.scalar.style = style;
  return sc->fn(&ev, sc->ctx);
}

/* A value left out ("key:" then a dedent): libyaml's empty plain scalar. */
static int emit_empty(struct scan *sc)
{
  buf_reset(&sc->val);
  return emit_scalar(sc, YAML_PLAIN_SCALAR_STYLE);
}

/* ---- quoted scalars ---- */

static int hex_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static void put_code_point(struct scan *sc, uint32_t cp)
{
  if (kjson_utf8_encode(&sc->val, cp) != 0)
    sc->failed = 1;
}

/* \xXX, \uXXXX, \UXXXXXXXX from the digits at q; NULL when libyaml
 * would refuse them. */
static const char *hex_escape(struct scan *sc, const char *q, int digits)
{
  uint32_t cp = 0;
  for (int i = 0; i < digits; i++, q++) {
    int v = q < sc->end ? hex_value(*q) : -1;
    if (v < 0)
      return NULL;
    cp = cp << 4 | (uint32_t)v;
  }
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
    return NULL;
  put_code_point(sc, cp);
  return q;
}

/* The escape after a backslash at q (not a line break); returns the
 * position after it, NULL for escapes we leave to libyaml. */
static const char *escape(struct scan *sc, const char *q)
{
  static const char from[] = "0abt\tnvfre \"/\\";
  static const char to[] = "\0\a\b\t\t\n\v\f\r\x1b \"/\\";
  const char *hit = memchr(from, *q, sizeof from - 1);
  if (hit) {
    put(sc, &to[hit - from], 1);
    return q + 1;
  }
  switch (*q) {
  case 'N':
    put_code_point(sc, 0x85);
    return q + 1;
  case '_':
    put_code_point(sc, 0xa0);
    return q + 1;
  case 'L':
    put_code_point(sc, 0x2028);
    return q + 1;
  case 'P':
    put_code_point(sc, 0x2029);
    return q + 1;
  case 'x':
    return hex_escape(sc, q + 1, 2);
  case 'u':
    return hex_escape(sc, q + 1, 4);
  case 'U':
    return hex_escape(sc, q + 1, 8);
  default:
    return NULL;
  }
}

/* Where the run of plain text inside a quoted scalar that starts at q
 * ends: at the quote, a backslash (double quotes), or the line's end. */
static const char *quoted_run_end(const struct scan *sc, char quote,
                                  const char *q)
{
  while (q < sc->end && *q != quote && *q != '\n' &&
         !(quote == '"' && *q == '\\'))
    q++;
  return q;
}

/* One line of a quoted scalar from q into val. Returns the position after
 * the closing quote (*closed set), or that of the line's end (its trailing
 * blanks dropped; *escaped_break when a backslash ends it), or NULL. */
static const char *quoted_line(struct scan *sc, char quote, const char *q,
                               int *closed, int *escaped_break)
{
  while (!at_eol(sc, q)) {
    if (*q == quote && quote == '\'' && q + 1 < sc->end && q[1] == '\'') {
      put(sc, "'", 1);
      q += 2;
    } else if (*q == quote) {
      *closed = 1;
      return q + 1;
    } else if (*q == '\\' && quote == '"') {
      if (at_eol(sc, q + 1)) {
        *escaped_break = 1;
        return q + 1;
      }
      if (!(q = escape(sc, q + 1)))
        return NULL;
    } else {
      const char *r = quoted_run_end(sc, quote, q), *e = r;
      if (at_eol(sc, r)) /* blanks before a line break are folded away */
        while (e > q && (e[-1] == ' ' || e[-1] == '\t'))
          e--;
      put(sc, q, (size_t)(e - q));
      q = r;
    }
  }
  return q;
}

/* From a line break at q inside a quoted scalar: skips it, the empty lines
 * after it and the indentation of the next line, counting the breaks.
 * Returns the next line's first character, or NULL. */
static const char *quoted_fold(struct scan *sc, int n, const char *q,
                               int *breaks)
{
  const char *line = q;
  *breaks = 0;
  while (q < sc->end && *q == '\n') {
    (*breaks)++;
    line = ++q;
    q = skip_spaces(sc, q);
  }
  if (q >= sc->end || *q == '\t' || (q == line && is_marker(sc, q)))
    return NULL;
  /* libyaml does not check the indentation of these lines; we only take
   * the ones any YAML reader reads alike. */
  return q - line > n ? q : NULL;
}

/* Decodes the quoted scalar whose opening quote is at q into val; *after:
 * past its closing quote. */
static int quoted(struct scan *sc, int n, const char *q, const char **after)
{
  char quote = *q++;
  buf_reset(&sc->val);
  for (;;) {
    int closed = 0, escaped_break = 0, breaks;
    q = quoted_line(sc, quote, q, &closed, &escaped_break);
    if (q && closed) {
      *after = q;
      return 0;
    }
    if (q)
      q = quoted_fold(sc, n, q, &breaks);
    if (!q)
      return KYAML__BAIL;
    if (escaped_break || breaks > 1)
      put_breaks(sc, breaks - 1);
    else
      put(sc, " ", 1);
  }
}

/* ---- literal block scalars ---- */

/* "|", then a chomping indicator and an indentation digit in either
 * order, then spaces and a comment. Returns the end of the header line. */
static const char *literal_header(struct scan *sc, const char *q,
                                  enum chomping *chomp, int *increment)
{
  *chomp = CLIP;
  *increment = 0;
  for (int i = 0; i < 2 && q < sc->end; i++, q++) {
    if (*q == '-' && *chomp == CLIP)
      *chomp = STRIP;
    else if (*q == '+' && *chomp == CLIP)
      *chomp = KEEP;
    else if (*q >= '1' && *q <= '9' && !*increment)
      *increment = *q - '0';
    else
      break;
  }
  const char *r = skip_spaces(sc, q);
  if (!at_eol(sc, r) && !(*r == '#' && r > q))
    return NULL;
  return r;
}

/* From the start of a line: skips the empty lines before content, as
 * libyaml's block scalar breaks do. indent 0: not known yet, every space
 * is eaten and *max_col is the widest indentation seen. Returns the
 * position reached (on the first non-empty line, or the end); *line_start:
 * that line's start; *breaks: the empty lines skipped. */
static const char *literal_breaks(struct scan *sc, const char *q, int indent,
                                  int *max_col, const char **line_start,
                                  int *breaks)
{
  *breaks = 0;
  for (;;) {
    const char *ls = q;
    while (q < sc->end && *q == ' ' && (!indent || q - ls < indent))
      q++;
    int col = (int)(q - ls);
    if (col > *max_col)
      *max_col = col;
    *line_start = ls;
    if (q < sc->end && *q == '\t' && (!indent || col < indent))
      return NULL;
    if (q >= sc->end || *q != '\n')
      return q;
    (*breaks)++;
    q++;
  }
}

/* The lines of a literal scalar at indent from q into val. Returns where
 * the scalar ends (the start of the line after it); *ended_line: the last
 * content line ended with a break; *trailing: empty lines after it. */
static const char *literal_body(struct scan *sc, const char *q, const char *ls,
                                int indent, int *ended_line, int *trailing)
{
  int max_col = 0;
  *ended_line = 0;
  while (q < sc->end && q - ls == indent) {
    if (*ended_line)
      put(sc, "\n", 1);
    put_breaks(sc, *trailing);
    const char *le = memchr(q, '\n', (size_t)(sc->end - q));
    le = le ? le : sc->end;
    put(sc, q, (size_t)(le - q));
    *ended_line = le < sc->end;
    q = literal_breaks(sc, *ended_line ? le + 1 : le, indent, &max_col, &ls,
                       trailing);
    if (!q)
      return NULL;
  }
  return ls;
}

static int literal(struct scan *sc, int n, const char *q)
{
  enum chomping chomp;
  int increment, max_col = 0, breaks, ended_line;
  const char *ls, *r = literal_header(sc, q + 1, &chomp, &increment);
  if (!r)
    return KYAML__BAIL;
  int indent = increment ? n + increment : 0;
  r = literal_breaks(sc, after_line(sc, r), indent, &max_col, &ls, &breaks);
  if (!r)
    return KYAML__BAIL;
  if (!indent)
    indent = max_col > n + 1 ? max_col : n + 1;
  buf_reset(&sc->val);
  r = literal_body(sc, r, ls, indent, &ended_line, &breaks);
  if (!r)
    return KYAML__BAIL;
  if (chomp != STRIP && ended_line)
    put(sc, "\n", 1);
  if (chomp == KEEP)
    put_breaks(sc, breaks);
  int rc = emit_scalar(sc, YAML_LITERAL_SCALAR_STYLE);
  if (rc)
    return rc;
  sc->p = r;
  return next_content(sc);
}

/* ---- plain scalars ---- */

/* Whether a plain scalar may start at q (libyaml's indicator rules). */
static int plain_may_start(const struct scan *sc, const char *q)
{
  if (q >= sc->end)
    return 0;
  switch (*q) {
  case '-':
  case '?':
  case ':':
    return !blankz(sc, q + 1);
  default: {
    static const char indicators[] = ",[]{}#&*!|>'\"%@` \t\n";
    return !memchr(indicators, *q, sizeof indicators - 1);
  }
  }
}

/* One line of a plain scalar from q into val, trailing spaces dropped.
 * Returns the position of the line's end or of a comment (*comment set);
 * NULL when ": " is met (libyaml refuses it) or a tab. */
static const char *plain_line(struct scan *sc, const char *q, int *comment)
{
  const char *r = q;
  for (; !at_eol(sc, r); r++) {
    if (*r == '\t' || (*r == ':' && blankz(sc, r + 1)))
      return NULL;
    if (*r == '#' && r[-1] == ' ') { /* q is not '#': r > q */
      *comment = 1;
      break;
    }
  }
  const char *e = r;
  while (e > q && e[-1] == ' ')
    e--;
  put(sc, q, (size_t)(e - q));
  return r;
}

/* From the line break at q: the first character of the line that carries
 * the scalar on (indented past n, not a comment), or NULL; *breaks: the
 * line breaks on the way. */
static const char *plain_continues(struct scan *sc, int n, const char *q,
                                   int *breaks, int *bail)
{
  *breaks = 0;
  while (q < sc->end && *q == '\n') {
    (*breaks)++;
    const char *line = ++q;
    q = skip_spaces(sc, q);
    if (q < sc->end && *q == '\t') {
      *bail = 1;
      return NULL;
    }
    if (!at_eol(sc, q))
      return q - line > n && *q != '#' ? q : NULL;
  }
  return NULL;
}

static int plain(struct scan *sc, int n, const char *q)
{
  buf_reset(&sc->val);
  for (;;) {
    int comment = 0, bail = 0, breaks;
    const char *eol = plain_line(sc, q, &comment);
    if (!eol)
      return KYAML__BAIL;
    q = comment ? NULL : plain_continues(sc, n, eol, &breaks, &bail);
    if (bail)
      return KYAML__BAIL;
    if (!q) {
      int rc = emit_scalar(sc, YAML_PLAIN_SCALAR_STYLE);
      if (rc)
        return rc;
      sc->p = after_line(sc, eol);
      return next_content(sc);
    }
    if (breaks > 1)
      put_breaks(sc, breaks - 1);
    else
      put(sc, " ", 1);
  }
}

/* ---- collections ---- */

static int block_node(struct scan *sc);

/* The closing quote, on the same line, of the quoted scalar at q. */
static const char *quote_close(const struct scan *sc, const char *q)
{
  for (const char *r = q + 1; !at_eol(sc, r); r++) {
    if (*q == '"' && *r == '\\') {
      if (at_eol(sc, r + 1))
        return NULL;
      r++;
    } else if (*r == *q) {
      if (*q == '"' || r + 1 >= sc->end || r[1] != '\'')
        return r;
      r++;
    }
  }
  return NULL;
}

/* The ':' of an implicit key that starts at q: a plain scalar or a
 * one-line quoted one, then ':' and a blank. NULL when there is none. */
static const char *key_colon(const struct scan *sc, const char *q)
{
  const char *r = q;
  if (*q == '"' || *q == '\'') {
    r = quote_close(sc, q);
    if (!r)
      return NULL;
    r = skip_spaces(sc, r + 1);
  } else if (plain_may_start(sc, q)) {
    for (; !at_eol(sc, r) && !(*r == ':' && blankz(sc, r + 1)); r++)
      if (*r == '\t' || (*r == '#' && r[-1] == ' '))
        return NULL;
  }
  if (r >= sc->end || *r != ':' || !blankz(sc, r + 1) || r - q > MAX_KEY_BYTES)
    return NULL;
  return r;
}

static int emit_key(struct scan *sc, const char *q, const char *colon)
{
  if (*q == '"' || *q == '\'') {
    const char *after;
    if (quoted(sc, 0, q, &after))
      return KYAML__BAIL;
    return emit_scalar(sc, *q == '"' ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                     : YAML_SINGLE_QUOTED_SCALAR_STYLE);
  }
  const char *e = colon;
  while (e > q && e[-1] == ' ')
    e--;
  buf_reset(&sc->val);
  put(sc, q, (size_t)(e - q));
  return emit_scalar(sc, YAML_PLAIN_SCALAR_STYLE);
}

static int enter(struct scan *sc, yaml_event_type_t start);
static int leave(struct scan *sc, int rc, yaml_event_type_t end);

/* "{}": the only flow mapping taken here. */
static int empty_flow_map(struct scan *sc, const char *q)
{
  if (q + 1 >= sc->end || q[1] != '}')
    return KYAML__BAIL;
  int rc = enter(sc, YAML_MAPPING_START_EVENT);
  rc = leave(sc, rc, YAML_MAPPING_END_EVENT);
  return rc ? rc : finish_line(sc, q + 2);
}

/* Characters of the plain items taken in a flow sequence: words, paths,
 * versions ("get", "v1beta1", "apps/v1"). */
static int flow_word_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '/' || c == '-';
}

/* One item of a flow sequence at *q: a one-line quoted scalar or a plain
 * word that starts with a letter, a digit or '/'. */
static int flow_item(struct scan *sc, const char **q)
{
  const char *r = *q;
  if (*r == '"' || *r == '\'') {
    const char *after;
    if (!quote_close(sc, r) || quoted(sc, 0, r, &after))
      return KYAML__BAIL;
    *q = after;
    return emit_scalar(sc, *r == '"' ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                     : YAML_SINGLE_QUOTED_SCALAR_STYLE);
  }
  if (!flow_word_char(*r) || *r == '.' || *r == '_' || *r == '-')
    return KYAML__BAIL;
  while (r < sc->end && flow_word_char(*r))
    r++;
  buf_reset(&sc->val);
  put(sc, *q, (size_t)(r - *q));
  *q = r;
  return emit_scalar(sc, YAML_PLAIN_SCALAR_STYLE);
}

/* A flow sequence of such items on one line: `["get", "list"]`, `[a, b]`,
 * `[]`; no trailing comma, nothing nested. */
static int flow_seq(struct scan *sc, const char *q)
{
  int rc = enter(sc, YAML_SEQUENCE_START_EVENT);
  q = skip_spaces(sc, q + 1);
  while (!rc && q < sc->end && *q != ']') {
    rc = flow_item(sc, &q);
    q = skip_spaces(sc, q);
    if (rc || q >= sc->end || *q != ',')
      break;
    q = skip_spaces(sc, q + 1);
    if (q < sc->end && *q == ']')
      rc = KYAML__BAIL;
  }
  if (!rc && (q >= sc->end || *q != ']'))
    rc = KYAML__BAIL;
  rc = leave(sc, rc, YAML_SEQUENCE_END_EVENT);
  return rc ? rc : finish_line(sc, q + 1);
}

static int quoted_value(struct scan *sc, int n, const char *q)
{
  const char *after;
  if (quoted(sc, n, q, &after))
    return KYAML__BAIL;
  int rc = emit_scalar(sc, *q == '"' ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                     : YAML_SINGLE_QUOTED_SCALAR_STYLE);
  return rc ? rc : finish_line(sc, after);
}

/* A value that starts on its key's or entry's line, at q. */
static int inline_value(struct scan *sc, int n, const char *q)
{
  switch (*q) {
  case '"':
  case '\'':
    return quoted_value(sc, n, q);
  case '|':
    return literal(sc, n, q);
  case '[':
    return flow_seq(sc, q);
  case '{':
    return empty_flow_map(sc, q);
  default:
    return plain_may_start(sc, q) ? plain(sc, n, q) : KYAML__BAIL;
  }
}

/* After "key:" or "-" with nothing more on the line: the value is on the
 * lines below, or empty. A mapping's value may be a sequence at the
 * mapping's own column. */
static int value_below(struct scan *sc, int n, const char *q, int in_map)
{
  sc->p = after_line(sc, q);
  int rc = next_content(sc);
  if (rc)
    return rc;
  if (sc->indent > n)
    return block_node(sc);
  if (in_map && sc->indent == n && is_entry(sc, sc->p))
    return block_node(sc);
  return emit_empty(sc);
}

static int enter(struct scan *sc, yaml_event_type_t start)
{
  if (++sc->nesting > MAX_NESTING)
    return KYAML__BAIL;
  return emit(sc, start);
}

static int leave(struct scan *sc, int rc, yaml_event_type_t end)
{
  sc->nesting--;
  return rc ? rc : emit(sc, end);
}

/* One "key: value" of a mapping at column n, from the key at p. */
static int map_entry(struct scan *sc, int n)
{
  const char *colon = key_colon(sc, sc->p);
  if (!colon)
    return KYAML__BAIL;
  int rc = emit_key(sc, sc->p, colon);
  if (rc)
    return rc;
  const char *q = skip_spaces(sc, colon + 1);
  if (q < sc->end && *q == '\t')
    return KYAML__BAIL;
  if (at_eol(sc, q) || *q == '#')
    return value_below(sc, n, q, 1);
  return inline_value(sc, n, q);
}

static int block_map(struct scan *sc, int n)
{
  int rc = enter(sc, YAML_MAPPING_START_EVENT);
  while (!rc) {
    rc = map_entry(sc, n);
    if (rc || sc->indent < n)
      break;
    if (sc->indent > n)
      rc = KYAML__BAIL;
  }
  return leave(sc, rc, YAML_MAPPING_END_EVENT);
}

/* One "- item" of a sequence at column n, from the '-' at p. */
static int seq_item(struct scan *sc, int n)
{
  const char *q = skip_spaces(sc, sc->p + 1);
  if (q < sc->end && *q == '\t')
    return KYAML__BAIL;
  if (at_eol(sc, q) || *q == '#')
    return value_below(sc, n, q, 0);
  if (is_entry(sc, q))
    return KYAML__BAIL;
  if (key_colon(sc, q)) {
    sc->p = q;
    return block_map(sc, (int)(q - sc->line));
  }
  return inline_value(sc, n, q);
}

static int block_seq(struct scan *sc, int n)
{
  int rc = enter(sc, YAML_SEQUENCE_START_EVENT);
  while (!rc) {
    rc = seq_item(sc, n);
    if (rc || sc->indent < n)
      break;
    if (sc->indent > n)
      rc = KYAML__BAIL;
    else if (!is_entry(sc, sc->p))
      break;
  }
  return leave(sc, rc, YAML_SEQUENCE_END_EVENT);
}

/* A collection that starts a line (p on its first character). */
static int block_node(struct scan *sc)
{
  if (is_entry(sc, sc->p))
    return block_seq(sc, sc->indent);
  if (key_colon(sc, sc->p))
    return block_map(sc, sc->indent);
  if (*sc->p == '[')
    return flow_seq(sc, sc->p);
  if (*sc->p == '{')
    return empty_flow_map(sc, sc->p);
  return KYAML__BAIL;
}

/* ---- the document ---- */

static int document_start(struct scan *sc, const char *text)
{
  yaml_event_t ev;
  memset(&ev, 0, sizeof ev);
  ev.type = YAML_DOCUMENT_START_EVENT;
  ev.data.document_start.implicit = 1;
  for (const char *q = text; (q = memchr(q, '\n', (size_t)(sc->line - q))); q++)
    ev.start_mark.line++;
  return sc->fn(&ev, sc->ctx);
}

static int document(struct scan *sc, const char *text)
{
  int rc = emit(sc, YAML_STREAM_START_EVENT);
  if (!rc)
    rc = next_content(sc);
  if (!rc && sc->indent >= 0) {
    rc = document_start(sc, text);
    if (!rc)
      rc = block_node(sc);
    /* what follows the root node is libyaml's to judge */
    if (!rc && sc->indent >= 0)
      rc = KYAML__BAIL;
    if (!rc)
      rc = emit(sc, YAML_DOCUMENT_END_EVENT);
  }
  return rc ? rc : emit(sc, YAML_STREAM_END_EVENT);
}

int kyaml__scan_block(const char *text, size_t len, kyaml__event_fn fn,
                      void *ctx)
{
  if (!text_in_subset(text, len))
    return KYAML__BAIL;
  struct scan sc = {
      .end = text + len, .p = text, .line = text, .fn = fn, .ctx = ctx};
  buf_init(&sc.val, 0);
  put(&sc, "", 0);
  int rc = document(&sc, text);
  buf_free(&sc.val);
  return rc;
}
