/* log: logfmt or JSON lines on stderr (see log.h).
 *
 * Callers write logfmt-shaped printf text; for JSON output the line is split
 * back into its message and key=value fields, so one call site serves both. */
#include "log.h"

#include "buf.h"
#include "kjson.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_LINE_MAX 16384
#define LOG_Q_SLOTS 8
#define LOG_Q_SIZE 4096

static enum log_level current_level = LOG_INFO;
static enum log_format current_format = LOG_FORMAT_LOGFMT;
static log_sink_cb sink_cb;
static void *sink_data;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
  current_level = level;
}
enum log_level log_get_level(void)
{
  return current_level;
}
void log_set_format(enum log_format format)
{
  current_format = format;
}

void log_set_sink(log_sink_cb cb, void *data)
{
  sink_cb = cb;
  sink_data = data;
}

int log_level_parse(const char *s, enum log_level *out)
{
  for (int i = 0; i <= LOG_DEBUG; i++) {
    if (strcmp(s, level_names[i]) == 0) {
      *out = (enum log_level)i;
      return 0;
    }
  }
  if (strcmp(s, "warning") == 0) {
    *out = LOG_WARN;
    return 0;
  }
  return -EINVAL;
}

int log_format_parse(const char *s, enum log_format *out)
{
  if (strcmp(s, "logfmt") == 0 || strcmp(s, "text") == 0)
    *out = LOG_FORMAT_LOGFMT;
  else if (strcmp(s, "json") == 0)
    *out = LOG_FORMAT_JSON;
  else
    return -EINVAL;
  return 0;
}

static int needs_quotes(const char *s)
{
  if (!*s)
    return 1;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
      return 1;
  }
  return 0;
}

static void quote_into(struct buf *b, const char *s)
{
  buf_putc(b, '"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      buf_printf(b, "\\%c", c);
    else if (c == '\n')
      buf_puts(b, "\\n");
    else if (c == '\t')
      buf_puts(b, "\\t");
    else if (c < ' ' || c == 0x7f)
      buf_printf(b, "\\u%04x", c);
    else
      buf_putc(b, (char)c);
  }
  buf_putc(b, '"');
}

/* A value too long for a slot is cut (with "...") before quoting, so the
 * closing quote always fits. */
const char *log_q(const char *s)
{
  static _Thread_local char ring[LOG_Q_SLOTS][LOG_Q_SIZE];
  static _Thread_local unsigned next;
  char *slot = ring[next++ % LOG_Q_SLOTS];
  if (!s)
    s = "";
  if (!needs_quotes(s))
    return s;
  struct buf b;
  buf_init(&b, 0);
  size_t n = strlen(s), keep = n;
  /* An escape takes at most 6 bytes; leave room for quotes and "...". */
  if (keep > (LOG_Q_SIZE - 8) / 6)
    keep = (LOG_Q_SIZE - 8) / 6;
  while (keep < n && keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
    keep--; /* do not split a UTF-8 character */
  char *cut = strndup(s, keep);
  quote_into(&b, cut ? cut : "");
  free(cut);
  if (keep < n && b.data) {
    b.data[b.len - 1] = '\0'; /* reopen the quote to add the marker */
    b.len--;
    buf_puts(&b, "...\"");
  }
  snprintf(slot, LOG_Q_SIZE, "%s", b.data ? b.data : "\"\"");
  buf_free(&b);
  return slot;
}

static void timestamp(char *out, size_t n)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + k, n - k, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* Length of a key=... token's key at s, or 0 when s does not start one. */
static size_t field_key_len(const char *s)
{
  size_t i = 0;
  if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
    return 0;
  while (isalnum((unsigned char)s[i]) || (s[i] && strchr("_.-/", s[i])))
    i++;
  return s[i] == '=' ? i : 0;
}

/* Where the fields begin: the first " key=" after the message. */
static const char *fields_start(const char *line)
{
  if (field_key_len(line))
    return line;
  for (const char *p = line; (p = strchr(p, ' ')) != NULL; p++) {
    if (field_key_len(p + 1))
      return p + 1;
  }
  return line + strlen(line);
}

/* One escape of quote_into() at s (after the backslash) into out;
 * returns how many bytes it used. */
static size_t unescape(const char *s, struct buf *out)
{
  if (*s == 'n')
    return buf_putc(out, '\n'), 1;
  if (*s == 't')
    return buf_putc(out, '\t'), 1;
  if (*s == 'u' && strspn(s + 1, "0123456789abcdef") >= 4) {
    char hex[5] = {s[1], s[2], s[3], s[4], 0};
    return buf_putc(out, (char)strtol(hex, NULL, 16)), 5;
  }
  buf_putc(out, *s);
  return 1;
}

/* Reads one value (quoted or bare) at *p into out, unescaped. */
static void read_value(const char **p, struct buf *out, int *quoted)
{
  const char *s = *p;
  *quoted = *s == '"';
  if (!*quoted) {
    while (*s && *s != ' ')
      buf_putc(out, *s++);
    *p = s;
    return;
  }
  for (s++; *s && *s != '"';) {
    if (*s == '\\' && s[1])
      s += 1 + unescape(s + 1, out);
    else
      buf_putc(out, *s++);
  }
  *p = *s ? s + 1 : s;
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD. */
static void json_string(struct buf *b, const char *s)
{
  size_t n = strlen(s);
  buf_putc(b, '"');
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    uint32_t cp;
    size_t w = kjson_utf8_decode(s + i, n - i, &cp);
    if (c == '"' || c == '\\')
      buf_printf(b, "\\%c", c);
    else if (c == '\n')
      buf_puts(b, "\\n");
    else if (c == '\t')
      buf_puts(b, "\\t");
    else if (c < ' ')
      buf_printf(b, "\\u%04x", c);
    else if (!w)
      buf_puts(b, "\\ufffd");
    else
      buf_append(b, s + i, w);
    i += w ? w : 1;
  }
  buf_putc(b, '"');
}

/* A JSON integer: -?(0|[1-9][0-9]*). */
static int is_integer(const char *s)
{
  if (*s == '-')
    s++;
  if (!*s || (s[0] == '0' && s[1]))
    return 0;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s))
      return 0;
  return 1;
}

static void format_json(struct buf *out, const char *ts, enum log_level level,
                        const char *line)
{
  const char *f = fields_start(line);
  struct buf msg, val;
  buf_init(&msg, LOG_LINE_MAX);
  buf_init(&val, LOG_LINE_MAX);
  size_t mlen = (size_t)(f - line);
  while (mlen && line[mlen - 1] == ' ')
    mlen--;
  buf_append(&msg, line, mlen);
  buf_printf(out, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", ts,
             level_names[level]);
  json_string(out, msg.data ? msg.data : "");
  while (*f) {
    size_t klen = field_key_len(f);
    if (!klen)
      break;
    buf_printf(out, ",\"%.*s\":", (int)klen, f);
    f += klen + 1;
    int quoted;
    buf_reset(&val);
    read_value(&f, &val, &quoted);
    const char *v = val.data ? val.data : "";
    if (!quoted && is_integer(v))
      buf_puts(out, v);
    else
      json_string(out, v);
    while (*f == ' ')
      f++;
  }
  buf_putc(out, '}');
  buf_free(&msg);
  buf_free(&val);
}

static void format_logfmt(struct buf *out, const char *ts, enum log_level level,
                          const char *line)
{
  const char *f = fields_start(line);
  size_t mlen = (size_t)(f - line);
  while (mlen && line[mlen - 1] == ' ')
    mlen--;
  char msg[LOG_LINE_MAX];
  snprintf(msg, sizeof msg, "%.*s", (int)mlen, line);
  buf_printf(out, "time=%s level=%s msg=", ts, level_names[level]);
  if (needs_quotes(msg))
    quote_into(out, msg);
  else
    buf_puts(out, msg);
  if (*f)
    buf_printf(out, " %s", f);
}

void log_emit(enum log_level level, const char *fmt, ...)
{
  if (level > current_level)
    return;
  char line[LOG_LINE_MAX];
  char ts[40];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  timestamp(ts, sizeof ts);
  struct buf out;
  buf_init(&out, 4 * LOG_LINE_MAX);
  if (current_format == LOG_FORMAT_JSON)
    format_json(&out, ts, level, line);
  else
    format_logfmt(&out, ts, level, line);
  if (sink_cb)
    sink_cb(out.data ? out.data : "", sink_data);
  else
    fprintf(stderr, "%s\n", out.data ? out.data : "");
  buf_free(&out);
}
