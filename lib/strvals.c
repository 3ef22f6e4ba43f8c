/* strvals: Helm's --set family and values merging (helm v3.17
 * pkg/strvals/parser.go, literal_parser.go, pkg/cli/values/options.go).
 *
 * The parser reads the flag rune by rune as Helm's does, so its odd corners
 * come out the same: "a=" sets "", "a[0]" sets an empty list, "{}" is a
 * list holding "", a type clash deep in a key is Helm's recovered panic
 * ("unable to parse key: interface conversion: ..."). */
#include "strvals.h"

#include "buf.h"
#include "kjson.h"
#include "kyaml.h"
#include "tmpl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

/* Go's io.EOF: the end of the input, not an error at the top level. */
#define SV_EOF 1

struct sv {
  const char *s;
  size_t n, pos, last; /* last: size of the rune read last (UnreadRune) */
  enum strvals_kind kind;
  struct err *e;
};

/* ---- Reading runes as bytes.Buffer does ---- */

static size_t utf8_len(const unsigned char *p, size_t n)
{
  unsigned c = p[0];
  size_t need = c < 0x80         ? 1
                : (c >> 5) == 6  ? 2
                : (c >> 4) == 14 ? 3
                : (c >> 3) == 30 ? 4
                                 : 0;
  if (!need || need > n)
    return 0;
  for (size_t i = 1; i < need; i++)
    if ((p[i] & 0xC0) != 0x80)
      return 0;
  return need;
}

/* Reads one rune into b (invalid UTF-8 becomes U+FFFD, as Go reads it) and
 * returns its first byte, or -1 at the end. */
static int read_rune(struct sv *p, struct buf *b)
{
  if (p->pos >= p->n)
    return -1;
  const unsigned char *c = (const unsigned char *)p->s + p->pos;
  size_t len = utf8_len(c, p->n - p->pos);
  p->last = len ? len : 1;
  p->pos += p->last;
  if (b && len)
    buf_append(b, c, len);
  else if (b)
    buf_puts(b, "\xEF\xBF\xBD");
  return len ? c[0] : 0xFF;
}

static void unread_rune(struct sv *p)
{
  p->pos -= p->last;
  p->last = 0;
}

/* runesUntil: the text up to a stop character (one of `stop`), with `\`
 * escaping the next rune unless literal. Returns the stop character, or
 * -1 at the end of the input. */
static int runes_until(struct sv *p, const char *stop, int literal,
                       struct buf *out)
{
  for (;;) {
    size_t before = out->len;
    int c = read_rune(p, out);
    if (c < 0)
      return -1;
    if (c < 0x80 && strchr(stop, c) && c) {
      out->len = before;
      out->data[before] = '\0';
      return c;
    }
    if (c == '\\' && !literal) {
      out->len = before;
      out->data[before] = '\0';
      if (read_rune(p, out) < 0)
        return -1;
    }
  }
}

/* ---- Values ---- */

static int quoted(struct buf *q, const char *s)
{
  buf_init(q, 0);
  return tmpl_quote(q, s, strlen(s));
}

/* An error "<before><s as Go's %q><after>". */
static int errq(struct sv *p, const char *before, const char *s,
                const char *after)
{
  struct buf q;
  quoted(&q, s);
  err_set(p->e, -EINVAL, "%s%s%s", before, q.data ? q.data : "\"\"", after);
  buf_free(&q);
  return -EINVAL;
}

/* Go's %q of a []rune: ['a' 'b'], each rune quoted as a character. */
static int err_rune_list(struct sv *p, const char *s)
{
  struct buf b;
  buf_init(&b, 0);
  buf_putc(&b, '[');
  for (size_t i = 0, n = strlen(s); i < n;) {
    size_t len = utf8_len((const unsigned char *)s + i, n - i);
    unsigned char c = (unsigned char)s[i];
    buf_puts(&b, i ? " '" : "'");
    if (len > 1)
      buf_append(&b, s + i, len);
    else if (c == '\\' || c == '\'')
      buf_printf(&b, "\\%c", c);
    else if (c == '\n' || c == '\t' || c == '\r')
      buf_printf(&b, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
    else if (c < 0x20 || c == 0x7f)
      buf_printf(&b, "\\x%02x", c);
    else if (c >= 0x80)
      buf_puts(&b, "\\ufffd");
    else
      buf_putc(&b, (char)c);
    buf_putc(&b, '\'');
    i += len ? len : 1;
  }
  buf_putc(&b, ']');
  err_set(p->e, -EINVAL, "unexpected data at end of array index: %s", b.data);
  buf_free(&b);
  return -EINVAL;
}

/* typedVal: Helm's --set typing. */
static struct json_object *typed_val(const char *v, int as_string)
{
  if (as_string)
    return json_object_new_string(v);
  if (strcasecmp(v, "true") == 0)
    return json_object_new_boolean(1);
  if (strcasecmp(v, "false") == 0)
    return json_object_new_boolean(0);
  if (strcasecmp(v, "null") == 0)
    return NULL;
  if (strcmp(v, "0") == 0)
    return tmpl_val_int64(0);
  if (v[0] && v[0] != '0') {
    const char *d = v + (v[0] == '+' || v[0] == '-');
    int digits = *d != '\0';
    for (const char *q = d; *q && digits; q++)
      digits = *q >= '0' && *q <= '9';
    errno = 0;
    char *end;
    long long i = digits ? strtoll(v, &end, 10) : 0;
    if (digits && errno == 0 && *end == '\0')
      return tmpl_val_int64(i);
  }
  return json_object_new_string(v);
}

/* Go's panic text for a failed type assertion on a map entry. */
static int conversion_panic(struct sv *p, struct json_object *have,
                            const char *want)
{
  return err_set(p->e, -EINVAL,
                 "unable to parse key: interface conversion: interface {} is "
                 "%s, not %s",
                 have ? tmpl_val_type_name(have) : "nil", want);
}

static void set_key(struct json_object *data, const char *k,
                    struct json_object *v)
{
  if (*k)
    json_object_object_add(data, k, v);
  else
    json_object_put(v);
}

/* setIndex: list[index] = val (taken), growing the list with nils. */
static int set_index(struct sv *p, struct json_object *list, long index,
                     struct json_object *val)
{
  if (index < 0) {
    json_object_put(val);
    return err_set(p->e, -EINVAL, "negative %ld index not allowed", index);
  }
  if (index > STRVALS_MAX_INDEX) {
    json_object_put(val);
    return err_set(p->e, -EINVAL,
                   "index of %ld is greater than maximum "
                   "supported index of %d",
                   index, STRVALS_MAX_INDEX);
  }
  while ((long)json_object_array_length(list) <= index)
    json_object_array_add(list, NULL);
  json_object_array_put_idx(list, (size_t)index, val);
  return 0;
}

/* ---- The value after '=' ---- */

static int read_file_text(const char *path, struct buf *out, struct err *e);

/* The reader: turns the runes of a value into a value. */
static int reader(struct sv *p, const char *rs, struct json_object **out)
{
  if (p->kind != STRVALS_FILE) {
    *out = typed_val(rs, p->kind == STRVALS_STRING);
    return 0;
  }
  struct buf b;
  buf_init(&b, STRVALS_MAX_FILE);
  int rc = read_file_text(rs, &b, p->e);
  *out =
      rc ? NULL : json_object_new_string_len(b.data ? b.data : "", (int)b.len);
  buf_free(&b);
  return rc;
}

/* valList: "{a,b}" as a list; 1 when the value is not a list (nothing
 * consumed), SV_EOF at the end of input. */
static int val_list(struct sv *p, struct json_object **out)
{
  *out = NULL;
  int c = read_rune(p, NULL);
  if (c < 0)
    return SV_EOF;
  if (c != '{') {
    unread_rune(p);
    return 2;
  }
  struct json_object *list = json_object_new_array();
  struct buf rs;
  buf_init(&rs, 0);
  int rc = 0;
  for (;;) {
    buf_reset(&rs);
    buf_puts(&rs, "");
    int last = runes_until(p, ",}", 0, &rs);
    if (last < 0) {
      rc = err_set(p->e, -EINVAL, "list must terminate with '}'");
      break;
    }
    struct json_object *v;
    if (last == '}') {
      int next = read_rune(p, NULL);
      if (next >= 0 && next != ',')
        unread_rune(p);
    }
    rc = reader(p, rs.data, &v);
    if (rc)
      break;
    json_object_array_add(list, v);
    if (last == '}')
      break;
  }
  buf_free(&rs);
  if (rc) {
    json_object_put(list);
    return rc;
  }
  *out = list;
  return 0;
}

/* The rest of a plain value, up to ',' (typed by the reader). */
static int plain_val(struct sv *p, struct json_object **out)
{
  struct buf rs;
  buf_init(&rs, 0);
  buf_puts(&rs, "");
  runes_until(p, ",", 0, &rs);
  int rc = reader(p, rs.data, out);
  buf_free(&rs);
  return rc;
}

/* emptyVal: skips spaces; true at the end or after a ','. */
static int empty_val(struct sv *p)
{
  for (;;) {
    int c = read_rune(p, NULL);
    if (c < 0 || c == ',')
      return 1;
    if (!(c == ' ' || (c >= '\t' && c <= '\r'))) {
      unread_rune(p);
      return 0;
    }
  }
}

static struct json_object *json_floats(struct json_object *o);

/* json-c's tokener with a length: the value, and where it ended. */
static struct json_object *json_prefix(const char *s, size_t n, size_t *used,
                                       int *ok)
{
  struct json_tokener *tok = json_tokener_new();
  if (!tok) {
    *ok = 0;
    return NULL;
  }
  struct json_object *v = json_tokener_parse_ex(tok, s, (int)n);
  *ok = json_tokener_get_error(tok) == json_tokener_success;
  *used = json_tokener_get_parse_end(tok);
  json_tokener_free(tok);
  return v;
}

/* One JSON value from the input (numbers become float64, as Go decodes
 * into interface{}), then the separator after it. json-c finds where the
 * value ends (leniently: its strict mode refuses any text after it), and
 * kjson's strict parser reads it. */
static int json_val(struct sv *p, struct json_object **out)
{
  *out = NULL;
  if (empty_val(p))
    return 0;
  size_t rest = p->n - p->pos, used = 0;
  if (rest >= INT_MAX)
    return err_set(p->e, -E2BIG, "JSON value too long");
  int ok;
  struct json_object *v = json_prefix(p->s + p->pos, rest + 1, &used, &ok);
  json_object_put(v);
  struct err je;
  v = NULL;
  if (!ok || kjson_parse(p->s + p->pos, used, "--set-json", &v, &je))
    return err_set(p->e, -EINVAL, "invalid JSON value");
  p->pos += used;
  *out = json_floats(v);
  empty_val(p);
  return 0;
}

static struct json_object *json_floats(struct json_object *o)
{
  if (json_object_is_type(o, json_type_int)) {
    struct json_object *d = json_object_new_double(json_object_get_double(o));
    json_object_put(o);
    return d;
  }
  if (json_object_is_type(o, json_type_array))
    for (size_t i = 0; i < json_object_array_length(o); i++) {
      struct json_object *e = json_object_get(json_object_array_get_idx(o, i));
      json_object_array_put_idx(o, i, json_floats(e));
    }
  if (json_object_is_type(o, json_type_object)) {
    json_object_object_foreach (o, k, v) {
      json_object_object_add(o, k, json_floats(json_object_get(v)));
    }
  }
  return o;
}

/* The value after '=' in a key: 0 done, SV_EOF end of input, <0 error. */
static int key_value(struct sv *p, struct json_object **out)
{
  if (p->kind == STRVALS_JSON)
    return json_val(p, out);
  if (p->kind == STRVALS_LITERAL) {
    struct buf rs;
    buf_init(&rs, 0);
    buf_puts(&rs, "");
    runes_until(p, "", 1, &rs);
    *out = json_object_new_string_len(rs.data, (int)rs.len);
    buf_free(&rs);
    return 0;
  }
  int rc = val_list(p, out);
  if (rc == SV_EOF) {
    *out = json_object_new_string("");
    return SV_EOF;
  }
  if (rc == 2)
    return plain_val(p, out);
  return rc;
}

/* ---- Keys and list items ---- */

static int parse_key(struct sv *p, struct json_object *data, int level);

/* keyIndex: the number inside [...]. */
static int key_index(struct sv *p, long *out)
{
  *out = 0;
  struct buf v;
  buf_init(&v, 0);
  buf_puts(&v, "");
  int last = runes_until(p, "]", p->kind == STRVALS_LITERAL, &v);
  int rc = 0;
  if (last < 0) {
    rc = err_set(p->e, -EINVAL, "error parsing index: EOF");
  } else {
    const char *d = v.data + (v.data[0] == '+' || v.data[0] == '-');
    int ok = *d != '\0';
    for (const char *q = d; *q && ok; q++)
      ok = *q >= '0' && *q <= '9';
    errno = 0;
    long long i = ok ? strtoll(v.data, NULL, 10) : 0;
    if (!ok || errno) {
      struct buf q;
      quoted(&q, v.data);
      rc = err_set(p->e, -EINVAL,
                   "error parsing index: strconv.Atoi: "
                   "parsing %s: %s",
                   q.data, ok ? "value out of range" : "invalid syntax");
      buf_free(&q);
    }
    *out = (long)i;
  }
  buf_free(&v);
  return rc;
}

static int list_item(struct sv *p, struct json_object *list, long i, int level);

/* list[i] = <nested list>, for a[0][1]=x. */
static int list_item_list(struct sv *p, struct json_object *list, long i,
                          int level)
{
  long next;
  int rc = key_index(p, &next);
  if (rc)
    return rc;
  struct json_object *cur = NULL;
  if ((long)json_object_array_length(list) > i) {
    struct json_object *ex = json_object_array_get_idx(list, (size_t)i);
    if (ex && !json_object_is_type(ex, json_type_array))
      return conversion_panic(p, ex, "[]interface {}");
    cur = json_object_get(ex);
  }
  if (!cur)
    cur = json_object_new_array();
  rc = list_item(p, cur, next, level);
  if (rc) {
    json_object_put(cur);
    return rc;
  }
  return set_index(p, list, i, cur);
}

/* list[i] = <map>, for a[0].b=x. */
static int list_item_map(struct sv *p, struct json_object *list, long i,
                         int level)
{
  struct json_object *inner = NULL;
  if ((long)json_object_array_length(list) > i) {
    inner = json_object_array_get_idx(list, (size_t)i);
    if (!json_object_is_type(inner, json_type_object)) {
      json_object_array_put_idx(list, (size_t)i, json_object_new_object());
      inner = json_object_array_get_idx(list, (size_t)i);
    }
    json_object_get(inner);
  } else {
    inner = json_object_new_object();
  }
  int rc = parse_key(p, inner, level);
  if (rc) {
    json_object_put(inner);
    return rc;
  }
  return set_index(p, list, i, inner);
}

/* listItem: what follows "[i]". SV_EOF ends the input quietly. */
static int list_item(struct sv *p, struct json_object *list, long i, int level)
{
  if (i < 0)
    return err_set(p->e, -EINVAL, "negative %ld index not allowed", i);
  struct buf k;
  buf_init(&k, 0);
  buf_puts(&k, "");
  int last = runes_until(p, "[.=", p->kind == STRVALS_LITERAL, &k);
  int rc;
  if (k.len > 0)
    rc = err_rune_list(p, k.data);
  else if (last < 0)
    rc = SV_EOF;
  else if (last == '=') {
    struct json_object *v = NULL;
    rc = key_value(p, &v);
    int setrc = (rc == 0 || rc == SV_EOF) ? set_index(p, list, i, v) : 0;
    if (rc < 0)
      json_object_put(v);
    rc = setrc ? setrc : rc == SV_EOF ? 0 : rc;
  } else if (last == '[')
    rc = list_item_list(p, list, i, level);
  else
    rc = list_item_map(p, list, i, level);
  buf_free(&k);
  return rc;
}

/* key "[": data[k] = list with the item set. */
static int key_list(struct sv *p, struct json_object *data, const char *k,
                    int level)
{
  long i;
  int rc = key_index(p, &i);
  if (rc)
    return rc;
  struct json_object *list = NULL;
  if (json_object_object_get_ex(data, k, &list) &&
      !json_object_is_type(list, json_type_array))
    return conversion_panic(p, list, "[]interface {}");
  list = list ? json_object_get(list) : json_object_new_array();
  rc = list_item(p, list, i, level);
  set_key(data, k, list);
  return rc;
}

/* key ".": data[k] = map with the rest of the key set in it. */
static int key_map(struct sv *p, struct json_object *data, const char *k,
                   int level)
{
  if (++level > STRVALS_MAX_NESTING)
    return err_set(p->e, -EINVAL,
                   "value name nested level is greater than "
                   "maximum supported nested level of %d",
                   STRVALS_MAX_NESTING);
  struct json_object *inner = NULL;
  if (json_object_object_get_ex(data, k, &inner) &&
      !json_object_is_type(inner, json_type_object))
    return conversion_panic(p, inner, "map[string]interface {}");
  inner = inner ? json_object_get(inner) : json_object_new_object();
  int rc = parse_key(p, inner, level);
  int empty = json_object_object_length(inner) == 0;
  if (rc == 0 && empty)
    rc = errq(p, "key map ", k, " has no value");
  if (!empty)
    set_key(data, k, json_object_get(inner));
  json_object_put(inner);
  return rc;
}

/* key "=": data[k] = the value. */
static int key_set(struct sv *p, struct json_object *data, const char *k)
{
  struct json_object *v = NULL;
  int rc = key_value(p, &v);
  if (rc < 0) {
    json_object_put(v);
    return rc;
  }
  set_key(data, k, v);
  return rc;
}

/* One key=value (or key.sub..., key[i]...). 0 continue, SV_EOF done. */
static int parse_key(struct sv *p, struct json_object *data, int level)
{
  struct buf k;
  buf_init(&k, 0);
  buf_puts(&k, "");
  int literal = p->kind == STRVALS_LITERAL;
  int last = runes_until(p, literal ? "=[." : "=[,.", literal, &k);
  int rc;
  if (last < 0)
    rc = k.len == 0 ? SV_EOF : errq(p, "key ", k.data, " has no value");
  else if (last == '[')
    rc = key_list(p, data, k.data, level);
  else if (last == '=')
    rc = key_set(p, data, k.data);
  else if (last == ',') {
    set_key(data, k.data, json_object_new_string(""));
    rc = errq(p, "key ", k.data, " has no value (cannot end with ,)");
  } else
    rc = key_map(p, data, k.data, level);
  buf_free(&k);
  return rc;
}

int strvals_parse_into(const char *s, struct json_object *dest,
                       enum strvals_kind kind, struct err *e)
{
  struct sv p = {.s = s, .n = strlen(s), .kind = kind, .e = e};
  err_clear(e);
  for (;;) {
    int rc = parse_key(&p, dest, 0);
    if (rc == SV_EOF)
      return 0;
    if (rc < 0)
      return rc;
  }
}

/* ---- Merging ---- */

struct json_object *strvals_merge_maps(struct json_object *a,
                                       struct json_object *b)
{
  struct json_object *out = json_object_new_object();
  if (!out)
    return NULL;
  json_object_object_foreach (a, ka, va) {
    json_object_object_add(out, ka, json_object_get(va));
  }
  json_object_object_foreach (b, kb, vb) {
    struct json_object *cur = NULL;
    if (json_object_is_type(vb, json_type_object) &&
        json_object_object_get_ex(out, kb, &cur) &&
        json_object_is_type(cur, json_type_object)) {
      json_object_object_add(out, kb, strvals_merge_maps(cur, vb));
      continue;
    }
    json_object_object_add(out, kb, json_object_get(vb));
  }
  return out;
}

/* Go's text for an errno: the C library's, starting lower-case. */
static const char *go_strerror(int code)
{
  static _Thread_local char msg[256];
  snprintf(msg, sizeof msg, "%s", strerror(code));
  if (msg[0] >= 'A' && msg[0] <= 'Z')
    msg[0] = (char)(msg[0] - 'A' + 'a');
  return msg;
}

static int read_fd(int fd, struct buf *out, const char *path, struct err *e)
{
  char chunk[65536];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0)
      return err_set(e, errno ? -errno : -EIO, "read %s: %s", path,
                     go_strerror(errno));
    if (n == 0)
      return buf_puts(out, "");
    if (buf_append(out, chunk, (size_t)n))
      return err_set(e, -E2BIG, "%s: larger than %zu bytes", path, out->max);
  }
}

/* os.ReadFile, with Go's message ("open x: no such file or directory"). */
static int read_file_text(const char *path, struct buf *out, struct err *e)
{
  int is_stdin = strcmp(path, "-") == 0;
  int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return err_set(e, errno ? -errno : -EIO, "open %s: %s", path,
                   go_strerror(errno));
  int rc = read_fd(fd, out, path, e);
  if (!is_stdin)
    close(fd);
  return rc;
}

/* go-yaml v2 is a port of libyaml: running libyaml's parser over the text
 * finds the same problem at the same place, and parser.fail's rules turn
 * it into go-yaml's message (kyaml words its own messages differently). */
int strvals_goyaml_error(const char *text, size_t len, struct buf *out)
{
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p))
    return 0;
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  int failed = 0;
  for (int done = 0; !done;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) {
      failed = 1;
      break;
    }
    done =
        ev.type == YAML_STREAM_END_EVENT || ev.type == YAML_DOCUMENT_END_EVENT;
    yaml_event_delete(&ev);
  }
  if (failed) {
    size_t line = 0;
    if (p.problem_mark.line != 0)
      line = p.problem_mark.line + (p.error == YAML_SCANNER_ERROR);
    else if (p.context_mark.line != 0)
      line = p.context_mark.line;
    buf_puts(out, "yaml: ");
    if (line)
      buf_printf(out, "line %zu: ", line);
    buf_puts(out,
             p.problem ? p.problem : "unknown problem parsing YAML content");
  }
  yaml_parser_delete(&p);
  return failed;
}

/* A YAML syntax error as sigs.k8s.io/yaml reports it, when libyaml sees
 * one; otherwise kyaml's message stays. */
static void goyaml_rewrite(const char *text, size_t len, struct err *e)
{
  struct buf b;
  buf_init(&b, 0);
  if (strvals_goyaml_error(text, len, &b))
    err_set(e, e->code ? e->code : -EINVAL, "error converting YAML to JSON: %s",
            b.data);
  buf_free(&b);
}

struct first_doc {
  struct json_object *doc;
  int seen;
};

static int first_doc_cb(struct json_object *doc, int line, void *data)
{
  (void)line;
  struct first_doc *f = data;
  f->doc = doc;
  f->seen = 1;
  return 1; /* stop: go-yaml's Unmarshal reads one document */
}

int strvals_yaml_map(const char *text, size_t len, const char *name,
                     struct json_object **out, struct err *e)
{
  struct kyaml_opts o = {.name = name, .numbers = KYAML_NUMBERS_FLOAT};
  struct first_doc f = {0};
  *out = NULL;
  int rc = kyaml_parse_each(text, len, &o, first_doc_cb, &f, e);
  if (rc < 0) {
    goyaml_rewrite(text, len, e);
    return rc;
  }
  if (f.doc && !json_object_is_type(f.doc, json_type_object)) {
    const char *what = json_object_is_type(f.doc, json_type_array)    ? "array"
                       : json_object_is_type(f.doc, json_type_string) ? "string"
                       : json_object_is_type(f.doc, json_type_boolean)
                           ? "bool"
                           : "number";
    json_object_put(f.doc);
    return err_set(e, -EINVAL,
                   "error unmarshaling JSON: while decoding JSON: "
                   "json: cannot unmarshal %s into Go value of type "
                   "map[string]interface {}",
                   what);
  }
  *out = f.doc ? f.doc : json_object_new_object();
  return *out ? 0 : -ENOMEM;
}

static int merge_file(const char *path, struct json_object **base,
                      struct err *e)
{
  struct buf b;
  buf_init(&b, STRVALS_MAX_FILE);
  int rc = read_file_text(path, &b, e);
  struct json_object *cur = NULL;
  if (!rc) {
    rc = strvals_yaml_map(b.data, b.len, path, &cur, e);
    if (rc)
      err_wrap(e, "failed to parse %s", path);
  }
  buf_free(&b);
  if (rc)
    return rc;
  struct json_object *merged = strvals_merge_maps(*base, cur);
  json_object_put(cur);
  if (!merged)
    return -ENOMEM;
  json_object_put(*base);
  *base = merged;
  return 0;
}

static const char *const flag_names[] = {"--set", "--set-string", "--set-json",
                                         "--set-file", "--set-literal"};

static int merge_flag(enum strvals_kind k, const char *flag,
                      struct json_object *base, struct err *e)
{
  int rc = strvals_parse_into(flag, base, k, e);
  if (!rc)
    return 0;
  if (k == STRVALS_JSON)
    return err_set(e, rc, "failed parsing --set-json data %s", flag);
  return err_wrap(e, "failed parsing %s data", flag_names[k]);
}

int strvals_merge_values(const struct strvals_opts *o, struct json_object **out,
                         struct err *e)
{
  static const enum strvals_kind order[] = {
      STRVALS_JSON, STRVALS_SET, STRVALS_STRING, STRVALS_FILE, STRVALS_LITERAL};
  struct json_object *base = json_object_new_object();
  int rc = base ? 0 : -ENOMEM;
  for (size_t i = 0; !rc && i < o->nfiles; i++)
    rc = merge_file(o->files[i], &base, e);
  for (size_t k = 0; !rc && k < sizeof order / sizeof order[0]; k++)
    for (size_t i = 0; !rc && i < o->nflags[order[k]]; i++)
      rc = merge_flag(order[k], o->flags[order[k]][i], base, e);
  if (rc) {
    json_object_put(base);
    base = NULL;
  }
  *out = base;
  return rc;
}
