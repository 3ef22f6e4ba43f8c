/* tmpl_lex: the tokens of Go's text/template, one at a time.
 *
 * The rules are Go's (text/template/parse/lex.go): text up to the left
 * delimiter, "{{- " and " -}}" trim the white space around an action,
 * comments are removed with their trim markers, and inside an action come
 * spaces, operators, strings, numbers, fields, variables and keywords.
 * Error messages are Go's word for word, since Helm prints them. */
#include "tmpl_int.h"

#include <stdio.h>
#include <string.h>

static const struct {
  const char *word;
  enum tmpl__item_type typ;
} keywords[] = {
    {".", TI_DOT},
    {"block", TI_BLOCK},
    {"break", TI_BREAK},
    {"continue", TI_CONTINUE},
    {"define", TI_DEFINE},
    {"else", TI_ELSE},
    {"end", TI_END},
    {"if", TI_IF},
    {"range", TI_RANGE},
    {"nil", TI_NIL},
    {"template", TI_TEMPLATE},
    {"with", TI_WITH},
};

#define LEX_EOF (-1)

void tmpl__lex_init(struct tmpl__lexer *l, const char *input, size_t len,
                    const char *ldelim, const char *rdelim)
{
  memset(l, 0, sizeof *l);
  l->input = input;
  l->len = len;
  l->ldelim = ldelim && *ldelim ? ldelim : "{{";
  l->rdelim = rdelim && *rdelim ? rdelim : "}}";
  l->ldlen = strlen(l->ldelim);
  l->rdlen = strlen(l->rdelim);
  l->line = l->start_line = 1;
  l->break_ok = l->continue_ok = 1;
}

static int is_space(int r)
{
  return r == ' ' || r == '\t' || r == '\r' || r == '\n';
}

/* Go's unicode.IsLetter || IsDigit || '_'. Outside ASCII we accept every
 * printable rune that is not punctuation or a symbol of Latin-1. */
static int is_alnum(int r)
{
  if (r < 0)
    return 0;
  if (r < 0x80)
    return r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') ||
           (r >= 'A' && r <= 'Z');
  if (r < 0xc0)
    return r == 0xaa || r == 0xb5 || r == 0xba || r == 0xb2 || r == 0xb3 ||
           r == 0xb9;
  if (r == 0xd7 || r == 0xf7)
    return 0;
  if ((r >= 0x2000 && r <= 0x206f) || (r >= 0x3000 && r <= 0x303f))
    return 0;
  return tmpl__is_print((uint32_t)r);
}

static int has_prefix(const struct tmpl__lexer *l, size_t at, const char *p,
                      size_t n)
{
  return at <= l->len && l->len - at >= n && memcmp(l->input + at, p, n) == 0;
}

static int next_rune(struct tmpl__lexer *l)
{
  if (l->pos >= l->len) {
    l->at_eof = 1;
    return LEX_EOF;
  }
  unsigned char c = (unsigned char)l->input[l->pos];
  if (c < 0x80) { /* most of a template: no decoding */
    l->pos++;
    l->line += c == '\n';
    return c;
  }
  uint32_t r;
  size_t w = tmpl__utf8_decode((const unsigned char *)l->input + l->pos,
                               l->len - l->pos, &r);
  l->pos += w;
  return (int)r;
}

/* Steps back over the rune just read (never past an EOF read). */
static void backup(struct tmpl__lexer *l)
{
  if (l->at_eof || l->pos == 0)
    return;
  size_t p = l->pos - 1;
  if ((unsigned char)l->input[p] < 0x80) {
    l->line -= l->input[p] == '\n';
    l->pos = p;
    return;
  }
  while (p > 0 && ((unsigned char)l->input[p] & 0xc0) == 0x80 && l->pos - p < 4)
    p--;
  uint32_t r;
  size_t w =
      tmpl__utf8_decode((const unsigned char *)l->input + p, l->len - p, &r);
  if (p + w != l->pos) /* invalid byte: it was read alone */
    p = l->pos - 1;
  if (l->input[p] == '\n')
    l->line--;
  l->pos = p;
}

static int peek_rune(struct tmpl__lexer *l)
{
  int r = next_rune(l);
  backup(l);
  return r;
}

static int count_nl(const char *s, size_t n)
{
  int c = 0;
  for (size_t i = 0; i < n; i++)
    c += s[i] == '\n';
  return c;
}

static void item_here(struct tmpl__lexer *l, struct tmpl__item *it,
                      enum tmpl__item_type t)
{
  it->typ = t;
  it->pos = (uint32_t)l->start;
  it->val = l->input + l->start;
  it->len = l->pos - l->start;
  it->line = l->start_line;
  l->start = l->pos;
  l->start_line = l->line;
}

static void ignore(struct tmpl__lexer *l)
{
  l->line += count_nl(l->input + l->start, l->pos - l->start);
  l->start = l->pos;
  l->start_line = l->line;
}

static void lex_error(struct tmpl__lexer *l, struct tmpl__item *it,
                      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An error item ends the scan: later calls return EOF. */
static void lex_error(struct tmpl__lexer *l, struct tmpl__item *it,
                      const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(l->msg, sizeof l->msg, fmt, ap);
  va_end(ap);
  it->typ = TI_ERROR;
  it->pos = (uint32_t)l->start;
  it->val = l->msg;
  it->len = strlen(l->msg);
  it->line = l->start_line;
  l->len = l->pos = l->start = 0;
}

static int accept(struct tmpl__lexer *l, const char *valid)
{
  int r = next_rune(l);
  if (r > 0 && r < 0x80 && strchr(valid, r))
    return 1;
  backup(l);
  return 0;
}

static void accept_run(struct tmpl__lexer *l, const char *valid)
{
  int r;
  do
    r = next_rune(l);
  while (r > 0 && r < 0x80 && strchr(valid, r));
  backup(l);
}

static int left_trim_marker(const struct tmpl__lexer *l, size_t at)
{
  return at + 2 <= l->len && l->input[at] == '-' && is_space(l->input[at + 1]);
}

static int right_trim_marker(const struct tmpl__lexer *l, size_t at)
{
  return at + 2 <= l->len && is_space(l->input[at]) && l->input[at + 1] == '-';
}

/* Is the right delimiter next, possibly after " -"? */
static int at_right_delim(const struct tmpl__lexer *l, int *trim)
{
  *trim = 0;
  if (right_trim_marker(l, l->pos) &&
      has_prefix(l, l->pos + 2, l->rdelim, l->rdlen)) {
    *trim = 1;
    return 1;
  }
  return has_prefix(l, l->pos, l->rdelim, l->rdlen);
}

static size_t leading_space(const struct tmpl__lexer *l, size_t at)
{
  size_t n = 0;
  while (at + n < l->len && is_space(l->input[at + n]))
    n++;
  return n;
}

static const char *find_delim(const struct tmpl__lexer *l, size_t from)
{
  const char *p = l->input + from, *end = l->input + l->len;
  while ((size_t)(end - p) >= l->ldlen) {
    p = memchr(p, l->ldelim[0], (size_t)(end - p) - l->ldlen + 1);
    if (!p)
      return NULL;
    if (memcmp(p, l->ldelim, l->ldlen) == 0)
      return p;
    p++;
  }
  return NULL;
}

static void lex_comment(struct tmpl__lexer *l, struct tmpl__item *it);
static int lex_left_delim(struct tmpl__lexer *l, struct tmpl__item *it);

/* Text up to the next action; returns 1 when it produced an item. */
static int lex_text(struct tmpl__lexer *l, struct tmpl__item *it)
{
  const char *d = find_delim(l, l->pos);
  if (!d) {
    l->pos = l->len;
    if (l->pos > l->start) {
      l->line += count_nl(l->input + l->start, l->pos - l->start);
      item_here(l, it, TI_TEXT);
    } else {
      item_here(l, it, TI_EOF);
    }
    return 1;
  }
  size_t x = (size_t)(d - l->input);
  if (x > l->pos || x > l->start) {
    l->pos = x;
    size_t trim = 0;
    if (left_trim_marker(l, x + l->ldlen))
      while (l->pos - trim > l->start && is_space(l->input[l->pos - trim - 1]))
        trim++;
    l->pos -= trim;
    l->line += count_nl(l->input + l->start, l->pos - l->start);
    struct tmpl__item t;
    item_here(l, &t, TI_TEXT);
    l->pos += trim;
    ignore(l);
    if (t.len > 0) {
      *it = t;
      return 1;
    }
  }
  return lex_left_delim(l, it);
}

/* The left delimiter; a comment right after it is skipped whole. Returns 1
 * with an item, 0 when the comment was dropped and text follows. */
static int lex_left_delim(struct tmpl__lexer *l, struct tmpl__item *it)
{
  l->pos += l->ldlen;
  int trim = left_trim_marker(l, l->pos);
  size_t after = trim ? 2 : 0;
  if (has_prefix(l, l->pos + after, "/*", 2)) {
    l->pos += after;
    ignore(l);
    lex_comment(l, it);
    return it->typ == TI_ERROR;
  }
  item_here(l, it, TI_LEFT_DELIM);
  l->inside_action = 1;
  l->pos += after;
  ignore(l);
  l->paren_depth = 0;
  return 1;
}

static void lex_comment(struct tmpl__lexer *l, struct tmpl__item *it)
{
  l->pos += 2;
  const char *end = NULL;
  for (size_t i = l->pos; i + 2 <= l->len; i++)
    if (l->input[i] == '*' && l->input[i + 1] == '/') {
      end = l->input + i;
      break;
    }
  if (!end) {
    lex_error(l, it, "unclosed comment");
    return;
  }
  l->pos = (size_t)(end - l->input) + 2;
  int trim;
  if (!at_right_delim(l, &trim)) {
    lex_error(l, it, "comment ends before closing delimiter");
    return;
  }
  if (trim)
    l->pos += 2;
  l->pos += l->rdlen;
  if (trim)
    l->pos += leading_space(l, l->pos);
  ignore(l);
  it->typ = TI_SPACE; /* not an error: the caller goes on with text */
}

static void lex_right_delim(struct tmpl__lexer *l, struct tmpl__item *it)
{
  int trim;
  at_right_delim(l, &trim);
  if (trim) {
    l->pos += 2;
    ignore(l);
  }
  l->pos += l->rdlen;
  item_here(l, it, TI_RIGHT_DELIM);
  if (trim) {
    l->pos += leading_space(l, l->pos);
    ignore(l);
  }
  l->inside_action = 0;
}

static int at_terminator(struct tmpl__lexer *l)
{
  int r = peek_rune(l);
  if (is_space(r))
    return 1;
  switch (r) {
  case LEX_EOF:
  case '.':
  case ',':
  case '|':
  case ':':
  case ')':
  case '(':
    return 1;
  }
  return has_prefix(l, l->pos, l->rdelim, l->rdlen);
}

static void bad_char(struct tmpl__lexer *l, struct tmpl__item *it, int r)
{
  struct buf b;
  buf_init(&b, 64);
  tmpl__fmt_U(&b, r < 0 ? 0xfffd : (uint32_t)r, 1);
  if (r < 0) { /* Go prints EOF (-1) as U+FFFFFFFFFFFFFFFF */
    buf_reset(&b);
    buf_puts(&b, "U+FFFFFFFFFFFFFFFF");
  }
  lex_error(l, it, "bad character %s", b.data ? b.data : "");
  buf_free(&b);
}

static void lex_identifier(struct tmpl__lexer *l, struct tmpl__item *it)
{
  int r;
  while (is_alnum(r = next_rune(l)))
    ;
  backup(l);
  if (!at_terminator(l)) {
    bad_char(l, it, r);
    return;
  }
  const char *w = l->input + l->start;
  size_t n = l->pos - l->start;
  for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
    if (strlen(keywords[i].word) == n && memcmp(keywords[i].word, w, n) == 0) {
      enum tmpl__item_type t = keywords[i].typ;
      if ((t == TI_BREAK && !l->break_ok) ||
          (t == TI_CONTINUE && !l->continue_ok))
        t = TI_IDENTIFIER;
      item_here(l, it, t);
      return;
    }
  }
  if (w[0] == '.')
    item_here(l, it, TI_FIELD);
  else if ((n == 4 && !memcmp(w, "true", 4)) ||
           (n == 5 && !memcmp(w, "false", 5)))
    item_here(l, it, TI_BOOL);
  else
    item_here(l, it, TI_IDENTIFIER);
}

/* .field or $var; the '.' or '$' has been read. */
static void lex_field_or_var(struct tmpl__lexer *l, struct tmpl__item *it,
                             enum tmpl__item_type t)
{
  if (at_terminator(l)) {
    item_here(l, it, t == TI_VARIABLE ? TI_VARIABLE : TI_DOT);
    return;
  }
  int r;
  while (is_alnum(r = next_rune(l)))
    ;
  backup(l);
  if (!at_terminator(l)) {
    bad_char(l, it, r);
    return;
  }
  item_here(l, it, t);
}

static int scan_number(struct tmpl__lexer *l)
{
  accept(l, "+-");
  const char *digits = "0123456789_";
  if (accept(l, "0")) {
    if (accept(l, "xX"))
      digits = "0123456789abcdefABCDEF_";
    else if (accept(l, "oO"))
      digits = "01234567_";
    else if (accept(l, "bB"))
      digits = "01_";
  }
  accept_run(l, digits);
  if (accept(l, "."))
    accept_run(l, digits);
  size_t nd = strlen(digits);
  if (nd == 11 && accept(l, "eE")) {
    accept(l, "+-");
    accept_run(l, "0123456789_");
  }
  if (nd == 23 && accept(l, "pP")) {
    accept(l, "+-");
    accept_run(l, "0123456789_");
  }
  accept(l, "i");
  if (is_alnum(peek_rune(l))) {
    next_rune(l);
    return 0;
  }
  return 1;
}

static void bad_number(struct tmpl__lexer *l, struct tmpl__item *it)
{
  struct buf b;
  buf_init(&b, 4096);
  tmpl_quote(&b, l->input + l->start, l->pos - l->start);
  lex_error(l, it, "bad number syntax: %s", b.data ? b.data : "\"\"");
  buf_free(&b);
}

static void lex_number(struct tmpl__lexer *l, struct tmpl__item *it)
{
  if (!scan_number(l)) {
    bad_number(l, it);
    return;
  }
  int sign = peek_rune(l);
  if (sign == '+' || sign == '-') {
    if (!scan_number(l) || l->input[l->pos - 1] != 'i') {
      bad_number(l, it);
      return;
    }
    item_here(l, it, TI_COMPLEX);
    return;
  }
  item_here(l, it, TI_NUMBER);
}

/* "..." and '...': a backslash escapes one rune; a newline or EOF is an
 * error. `...`: anything up to the next backquote. */
static void lex_quote(struct tmpl__lexer *l, struct tmpl__item *it, int q,
                      enum tmpl__item_type t, const char *unterminated)
{
  for (;;) {
    int r = next_rune(l);
    if (r == '\\' && q != '`') {
      r = next_rune(l);
      if (r != LEX_EOF && r != '\n')
        continue;
      lex_error(l, it, "%s", unterminated);
      return;
    }
    if (r == LEX_EOF || (r == '\n' && q != '`')) {
      lex_error(l, it, "%s", unterminated);
      return;
    }
    if (r == q)
      break;
  }
  item_here(l, it, t);
}

static void lex_space(struct tmpl__lexer *l, struct tmpl__item *it)
{
  int n = 0;
  while (is_space(peek_rune(l))) {
    next_rune(l);
    n++;
  }
  /* A space that belongs to " -}}" is not ours. */
  if (right_trim_marker(l, l->pos - 1) &&
      has_prefix(l, l->pos + 1, l->rdelim, l->rdlen)) {
    backup(l);
    if (n == 1) {
      lex_right_delim(l, it);
      return;
    }
  }
  item_here(l, it, TI_SPACE);
}

/* ( ) = := | */
static void lex_operator(struct tmpl__lexer *l, struct tmpl__item *it, int r)
{
  switch (r) {
  case '=':
    item_here(l, it, TI_ASSIGN);
    break;
  case ':':
    if (next_rune(l) != '=')
      lex_error(l, it, "expected :=");
    else
      item_here(l, it, TI_DECLARE);
    break;
  case '|':
    item_here(l, it, TI_PIPE);
    break;
  case '(':
    l->paren_depth++;
    item_here(l, it, TI_LEFT_PAREN);
    break;
  default:
    l->paren_depth--;
    if (l->paren_depth < 0)
      lex_error(l, it, "unexpected right paren");
    else
      item_here(l, it, TI_RIGHT_PAREN);
  }
}

static void lex_operand(struct tmpl__lexer *l, struct tmpl__item *it, int r);

static void lex_inside_action(struct tmpl__lexer *l, struct tmpl__item *it)
{
  int trim;
  if (at_right_delim(l, &trim)) {
    if (l->paren_depth == 0)
      lex_right_delim(l, it);
    else
      lex_error(l, it, "unclosed left paren");
    return;
  }
  int r = next_rune(l);
  if (r == LEX_EOF)
    lex_error(l, it, "unclosed action");
  else if (r == '(' || r == ')' || r == '=' || r == ':' || r == '|')
    lex_operator(l, it, r);
  else
    lex_operand(l, it, r);
}

/* A space, quote, variable, field, number, identifier or other character;
 * r has been read. */
static void lex_operand(struct tmpl__lexer *l, struct tmpl__item *it, int r)
{
  if (is_space(r)) {
    backup(l);
    lex_space(l, it);
  } else if (r == '"') {
    lex_quote(l, it, '"', TI_STRING, "unterminated quoted string");
  } else if (r == '`') {
    lex_quote(l, it, '`', TI_RAW_STRING, "unterminated raw quoted string");
  } else if (r == '$') {
    if (at_terminator(l))
      item_here(l, it, TI_VARIABLE);
    else
      lex_field_or_var(l, it, TI_VARIABLE);
  } else if (r == '\'') {
    lex_quote(l, it, '\'', TI_CHAR_CONSTANT, "unterminated character constant");
  } else if (r == '.' && l->pos < l->len &&
             (l->input[l->pos] < '0' || l->input[l->pos] > '9')) {
    lex_field_or_var(l, it, TI_FIELD);
  } else if (r == '.' || r == '+' || r == '-' || (r >= '0' && r <= '9')) {
    backup(l);
    lex_number(l, it);
  } else if (is_alnum(r)) {
    backup(l);
    lex_identifier(l, it);
  } else if (r < 0x80 && r >= 0x20 && r < 0x7f) {
    item_here(l, it, TI_CHAR);
  } else {
    struct buf b;
    buf_init(&b, 64);
    tmpl__fmt_U(&b, (uint32_t)r, 1);
    lex_error(l, it, "unrecognized character in action: %s",
              b.data ? b.data : "");
    buf_free(&b);
  }
}

void tmpl__lex_next(struct tmpl__lexer *l, struct tmpl__item *it)
{
  it->typ = TI_EOF;
  it->pos = (uint32_t)l->pos;
  it->val = "EOF";
  it->len = 3;
  it->line = l->start_line;
  if (l->inside_action) {
    lex_inside_action(l, it);
    return;
  }
  /* Dropped comments leave text to scan: loop until an item appears. */
  while (!lex_text(l, it))
    ;
}

/* Go's item.String(): EOF, an error's text, <keyword>, or a quoted value
 * cut after 10 runes. */
int tmpl__item_str(struct buf *b, const struct tmpl__item *it)
{
  if (it->typ == TI_EOF)
    return buf_puts(b, "EOF");
  if (it->typ == TI_ERROR)
    return buf_append(b, it->val, it->len);
  if (it->typ > TI_KEYWORD)
    return buf_printf(b, "<%.*s>", (int)it->len, it->val);
  size_t n = 0, runes = 0;
  while (n < it->len && runes < 10) {
    uint32_t r;
    n += tmpl__utf8_decode((const unsigned char *)it->val + n, it->len - n, &r);
    runes++;
  }
  int rc = tmpl_quote(b, it->val, n);
  if (!rc && n < it->len)
    rc = buf_puts(b, "...");
  return rc;
}
