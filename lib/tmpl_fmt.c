/* tmpl_fmt: Go's fmt.Sprint, Sprintln and Sprintf over template values.
 *
 * Templates print with fmt: an action's value, print/printf/println, and
 * Sprig's toString and cat. What users see depends on its details (maps
 * as map[a:1 b:2] with sorted keys, nil as <nil>, floats in strconv's
 * shortest 'g' form, %!d(string=x) for a bad verb), so they follow Go's
 * print.go and format.go. Not done: %x/%b on floats, %p, argument indexes
 * ("%[2]d"), and %#v's Go syntax beyond strings and numbers. */
#include "tmpl_int.h"

#include "gonum.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

struct fmt {
  struct buf *b;
  unsigned plus : 1, minus : 1, sharp : 1, space : 1, zero : 1;
  unsigned plus_v : 1, sharp_v : 1, wid_present : 1, prec_present : 1;
  int wid, prec;
  /* Containers being printed, outermost first: a map that contains itself
   * (possible through mutating functions) prints <cycle> instead of
   * recursing; Go would overflow its stack. */
  const struct json_object *open[TMPL__MAX_PRINT_DEPTH + 1];
};

static int print_value(struct fmt *f, struct json_object *o, int verb,
                       int depth);

static size_t rune_count(const char *s, size_t n)
{
  size_t c = 0;
  for (size_t i = 0; i < n;) {
    uint32_t r;
    i += tmpl__utf8_decode((const unsigned char *)s + i, n - i, &r);
    c++;
  }
  return c;
}

static int write_padding(struct fmt *f, int n)
{
  int rc = 0;
  char c = f->zero ? '0' : ' ';
  for (int i = 0; !rc && i < n; i++)
    rc = buf_putc(f->b, c);
  return rc;
}

/* fmt.pad: the text, padded to the width (counted in runes). */
static int pad(struct fmt *f, const char *s, size_t n)
{
  if (!f->wid_present || f->wid == 0)
    return buf_append(f->b, s, n);
  int width = f->wid - (int)rune_count(s, n);
  int rc = 0;
  if (!f->minus) {
    rc = write_padding(f, width);
    if (!rc)
      rc = buf_append(f->b, s, n);
  } else {
    rc = buf_append(f->b, s, n);
    if (!rc)
      rc = write_padding(f, width);
  }
  return rc;
}

/* Cuts s to the precision, counted in runes. */
static size_t truncate_prec(const struct fmt *f, const char *s, size_t n)
{
  if (!f->prec_present)
    return n;
  size_t i = 0;
  for (int k = 0; i < n && k < f->prec; k++) {
    uint32_t r;
    i += tmpl__utf8_decode((const unsigned char *)s + i, n - i, &r);
  }
  return i;
}

static int fmt_s(struct fmt *f, const char *s, size_t n)
{
  return pad(f, s, truncate_prec(f, s, n));
}

static int can_backquote(const char *s, size_t n)
{
  for (size_t i = 0; i < n;) {
    uint32_t r;
    size_t w = tmpl__utf8_decode((const unsigned char *)s + i, n - i, &r);
    if (r == '`' || r == 0xfeff || (w == 1 && r == 0xfffd) ||
        (r < ' ' && r != '\t') || r == 0x7f)
      return 0;
    i += w;
  }
  return 1;
}

static int quote_ascii(struct buf *b, const char *s, size_t n)
{
  int rc = buf_putc(b, '"');
  for (size_t i = 0; !rc && i < n;) {
    uint32_t r;
    const unsigned char *u = (const unsigned char *)s + i;
    size_t w = tmpl__utf8_decode(u, n - i, &r);
    if (r >= 0x80 && !(w == 1 && r == 0xfffd))
      rc = r < 0x10000 ? buf_printf(b, "\\u%04x", (unsigned)r)
                       : buf_printf(b, "\\U%08x", (unsigned)r);
    else
      rc = tmpl__quote_rune(b, r, w, '"', u);
    i += w;
  }
  return rc ? rc : buf_putc(b, '"');
}

static int fmt_q(struct fmt *f, const char *s, size_t n)
{
  n = truncate_prec(f, s, n);
  struct buf q;
  buf_init(&q, 0);
  int rc;
  if (f->sharp && can_backquote(s, n)) {
    rc = buf_putc(&q, '`');
    if (!rc)
      rc = buf_append(&q, s, n);
    if (!rc)
      rc = buf_putc(&q, '`');
  } else if (f->plus) {
    rc = quote_ascii(&q, s, n);
  } else {
    rc = tmpl_quote(&q, s, n);
  }
  if (!rc)
    rc = pad(f, q.data, q.len);
  buf_free(&q);
  return rc;
}

/* %x and %X of a string or byte slice. */
static int fmt_sx(struct fmt *f, const char *s, size_t n, int upper)
{
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  if (f->prec_present && (size_t)f->prec < n)
    n = (size_t)f->prec;
  struct buf h;
  buf_init(&h, 0);
  int rc = 0;
  for (size_t i = 0; !rc && i < n; i++) {
    if (f->space && i > 0)
      rc = buf_putc(&h, ' ');
    if (!rc && f->sharp && (f->space || i == 0))
      rc = buf_puts(&h, upper ? "0X" : "0x");
    unsigned char c = (unsigned char)s[i];
    char two[2] = {digits[c >> 4], digits[c & 15]};
    if (!rc)
      rc = buf_append(&h, two, 2);
  }
  if (!rc)
    rc = pad(f, h.data ? h.data : "", h.len);
  buf_free(&h);
  return rc;
}

static int bad_verb(struct fmt *f, struct json_object *o, int verb)
{
  struct buf *b = f->b;
  int rc = buf_puts(b, "%!");
  if (!rc)
    rc = tmpl__utf8_encode(b, (uint32_t)verb);
  if (!rc)
    rc = buf_putc(b, '(');
  if (!rc && o) {
    rc = buf_puts(b, tmpl_val_type_name(o));
    if (!rc)
      rc = buf_putc(b, '=');
    if (!rc)
      rc = print_value(f, o, 'v', 0);
  } else if (!rc) {
    rc = buf_puts(b, "<nil>");
  }
  return rc ? rc : buf_putc(b, ')');
}

/* 0b, 0, 0x, 0o and the sign, written right to left before buf[i]. */
static size_t int_prefix(const struct fmt *f, char *buf, size_t i, int base,
                         int verb, int negative, char x)
{
  if (f->sharp) {
    if (base == 2) {
      buf[--i] = 'b';
      buf[--i] = '0';
    } else if (base == 8 && buf[i] != '0') {
      buf[--i] = '0';
    } else if (base == 16) {
      buf[--i] = x;
      buf[--i] = '0';
    }
  }
  if (verb == 'O') {
    buf[--i] = 'o';
    buf[--i] = '0';
  }
  if (negative)
    buf[--i] = '-';
  else if (f->plus)
    buf[--i] = '+';
  else if (f->space)
    buf[--i] = ' ';
  return i;
}

static int fmt_integer(struct fmt *f, uint64_t u, int is_signed, int base,
                       int verb, int upper)
{
  const char *digits = upper ? "0123456789ABCDEFX" : "0123456789abcdefx";
  int negative = is_signed && (int64_t)u < 0;
  if (negative)
    u = -u;
  int prec = 0;
  if (f->prec_present) {
    prec = f->prec;
    if (prec == 0 && u == 0) {
      unsigned z = f->zero;
      f->zero = 0;
      int rc = write_padding(f, f->wid_present ? f->wid : 0);
      f->zero = z;
      return rc;
    }
  } else if (f->zero && !f->minus && f->wid_present) {
    prec = f->wid;
    if (negative || f->plus || f->space)
      prec--;
  }
  char tmp[80];
  char *buf = prec + 8 > (int)sizeof tmp ? malloc((size_t)prec + 80) : tmp;
  if (!buf)
    return -ENOMEM;
  size_t size = prec + 8 > (int)sizeof tmp ? (size_t)prec + 80 : sizeof tmp;
  size_t i = size;
  do {
    buf[--i] = digits[u % (uint64_t)base];
    u /= (uint64_t)base;
  } while (u);
  while (i > 0 && prec > (int)(size - i))
    buf[--i] = '0';
  i = int_prefix(f, buf, i, base, verb, negative, digits[16]);
  unsigned z = f->zero;
  f->zero = 0;
  int rc = pad(f, buf + i, size - i);
  f->zero = z;
  if (buf != tmp)
    free(buf);
  return rc;
}

static int fmt_rune(struct fmt *f, uint64_t u, int verb)
{
  uint32_t r = u > 0x10ffff ? 0xfffd : (uint32_t)u;
  struct buf t;
  buf_init(&t, 0);
  int rc;
  if (verb == 'c') {
    rc = tmpl__utf8_encode(&t, r);
  } else if (verb == 'q') {
    char raw[8];
    struct buf e;
    buf_init(&e, 0);
    tmpl__utf8_encode(&e, r);
    memcpy(raw, e.data ? e.data : "", e.len);
    rc = buf_putc(&t, '\'');
    if (!rc)
      rc = tmpl__quote_rune(&t, r, e.len, '\'', (const unsigned char *)raw);
    if (!rc)
      rc = buf_putc(&t, '\'');
    buf_free(&e);
  } else { /* U */
    rc = buf_printf(&t, "U+%04llX", (unsigned long long)u);
    if (!rc && f->sharp && u <= 0x10ffff && tmpl__is_print(r)) {
      rc = buf_puts(&t, " '");
      if (!rc)
        rc = tmpl__utf8_encode(&t, r);
      if (!rc)
        rc = buf_putc(&t, '\'');
    }
  }
  if (!rc) {
    unsigned z = f->zero;
    f->zero = 0;
    rc = pad(f, t.data ? t.data : "", t.len);
    f->zero = z;
  }
  buf_free(&t);
  return rc;
}

static int print_int(struct fmt *f, struct json_object *o, int verb,
                     int is_signed)
{
  uint64_t u = (uint64_t)json_object_get_int64(o);
  switch (verb) {
  case 'v':
  case 'd':
    return fmt_integer(f, u, is_signed, 10, verb, 0);
  case 'b':
    return fmt_integer(f, u, is_signed, 2, verb, 0);
  case 'o':
  case 'O':
    return fmt_integer(f, u, is_signed, 8, verb, 0);
  case 'x':
    return fmt_integer(f, u, is_signed, 16, verb, 0);
  case 'X':
    return fmt_integer(f, u, is_signed, 16, verb, 1);
  case 'c':
  case 'q':
  case 'U':
    return fmt_rune(f, u, verb);
  default:
    return bad_verb(f, o, verb);
  }
}

static int fmt_float(struct fmt *f, double v, int verb, int prec)
{
  if (f->prec_present)
    prec = f->prec;
  char num[512];
  num[0] = '+';
  if (verb == 'F')
    verb = 'f';
  size_t n =
      gonum_format_float(num + 1, sizeof num - 1, v, (char)verb, prec, 64);
  char *p = num;
  n++;
  if (num[1] == '-' || num[1] == '+') {
    p++;
    n--;
  }
  if (f->space && p[0] == '+' && !f->plus)
    p[0] = ' ';
  if (p[1] == 'I' || p[1] == 'N') {
    unsigned z = f->zero;
    f->zero = 0;
    if (p[1] == 'N' && !f->space && !f->plus) {
      p++;
      n--;
    }
    int rc = pad(f, p, n);
    f->zero = z;
    return rc;
  }
  if (f->plus || p[0] != '+') {
    if (f->zero && !f->minus && f->wid_present && f->wid > (int)n) {
      int rc = buf_putc(f->b, p[0]);
      if (!rc)
        rc = write_padding(f, f->wid - (int)n);
      return rc ? rc : buf_append(f->b, p + 1, n - 1);
    }
    return pad(f, p, n);
  }
  return pad(f, p + 1, n - 1);
}

static int print_float(struct fmt *f, struct json_object *o, int verb)
{
  double v = json_object_get_double(o);
  switch (verb) {
  case 'v':
    return fmt_float(f, v, 'g', -1);
  case 'g':
  case 'G':
    return fmt_float(f, v, verb, -1);
  case 'f':
  case 'F':
  case 'e':
  case 'E':
    return fmt_float(f, v, verb, 6);
  default:
    return bad_verb(f, o, verb);
  }
}

static int print_string(struct fmt *f, struct json_object *o, int verb)
{
  const char *s = json_object_get_string(o);
  size_t n = (size_t)json_object_get_string_len(o);
  switch (verb) {
  case 'v':
    return f->sharp_v ? fmt_q(f, s, n) : fmt_s(f, s, n);
  case 's':
    return fmt_s(f, s, n);
  case 'x':
  case 'X':
    return fmt_sx(f, s, n, verb == 'X');
  case 'q':
    return fmt_q(f, s, n);
  default:
    return bad_verb(f, o, verb);
  }
}

/* []byte: a string holding the bytes. */
static int print_bytes(struct fmt *f, struct json_object *o, int verb,
                       int depth)
{
  const char *s = json_object_get_string(o);
  size_t n = (size_t)json_object_get_string_len(o);
  switch (verb) {
  case 's':
    return fmt_s(f, s, n);
  case 'x':
  case 'X':
    return fmt_sx(f, s, n, verb == 'X');
  case 'q':
    return fmt_q(f, s, n);
  default:
    break;
  }
  int rc = buf_putc(f->b, '[');
  for (size_t i = 0; !rc && i < n; i++) {
    if (i > 0)
      rc = buf_putc(f->b, ' ');
    struct json_object *e = json_object_new_int64((unsigned char)s[i]);
    if (!e)
      return -ENOMEM;
    if (!rc)
      rc = print_int(f, e, verb, 0);
    json_object_put(e);
  }
  (void)depth;
  return rc ? rc : buf_putc(f->b, ']');
}

static int print_map(struct fmt *f, struct json_object *o, int verb, int depth)
{
  const char **keys;
  size_t n;
  int rc = tmpl__sorted_keys(o, &keys, &n);
  if (rc)
    return rc;
  rc = buf_puts(f->b, "map[");
  for (size_t i = 0; !rc && i < n; i++) {
    if (i > 0)
      rc = buf_putc(f->b, ' ');
    struct json_object *k = json_object_new_string(keys[i]);
    if (!k) {
      rc = -ENOMEM;
      break;
    }
    if (!rc)
      rc = print_value(f, k, verb, depth + 1);
    json_object_put(k);
    if (!rc)
      rc = buf_putc(f->b, ':');
    if (!rc)
      rc = print_value(f, json_object_object_get(o, keys[i]), verb, depth + 1);
  }
  free(keys);
  return rc ? rc : buf_putc(f->b, ']');
}

static int print_struct(struct fmt *f, struct json_object *o, int verb,
                        int depth)
{
  int rc = 0;
  if (tmpl_val_kind(o) == TMPL_KIND_PTR && depth == 0)
    rc = buf_putc(f->b, '&');
  if (!rc)
    rc = buf_putc(f->b, '{');
  int first = 1;
  json_object_object_foreach (o, k, v) {
    if (rc)
      break;
    if (!first)
      rc = buf_putc(f->b, ' ');
    first = 0;
    if (!rc && (f->plus_v || f->sharp_v))
      rc = buf_printf(f->b, "%s:", k);
    if (!rc)
      rc = print_value(f, v, verb, depth + 1);
  }
  return rc ? rc : buf_putc(f->b, '}');
}

static int print_slice(struct fmt *f, struct json_object *o, int verb,
                       int depth)
{
  size_t n = json_object_array_length(o);
  int rc = buf_putc(f->b, '[');
  for (size_t i = 0; !rc && i < n; i++) {
    if (i > 0)
      rc = buf_putc(f->b, ' ');
    if (!rc)
      rc = print_value(f, json_object_array_get_idx(o, i), verb, depth + 1);
  }
  return rc ? rc : buf_putc(f->b, ']');
}

static int print_nil(struct fmt *f, int verb, int depth)
{
  if (depth > 0) /* a nil inside a container: written bare */
    return buf_puts(f->b, "<nil>");
  if (verb == 'v' || verb == 'T')
    return pad(f, "<nil>", 5);
  return bad_verb(f, NULL, verb);
}

/* Go's handleMethods: a Stringer prints its String() for %v %s %x %X %q. */
static int print_stringer(struct fmt *f, struct json_object *o, int verb,
                          int *done)
{
  const struct tmpl_type *t = tmpl_val_type(o);
  *done = 0;
  if (!t || !t->stringer || f->sharp_v || !strchr("vsxXq", verb))
    return 0;
  struct buf b;
  buf_init(&b, 0);
  int rc = t->stringer(&b, o);
  struct json_object *str =
      rc ? NULL : json_object_new_string_len(b.data ? b.data : "", (int)b.len);
  buf_free(&b);
  if (!str)
    return rc ? rc : -ENOMEM;
  *done = 1;
  rc = print_string(f, str, verb);
  json_object_put(str);
  return rc;
}

static int print_value(struct fmt *f, struct json_object *o, int verb,
                       int depth)
{
  if (depth > TMPL__MAX_PRINT_DEPTH)
    return buf_puts(f->b, "<...>");
  if (!o)
    return print_nil(f, verb, depth);
  for (int i = 0; i < depth; i++)
    if (f->open[i] == o)
      return buf_puts(f->b, "<cycle>");
  f->open[depth] = o;
  if (verb == 'T' && depth == 0)
    return fmt_s(f, tmpl_val_type_name(o), strlen(tmpl_val_type_name(o)));
  int done, rc = print_stringer(f, o, verb, &done);
  if (rc || done)
    return rc;
  switch (tmpl_val_kind(o)) {
  case TMPL_KIND_BOOL:
    if (verb != 'v' && verb != 't')
      return bad_verb(f, o, verb);
    return json_object_get_boolean(o) ? pad(f, "true", 4) : pad(f, "false", 5);
  case TMPL_KIND_INT:
    return print_int(f, o, verb, 1);
  case TMPL_KIND_UINT:
    return print_int(f, o, verb, 0);
  case TMPL_KIND_FLOAT:
    return print_float(f, o, verb);
  case TMPL_KIND_STRING:
    return print_string(f, o, verb);
  case TMPL_KIND_SLICE:
    if (json_object_is_type(o, json_type_string))
      return print_bytes(f, o, verb, depth);
    return print_slice(f, o, verb, depth);
  case TMPL_KIND_MAP:
    return print_map(f, o, verb, depth);
  case TMPL_KIND_STRUCT:
  case TMPL_KIND_PTR:
    return print_struct(f, o, verb, depth);
  default:
    return buf_puts(f->b, "<?>");
  }
}

static void fmt_clear(struct fmt *f, struct buf *b)
{
  memset(f, 0, sizeof *f);
  f->b = b;
}

static int is_string_arg(const struct tmpl_value *v)
{
  return v->o && tmpl_val_kind(v->o) == TMPL_KIND_STRING;
}

int tmpl_sprint(struct buf *b, int argc, const struct tmpl_value *argv)
{
  struct fmt f;
  fmt_clear(&f, b);
  int prev_string = 0, rc = 0;
  for (int i = 0; !rc && i < argc; i++) {
    int is_string = is_string_arg(&argv[i]);
    if (i > 0 && !is_string && !prev_string)
      rc = buf_putc(b, ' ');
    if (!rc)
      rc = print_value(&f, argv[i].o, 'v', 0);
    prev_string = is_string;
  }
  return rc ? rc : buf_append(b, "", 0);
}

int tmpl_sprintln(struct buf *b, int argc, const struct tmpl_value *argv)
{
  struct fmt f;
  fmt_clear(&f, b);
  int rc = 0;
  for (int i = 0; !rc && i < argc; i++) {
    if (i > 0)
      rc = buf_putc(b, ' ');
    if (!rc)
      rc = print_value(&f, argv[i].o, 'v', 0);
  }
  return rc ? rc : buf_putc(b, '\n');
}

/* ---- Sprintf ---- */

struct printf_state {
  struct fmt f;
  const char *s;
  size_t n, i;
  int argc, argnum;
  const struct tmpl_value *argv;
  int reordered;
};

static void parse_flags(struct printf_state *p)
{
  struct fmt *f = &p->f;
  for (; p->i < p->n; p->i++) {
    switch (p->s[p->i]) {
    case '#':
      f->sharp = 1;
      break;
    case '0':
      f->zero = !f->minus;
      break;
    case '+':
      f->plus = 1;
      break;
    case '-':
      f->minus = 1;
      f->zero = 0;
      break;
    case ' ':
      f->space = 1;
      break;
    default:
      return;
    }
  }
}

/* A decimal number at the cursor; returns 0 when there is none. */
static int parse_num(struct printf_state *p, int *out)
{
  int got = 0;
  long v = 0;
  while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
    if (v < 1000000)
      v = v * 10 + (p->s[p->i] - '0');
    p->i++;
    got = 1;
  }
  *out = v > 1000000 ? 1000000 : (int)v;
  return got;
}

/* A '*' width or precision: the next argument, which must be an int. */
static int star_arg(struct printf_state *p, int *out)
{
  if (p->argnum >= p->argc)
    return 0;
  struct json_object *o = p->argv[p->argnum++].o;
  if (!o || tmpl_val_kind(o) != TMPL_KIND_INT)
    return 0;
  int64_t v = json_object_get_int64(o);
  if (v > 1000000 || v < -1000000)
    return 0;
  *out = (int)v;
  return 1;
}

static int parse_width(struct printf_state *p)
{
  struct fmt *f = &p->f;
  if (p->i < p->n && p->s[p->i] == '*') {
    p->i++;
    f->wid_present = (unsigned)star_arg(p, &f->wid);
    if (!f->wid_present)
      return buf_puts(f->b, "%!(BADWIDTH)");
    if (f->wid < 0) {
      f->wid = -f->wid;
      f->minus = 1;
      f->zero = 0;
    }
    return 0;
  }
  f->wid_present = (unsigned)parse_num(p, &f->wid);
  return 0;
}

static int parse_prec(struct printf_state *p)
{
  struct fmt *f = &p->f;
  if (p->i >= p->n || p->s[p->i] != '.')
    return 0;
  p->i++;
  if (p->i < p->n && p->s[p->i] == '*') {
    p->i++;
    f->prec_present = (unsigned)star_arg(p, &f->prec);
    if (f->prec < 0) {
      f->prec = 0;
      f->prec_present = 0;
    }
    if (!f->prec_present)
      return buf_puts(f->b, "%!(BADPREC)");
    return 0;
  }
  parse_num(p, &f->prec);
  f->prec_present = 1;
  return 0;
}

static int one_verb(struct printf_state *p)
{
  struct fmt *f = &p->f;
  if (p->i >= p->n)
    return buf_puts(f->b, "%!(NOVERB)");
  uint32_t verb;
  p->i +=
      tmpl__utf8_decode((const unsigned char *)p->s + p->i, p->n - p->i, &verb);
  if (verb == '%')
    return buf_putc(f->b, '%');
  if (p->argnum >= p->argc) {
    int rc = buf_puts(f->b, "%!");
    if (!rc)
      rc = tmpl__utf8_encode(f->b, verb);
    return rc ? rc : buf_puts(f->b, "(MISSING)");
  }
  if (verb == 'w')
    verb = 'v'; /* Sprintf treats %w as %v */
  if (verb == 'v') {
    f->sharp_v = f->sharp;
    f->sharp = 0;
    f->plus_v = f->plus;
    f->plus = 0;
  }
  return print_value(f, p->argv[p->argnum++].o, (int)verb, 0);
}

static int extra_args(struct printf_state *p)
{
  struct fmt *f = &p->f;
  fmt_clear(f, f->b);
  int rc = buf_puts(f->b, "%!(EXTRA ");
  for (int i = p->argnum; !rc && i < p->argc; i++) {
    if (i > p->argnum)
      rc = buf_puts(f->b, ", ");
    struct json_object *o = p->argv[i].o;
    if (!rc && !o)
      rc = buf_puts(f->b, "<nil>");
    else if (!rc) {
      rc = buf_puts(f->b, tmpl_val_type_name(o));
      if (!rc)
        rc = buf_putc(f->b, '=');
      if (!rc)
        rc = print_value(f, o, 'v', 0);
    }
  }
  return rc ? rc : buf_putc(f->b, ')');
}

int tmpl_sprintf(struct buf *b, const char *fmt, size_t fmtlen, int argc,
                 const struct tmpl_value *argv)
{
  struct printf_state p = {.s = fmt, .n = fmtlen, .argc = argc, .argv = argv};
  fmt_clear(&p.f, b);
  int rc = 0;
  while (!rc && p.i < p.n) {
    const char *pct = memchr(p.s + p.i, '%', p.n - p.i);
    size_t end = pct ? (size_t)(pct - p.s) : p.n;
    rc = buf_append(b, p.s + p.i, end - p.i);
    p.i = end;
    if (rc || !pct)
      break;
    p.i++;
    fmt_clear(&p.f, b);
    parse_flags(&p);
    rc = parse_width(&p);
    if (!rc)
      rc = parse_prec(&p);
    if (!rc)
      rc = one_verb(&p);
  }
  if (!rc && p.argnum < argc)
    rc = extra_args(&p);
  return rc ? rc : buf_append(b, "", 0);
}

/* What an action prints: Go's printableValue then fmt.Fprint. */
int tmpl__print_action(struct buf *b, const struct tmpl_value *v)
{
  if (v->st == TMPL_V_INVALID || (v->st == TMPL_V_IFACE && !v->o))
    return buf_puts(b, "<no value>");
  const struct tmpl_type *t = tmpl_val_type(v->o);
  if (t && t->action_string)
    return t->action_string(b, v->o);
  if (t && t->stringer)
    return tmpl_sprint(b, 1, v);
  if (t && t->kind == TMPL_KIND_PTR) { /* printed through the pointer */
    struct fmt f;
    fmt_clear(&f, b);
    return print_struct(&f, v->o, 'v', 1);
  }
  return tmpl_sprint(b, 1, v);
}
