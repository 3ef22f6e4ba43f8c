/* tmpl_json: JSON text read as Go's encoding/json reads it into
 * interface{}, for fromJson, fromJsonArray and mustFromJson.
 *
 * Helm puts the decoder's error text into the result ({"Error": "invalid
 * character 'x' looking for beginning of value"}), so the syntax check is
 * a port of encoding/json's scanner state machine and says what it says.
 * Values: objects are maps (duplicate keys: the last wins), numbers
 * float64, strings with invalid UTF-8 and lone surrogates as U+FFFD. */
#include "tmpl_sprig_int.h"

#include "gonum.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define JSON_MAX_DEPTH 10000

enum scan_state {
  S_BEGIN_VALUE_OR_EMPTY,
  S_BEGIN_VALUE,
  S_BEGIN_STRING_OR_EMPTY,
  S_BEGIN_STRING,
  S_END_VALUE,
  S_END_TOP,
  S_IN_STRING,
  S_IN_STRING_ESC,
  S_ESC_U,
  S_ESC_U1,
  S_ESC_U12,
  S_ESC_U123,
  S_NEG,
  S_1,
  S_0,
  S_DOT,
  S_DOT0,
  S_E,
  S_ESIGN,
  S_E0,
  S_T,
  S_TR,
  S_TRU,
  S_F,
  S_FA,
  S_FAL,
  S_FALS,
  S_N,
  S_NU,
  S_NUL,
};

enum parse_state { P_OBJECT_KEY, P_OBJECT_VALUE, P_ARRAY_VALUE };

struct scanner {
  enum scan_state step;
  unsigned char *stack; /* parse states */
  size_t depth;
  char *err;
  size_t errcap;
  int failed;
};

static int is_space(int c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Go's quoteChar */
static void quote_char(int c, char *out, size_t cap)
{
  if (c == '\'') {
    snprintf(out, cap, "'\\''");
    return;
  }
  if (c == '"') {
    snprintf(out, cap, "'\"'");
    return;
  }
  struct buf b, r;
  buf_init(&b, 0);
  buf_init(&r, 0);
  tmpl__utf8_encode(&r, (uint32_t)c);
  tmpl_quote(&b, r.data ? r.data : "", r.len);
  snprintf(out, cap, "'%.*s'", b.len >= 2 ? (int)b.len - 2 : 0,
           b.data ? b.data + 1 : "");
  buf_free(&b);
  buf_free(&r);
}

static void scan_error(struct scanner *s, int c, const char *context)
{
  char q[32];
  quote_char(c, q, sizeof q);
  snprintf(s->err, s->errcap, "invalid character %s %s", q, context);
  s->failed = 1;
}

static int push(struct scanner *s, enum parse_state p)
{
  if (s->depth >= JSON_MAX_DEPTH) {
    snprintf(s->err, s->errcap, "exceeded max depth");
    s->failed = 1;
    return -1;
  }
  s->stack[s->depth++] = (unsigned char)p;
  return 0;
}

static void pop(struct scanner *s)
{
  s->depth--;
  s->step = s->depth == 0 ? S_END_TOP : S_END_VALUE;
}

static void step(struct scanner *s, int c);

static void begin_value(struct scanner *s, int c)
{
  if (is_space(c))
    return;
  switch (c) {
  case '{':
    s->step = S_BEGIN_STRING_OR_EMPTY;
    push(s, P_OBJECT_KEY);
    return;
  case '[':
    s->step = S_BEGIN_VALUE_OR_EMPTY;
    push(s, P_ARRAY_VALUE);
    return;
  case '"':
    s->step = S_IN_STRING;
    return;
  case '-':
    s->step = S_NEG;
    return;
  case '0':
    s->step = S_0;
    return;
  case 't':
    s->step = S_T;
    return;
  case 'f':
    s->step = S_F;
    return;
  case 'n':
    s->step = S_N;
    return;
  }
  if (c >= '1' && c <= '9')
    s->step = S_1;
  else
    scan_error(s, c, "looking for beginning of value");
}

static void end_value(struct scanner *s, int c)
{
  if (s->depth == 0) {
    s->step = S_END_TOP;
    step(s, c);
    return;
  }
  if (is_space(c)) {
    s->step = S_END_VALUE;
    return;
  }
  switch (s->stack[s->depth - 1]) {
  case P_OBJECT_KEY:
    if (c == ':') {
      s->stack[s->depth - 1] = P_OBJECT_VALUE;
      s->step = S_BEGIN_VALUE;
    } else {
      scan_error(s, c, "after object key");
    }
    return;
  case P_OBJECT_VALUE:
    if (c == ',') {
      s->stack[s->depth - 1] = P_OBJECT_KEY;
      s->step = S_BEGIN_STRING;
    } else if (c == '}') {
      pop(s);
    } else {
      scan_error(s, c, "after object key:value pair");
    }
    return;
  default:
    if (c == ',')
      s->step = S_BEGIN_VALUE;
    else if (c == ']')
      pop(s);
    else
      scan_error(s, c, "after array element");
  }
}

static int is_hex(int c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

static int is_digit(int c)
{
  return c >= '0' && c <= '9';
}

/* A literal's next letter: want, then go to next. */
static void literal(struct scanner *s, int c, int want, enum scan_state next,
                    const char *context)
{
  if (c == want)
    s->step = next;
  else
    scan_error(s, c, context);
}

static void step_string(struct scanner *s, int c)
{
  switch (s->step) {
  case S_IN_STRING:
    if (c == '"')
      s->step = S_END_VALUE;
    else if (c == '\\')
      s->step = S_IN_STRING_ESC;
    else if (c < 0x20)
      scan_error(s, c, "in string literal");
    return;
  case S_IN_STRING_ESC:
    if (strchr("bfnrt\\/\"", c) && c)
      s->step = S_IN_STRING;
    else if (c == 'u')
      s->step = S_ESC_U;
    else
      scan_error(s, c, "in string escape code");
    return;
  default: /* \u and its digits */
    if (!is_hex(c)) {
      scan_error(s, c, "in \\u hexadecimal character escape");
      return;
    }
    s->step = s->step == S_ESC_U123 ? S_IN_STRING : s->step + 1;
  }
}

static void step_number(struct scanner *s, int c)
{
  switch (s->step) {
  case S_NEG:
    if (c == '0')
      s->step = S_0;
    else if (c >= '1' && c <= '9')
      s->step = S_1;
    else
      scan_error(s, c, "in numeric literal");
    return;
  case S_1:
    if (is_digit(c))
      return;
    /* fall through */
  case S_0:
    if (c == '.')
      s->step = S_DOT;
    else if (c == 'e' || c == 'E')
      s->step = S_E;
    else
      end_value(s, c);
    return;
  case S_DOT:
    if (is_digit(c))
      s->step = S_DOT0;
    else
      scan_error(s, c, "after decimal point in numeric literal");
    return;
  case S_DOT0:
    if (c == 'e' || c == 'E')
      s->step = S_E;
    else if (!is_digit(c))
      end_value(s, c);
    return;
  case S_E:
    if (c == '+' || c == '-') {
      s->step = S_ESIGN;
      return;
    }
    /* fall through */
  case S_ESIGN:
    if (is_digit(c))
      s->step = S_E0;
    else
      scan_error(s, c, "in exponent of numeric literal");
    return;
  default: /* S_E0 */
    if (!is_digit(c))
      end_value(s, c);
  }
}

static void step_literal(struct scanner *s, int c)
{
  switch (s->step) {
  case S_T:
    literal(s, c, 'r', S_TR, "in literal true (expecting 'r')");
    return;
  case S_TR:
    literal(s, c, 'u', S_TRU, "in literal true (expecting 'u')");
    return;
  case S_TRU:
    literal(s, c, 'e', S_END_VALUE, "in literal true (expecting 'e')");
    return;
  case S_F:
    literal(s, c, 'a', S_FA, "in literal false (expecting 'a')");
    return;
  case S_FA:
    literal(s, c, 'l', S_FAL, "in literal false (expecting 'l')");
    return;
  case S_FAL:
    literal(s, c, 's', S_FALS, "in literal false (expecting 's')");
    return;
  case S_FALS:
    literal(s, c, 'e', S_END_VALUE, "in literal false (expecting 'e')");
    return;
  case S_N:
    literal(s, c, 'u', S_NU, "in literal null (expecting 'u')");
    return;
  case S_NU:
    literal(s, c, 'l', S_NUL, "in literal null (expecting 'l')");
    return;
  default:
    literal(s, c, 'l', S_END_VALUE, "in literal null (expecting 'l')");
  }
}

static void step(struct scanner *s, int c)
{
  switch (s->step) {
  case S_BEGIN_VALUE_OR_EMPTY:
    if (is_space(c))
      return;
    if (c == ']') {
      end_value(s, c);
      return;
    }
    begin_value(s, c);
    return;
  case S_BEGIN_VALUE:
    begin_value(s, c);
    return;
  case S_BEGIN_STRING_OR_EMPTY:
    if (is_space(c))
      return;
    if (c == '}') {
      s->stack[s->depth - 1] = P_OBJECT_VALUE;
      end_value(s, c);
      return;
    }
    /* fall through */
  case S_BEGIN_STRING:
    if (is_space(c))
      return;
    if (c == '"')
      s->step = S_IN_STRING;
    else
      scan_error(s, c, "looking for beginning of object key string");
    return;
  case S_END_VALUE:
    end_value(s, c);
    return;
  case S_END_TOP:
    if (!is_space(c))
      scan_error(s, c, "after top-level value");
    return;
  default:
    if (s->step <= S_ESC_U123)
      step_string(s, c);
    else if (s->step <= S_E0)
      step_number(s, c);
    else
      step_literal(s, c);
  }
}

/* json.checkValid: 0, or -EINVAL with Go's message in err. */
static int check_valid(const char *text, size_t n, char *err, size_t cap)
{
  struct scanner s = {.step = S_BEGIN_VALUE, .err = err, .errcap = cap};
  s.stack = malloc(JSON_MAX_DEPTH);
  if (!s.stack)
    return -ENOMEM;
  for (size_t i = 0; i < n && !s.failed; i++)
    step(&s, (unsigned char)text[i]);
  if (!s.failed && s.step != S_END_TOP) {
    step(&s, ' ');
    if (!s.failed && s.step != S_END_TOP) {
      snprintf(err, cap, "unexpected end of JSON input");
      s.failed = 1;
    }
  }
  free(s.stack);
  return s.failed ? -EINVAL : 0;
}

/* ---- Decoding valid text ---- */

struct decoder {
  const char *s;
  size_t n, i;
  char *err; /* the first type error, as Go saves it */
  size_t errcap;
};

static void skip_space(struct decoder *d)
{
  while (d->i < d->n && is_space(d->s[d->i]))
    d->i++;
}

static int hex4(const char *p)
{
  int v = 0;
  for (int k = 0; k < 4; k++) {
    int c = p[k];
    v = v * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return v;
}

/* A \uXXXX escape at p (after the backslash-u), maybe a surrogate pair;
 * returns the escape's length. */
static size_t unicode_escape(const char *p, size_t left, uint32_t *r)
{
  uint32_t v = (uint32_t)hex4(p);
  *r = v;
  if (v < 0xd800 || v > 0xdfff)
    return 4;
  *r = 0xfffd;
  if (v < 0xdc00 && left >= 10 && p[4] == '\\' && p[5] == 'u') {
    uint32_t lo = (uint32_t)hex4(p + 6);
    if (lo >= 0xdc00 && lo <= 0xdfff) {
      *r = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
      return 10;
    }
  }
  return 4;
}

static char unescape(char c)
{
  switch (c) {
  case 'b':
    return '\b';
  case 'f':
    return '\f';
  case 'n':
    return '\n';
  case 'r':
    return '\r';
  case 't':
    return '\t';
  default:
    return c;
  }
}

static int read_string(struct decoder *d, struct buf *b)
{
  int rc = 0;
  d->i++; /* the quote */
  while (!rc && d->s[d->i] != '"') {
    unsigned char c = (unsigned char)d->s[d->i];
    if (c == '\\' && d->s[d->i + 1] == 'u') {
      uint32_t r;
      d->i += 2 + unicode_escape(d->s + d->i + 2, d->n - d->i - 2, &r);
      rc = tmpl__utf8_encode(b, r);
    } else if (c == '\\') {
      rc = buf_putc(b, unescape(d->s[d->i + 1]));
      d->i += 2;
    } else if (c < 0x80) {
      rc = buf_putc(b, (char)c);
      d->i++;
    } else {
      uint32_t r;
      size_t w = tmpl__utf8_decode((const unsigned char *)d->s + d->i,
                                   d->n - d->i, &r);
      rc =
          w == 1 ? tmpl__utf8_encode(b, 0xfffd) : buf_append(b, d->s + d->i, w);
      d->i += w;
    }
  }
  d->i++;
  return rc ? rc : buf_append(b, "", 0);
}

static int decode_value(struct decoder *d, struct json_object **out);

static int decode_object(struct decoder *d, struct json_object **out)
{
  struct json_object *m = json_object_new_object();
  struct buf k;
  buf_init(&k, 0);
  int rc = m ? 0 : -ENOMEM;
  d->i++;
  skip_space(d);
  while (!rc && d->s[d->i] != '}') {
    buf_reset(&k);
    rc = read_string(d, &k);
    skip_space(d);
    d->i++; /* : */
    struct json_object *v = NULL;
    if (!rc)
      rc = decode_value(d, &v);
    if (!rc && json_object_object_add(m, k.data ? k.data : "", v)) {
      json_object_put(v);
      rc = -ENOMEM;
    }
    skip_space(d);
    if (d->s[d->i] == ',') {
      d->i++;
      skip_space(d);
    }
  }
  d->i++;
  buf_free(&k);
  if (rc)
    json_object_put(m);
  else
    *out = m;
  return rc;
}

static int decode_array(struct decoder *d, struct json_object **out)
{
  struct json_object *a = json_object_new_array();
  int rc = a ? 0 : -ENOMEM;
  d->i++;
  skip_space(d);
  while (!rc && d->s[d->i] != ']') {
    struct json_object *v = NULL;
    rc = decode_value(d, &v);
    if (!rc && json_object_array_add(a, v)) {
      json_object_put(v);
      rc = -ENOMEM;
    }
    skip_space(d);
    if (d->s[d->i] == ',') {
      d->i++;
      skip_space(d);
    }
  }
  d->i++;
  if (rc)
    json_object_put(a);
  else
    *out = a;
  return rc;
}

static int decode_number(struct decoder *d, struct json_object **out)
{
  size_t start = d->i;
  while (d->i < d->n && strchr("+-.eE0123456789", d->s[d->i]) && d->s[d->i])
    d->i++;
  double f;
  if (gonum_parse_float(d->s + start, d->i - start, &f)) {
    if (!d->err[0])
      snprintf(d->err, d->errcap,
               "json: cannot unmarshal number %.*s into "
               "Go value of type float64",
               (int)(d->i - start), d->s + start);
    *out = NULL;
    return 0;
  }
  *out = json_object_new_double(f);
  return *out ? 0 : -ENOMEM;
}

static int decode_value(struct decoder *d, struct json_object **out)
{
  *out = NULL;
  skip_space(d);
  char c = d->s[d->i];
  struct buf b;
  switch (c) {
  case '{':
    return decode_object(d, out);
  case '[':
    return decode_array(d, out);
  case '"':
    buf_init(&b, 0);
    if (read_string(d, &b)) {
      buf_free(&b);
      return -ENOMEM;
    }
    *out = json_object_new_string_len(b.data ? b.data : "", (int)b.len);
    buf_free(&b);
    return *out ? 0 : -ENOMEM;
  case 't':
  case 'f':
    d->i += c == 't' ? 4 : 5;
    *out = json_object_new_boolean(c == 't');
    return *out ? 0 : -ENOMEM;
  case 'n':
    d->i += 4;
    return 0;
  default:
    return decode_number(d, out);
  }
}

/* What Go calls the JSON value a type error names. */
static const char *value_kind(char c)
{
  switch (c) {
  case '{':
    return "object";
  case '[':
    return "array";
  case '"':
    return "string";
  case 't':
  case 'f':
    return "bool";
  default:
    return "number";
  }
}

int tmpl__json_decode(const char *text, size_t n, int want,
                      struct json_object **out, char *err, size_t cap)
{
  *out = NULL;
  err[0] = '\0';
  int rc = check_valid(text, n, err, cap);
  if (rc)
    return rc;
  struct decoder d = {.s = text, .n = n, .err = err, .errcap = cap};
  skip_space(&d);
  char c = text[d.i];
  if (want && c != want && c != 'n') {
    snprintf(err, cap, "json: cannot unmarshal %s into Go value of type %s",
             value_kind(c),
             want == '{' ? "map[string]interface {}" : "[]interface {}");
    return -EINVAL;
  }
  rc = decode_value(&d, out);
  if (!rc && err[0])
    rc = -EINVAL;
  return rc;
}
