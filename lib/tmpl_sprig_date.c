/* tmpl_sprig_date: Sprig's date.go (now, date, dateInZone, htmlDate,
 * htmlDateInZone, toDate, mustToDate, dateModify, mustDateModify,
 * unixEpoch, ago, duration, durationRound) and the time.Time value they
 * pass around, on Go's time rules (tmpl_time.c).
 *
 * A time.Time is a struct-like value: it prints as Go's String() does
 * ("2024-01-02 15:04:05.123 +0000 UTC m=+0.001"), JSON-encodes as RFC
 * 3339, and has the methods templates call: Format, Unix, UnixNano,
 * UnixMilli, Year, Month, Day, Hour, Minute, Second, Nanosecond, YearDay,
 * Weekday, UTC, Local, String, IsZero, Add, AddDate, Before, After, Equal.
 * As in Sprig, a date argument that is not a time.Time, an int or an
 * int64 means now. */
#include "tmpl_sprig_int.h"

#include "gonum.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ZERO_SEC (-62135596800LL) /* 0001-01-01T00:00:00Z */

static int64_t mono_start = -1;

static int64_t mono_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  int64_t v = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
  if (mono_start < 0) /* a benign race: any early reading will do */
    mono_start = v - 1;
  return v - mono_start;
}

static void time_now(struct tmpl__time *t)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  memset(t, 0, sizeof *t);
  t->sec = ts.tv_sec;
  t->nsec = (int32_t)ts.tv_nsec;
  t->has_mono = 1;
  t->mono = mono_now();
  if (tmpl__time_in(t, "Local"))
    tmpl__time_in(t, "UTC");
}

static void time_zero(struct tmpl__time *t)
{
  memset(t, 0, sizeof *t);
  t->sec = ZERO_SEC;
  tmpl__time_in(t, "UTC");
}

/* ---- The value ---- */

static int obj_int(struct json_object *o, const char *k, int64_t v)
{
  struct json_object *x = json_object_new_int64(v);
  if (!x || json_object_object_add(o, k, x)) {
    json_object_put(x);
    return -ENOMEM;
  }
  return 0;
}

static int obj_str(struct json_object *o, const char *k, const char *v)
{
  struct json_object *x = json_object_new_string(v);
  if (!x || json_object_object_add(o, k, x)) {
    json_object_put(x);
    return -ENOMEM;
  }
  return 0;
}

static struct json_object *time_new(const struct tmpl__time *t)
{
  struct json_object *o = json_object_new_object();
  int rc = o ? 0 : -ENOMEM;
  rc = rc ? rc : obj_int(o, "sec", t->sec);
  rc = rc ? rc : obj_int(o, "nsec", t->nsec);
  rc = rc ? rc : obj_int(o, "off", t->off);
  rc = rc ? rc : obj_str(o, "zone", t->zone);
  rc = rc ? rc : obj_str(o, "loc", t->loc);
  if (!rc && t->has_mono)
    rc = obj_int(o, "mono", t->mono);
  if (rc) {
    json_object_put(o);
    return NULL;
  }
  tmpl_val_set_type(o, &tmpl_type_time);
  return o;
}

static void time_read(struct json_object *o, struct tmpl__time *t)
{
  struct json_object *v;
  memset(t, 0, sizeof *t);
  t->sec = json_object_get_int64(json_object_object_get(o, "sec"));
  t->nsec = (int32_t)json_object_get_int64(json_object_object_get(o, "nsec"));
  t->off = (int32_t)json_object_get_int64(json_object_object_get(o, "off"));
  snprintf(t->zone, sizeof t->zone, "%s",
           json_object_get_string(json_object_object_get(o, "zone")));
  snprintf(t->loc, sizeof t->loc, "%s",
           json_object_get_string(json_object_object_get(o, "loc")));
  if (json_object_object_get_ex(o, "mono", &v)) {
    t->has_mono = 1;
    t->mono = json_object_get_int64(v);
  }
}

/* Time.String() */
static int time_text(struct buf *b, struct json_object *o)
{
  struct tmpl__time t;
  time_read(o, &t);
  static const char layout[] = "2006-01-02 15:04:05.999999999 -0700 MST";
  int rc = tmpl__time_format(b, &t, layout, sizeof layout - 1);
  if (rc || !t.has_mono)
    return rc;
  uint64_t m = t.mono < 0 ? -(uint64_t)t.mono : (uint64_t)t.mono;
  return buf_printf(b, " m=%c%llu.%09llu", t.mono < 0 ? '-' : '+',
                    (unsigned long long)(m / 1000000000),
                    (unsigned long long)(m % 1000000000));
}

/* MarshalJSON: RFC 3339 with nanoseconds. */
static int time_json(struct json_object *o, struct json_object **out)
{
  struct tmpl__time t;
  time_read(o, &t);
  static const char layout[] = "2006-01-02T15:04:05.999999999Z07:00";
  struct buf b;
  buf_init(&b, 0);
  int rc = tmpl__time_format(&b, &t, layout, sizeof layout - 1);
  *out = rc ? NULL : json_object_new_string(b.data ? b.data : "");
  buf_free(&b);
  return *out ? 0 : rc ? rc : -ENOMEM;
}

static int ret_time(struct tmpl_value *out, const struct tmpl__time *t)
{
  return tmpl__ret(out, time_new(t));
}

/* A date argument as Sprig reads it: a time.Time, an int64 or int of unix
 * seconds, anything else now. */
static void date_arg(struct json_object *o, struct tmpl__time *t)
{
  const struct tmpl_type *ty = tmpl_val_type(o);
  if (o && ty == &tmpl_type_time) {
    time_read(o, t);
    return;
  }
  if (o && json_object_is_type(o, json_type_int) &&
      (!ty || ty == &tmpl_type_int64)) {
    memset(t, 0, sizeof *t);
    t->sec = json_object_get_int64(o);
    tmpl__time_in(t, "Local");
    return;
  }
  time_now(t);
}

/* ---- Methods ---- */

static struct tmpl__time recv_time(struct tmpl_call *c)
{
  struct tmpl__time t;
  time_read(tmpl_call_recv(c), &t);
  return t;
}

static const struct tmpl_type month_type, weekday_type;

static int ret_named_int(struct tmpl_value *out, int64_t v,
                         const struct tmpl_type *t)
{
  return tmpl__ret_typed(out, json_object_new_int64(v), t);
}

TMPL__FN(m_format)
{
  struct tmpl__time t = recv_time(c);
  size_t n;
  const char *layout = tmpl__str(&argv[0], &n);
  struct buf b;
  buf_init(&b, 0);
  return tmpl__ret_buf(out, &b, tmpl__time_format(&b, &t, layout, n));
}

TMPL__FN(m_string)
{
  struct buf b;
  buf_init(&b, 0);
  return tmpl__ret_buf(out, &b, time_text(&b, tmpl_call_recv(c)));
}

TMPL__FN(m_unix)
{
  struct tmpl__time t = recv_time(c);
  const char *unit = tmpl_call_data(c);
  if (!unit)
    return tmpl__ret_int64(out, t.sec);
  if (unit[0] == 'm')
    return tmpl__ret_int64(out, t.sec * 1000 + t.nsec / 1000000);
  return tmpl__ret_int64(
      out, (int64_t)((uint64_t)t.sec * 1000000000u + (uint64_t)t.nsec));
}

/* The civil fields, through Format (which knows the calendar). */
static int field(struct tmpl__time *t, const char *layout)
{
  struct buf b;
  buf_init(&b, 0);
  tmpl__time_format(&b, t, layout, strlen(layout));
  int v = b.data ? atoi(b.data) : 0;
  buf_free(&b);
  return v;
}

TMPL__FN(m_civil)
{
  struct tmpl__time t = recv_time(c);
  const char *which = tmpl_call_data(c);
  if (strcmp(which, "Month") == 0)
    return ret_named_int(out, field(&t, "1"), &month_type);
  if (strcmp(which, "Nanosecond") == 0)
    return tmpl__ret_int(out, t.nsec);
  static const struct {
    const char *name, *layout;
  } f[] = {{"Year", "2006"}, {"Day", "2"},    {"Hour", "15"},
           {"Minute", "4"},  {"Second", "5"}, {"YearDay", "002"}};
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if (strcmp(which, f[i].name) == 0)
      return tmpl__ret_int(out, field(&t, f[i].layout));
  /* Weekday: days since a known Sunday */
  int64_t d = (t.sec + t.off) / 86400 - ((t.sec + t.off) % 86400 < 0);
  return ret_named_int(out, ((d % 7) + 11) % 7, &weekday_type);
}

TMPL__FN(m_in)
{
  struct tmpl__time t = recv_time(c);
  tmpl__time_in(&t, tmpl_call_data(c));
  return ret_time(out, &t);
}

TMPL__FN(m_is_zero)
{
  struct tmpl__time t = recv_time(c);
  return tmpl__ret_bool(out, t.sec == ZERO_SEC && t.nsec == 0);
}

static void time_add(struct tmpl__time *t, int64_t d)
{
  int64_t s = d / 1000000000, ns = d % 1000000000 + t->nsec;
  if (ns >= 1000000000)
    s++, ns -= 1000000000;
  else if (ns < 0)
    s--, ns += 1000000000;
  t->sec += s;
  t->nsec = (int32_t)ns;
  t->mono += d;
  if (t->loc[0])
    tmpl__time_in(t, t->loc);
}

TMPL__FN(m_add)
{
  struct tmpl__time t = recv_time(c);
  time_add(&t, tmpl__int(&argv[0]));
  return ret_time(out, &t);
}

TMPL__FN(m_compare)
{
  struct tmpl__time a = recv_time(c), b;
  time_read(argv[0].o, &b);
  int d = a.sec != b.sec ? (a.sec < b.sec ? -1 : 1)
                         : (a.nsec > b.nsec) - (a.nsec < b.nsec);
  const char *how = tmpl_call_data(c);
  return tmpl__ret_bool(out, how[0] == 'B'   ? d < 0
                             : how[0] == 'A' ? d > 0
                                             : d == 0);
}

static const struct tmpl_func time_methods[] = {
    {"Add", m_add, "I", NULL},
    {"After", m_compare, "t", "After"},
    {"Before", m_compare, "t", "Before"},
    {"Day", m_civil, "", "Day"},
    {"Equal", m_compare, "t", "Equal"},
    {"Format", m_format, "s", NULL},
    {"Hour", m_civil, "", "Hour"},
    {"IsZero", m_is_zero, "", NULL},
    {"Local", m_in, "", "Local"},
    {"Minute", m_civil, "", "Minute"},
    {"Month", m_civil, "", "Month"},
    {"Nanosecond", m_civil, "", "Nanosecond"},
    {"Second", m_civil, "", "Second"},
    {"String", m_string, "", NULL},
    {"UTC", m_in, "", "UTC"},
    {"Unix", m_unix, "", NULL},
    {"UnixMilli", m_unix, "", "m"},
    {"UnixNano", m_unix, "", "n"},
    {"Weekday", m_civil, "", "Weekday"},
    {"Year", m_civil, "", "Year"},
    {"YearDay", m_civil, "", "YearDay"},
};

const struct tmpl_type tmpl_type_time = {
    .name = "time.Time",
    .kind = TMPL_KIND_STRUCT,
    .methods = time_methods,
    .nmethods = sizeof time_methods / sizeof time_methods[0],
    .stringer = time_text,
    .to_json = time_json,
};

static int month_text(struct buf *b, struct json_object *o)
{
  return buf_puts(b, tmpl__month_name((int)json_object_get_int64(o)));
}

static int weekday_text(struct buf *b, struct json_object *o)
{
  return buf_puts(b, tmpl__weekday_name((int)json_object_get_int64(o)));
}

static const struct tmpl_type month_type = {
    .name = "time.Month", .kind = TMPL_KIND_INT, .stringer = month_text};
static const struct tmpl_type weekday_type = {
    .name = "time.Weekday", .kind = TMPL_KIND_INT, .stringer = weekday_text};

/* ---- Functions ---- */

TMPL__FN(fn_now)
{
  struct tmpl__time t;
  time_now(&t);
  return ret_time(out, &t);
}

/* dateInZone: an unknown zone is UTC. */
static int date_in_zone(struct tmpl_value *out, const char *layout, size_t n,
                        struct json_object *date, const char *zone)
{
  struct tmpl__time t;
  date_arg(date, &t);
  if (tmpl__time_in(&t, zone))
    tmpl__time_in(&t, "UTC");
  struct buf b;
  buf_init(&b, 0);
  return tmpl__ret_buf(out, &b, tmpl__time_format(&b, &t, layout, n));
}

TMPL__FN(fn_date)
{
  size_t n;
  const char *layout = tmpl__str(&argv[0], &n);
  return date_in_zone(out, layout, n, argv[1].o, "Local");
}

TMPL__FN(fn_date_in_zone)
{
  size_t n;
  const char *layout = tmpl__str(&argv[0], &n);
  return date_in_zone(out, layout, n, argv[1].o,
                      json_object_get_string(argv[2].o));
}

TMPL__FN(fn_html_date)
{
  return date_in_zone(out, "2006-01-02", 10, argv[0].o, "Local");
}

TMPL__FN(fn_html_date_in_zone)
{
  return date_in_zone(out, "2006-01-02", 10, argv[0].o,
                      json_object_get_string(argv[1].o));
}

static int to_date(struct tmpl_call *c, struct tmpl_value *argv,
                   struct tmpl_value *out, int must)
{
  size_t ln, vn;
  const char *layout = tmpl__str(&argv[0], &ln), *v = tmpl__str(&argv[1], &vn);
  struct tmpl__time t;
  char err[ERR_MSG_MAX];
  if (tmpl__time_parse(layout, ln, v, vn, &t, err, sizeof err)) {
    if (must)
      return tmpl_call_errorf(c, "%s", err);
    time_zero(&t);
  }
  return ret_time(out, &t);
}

TMPL__FN(fn_to_date)
{
  return to_date(c, argv, out, 0);
}

TMPL__FN(fn_must_to_date)
{
  return to_date(c, argv, out, 1);
}

static int date_modify(struct tmpl_call *c, struct tmpl_value *argv,
                       struct tmpl_value *out, int must)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  struct tmpl__time t;
  time_read(argv[1].o, &t);
  int64_t d;
  char err[512];
  if (tmpl__duration_parse(s, n, &d, err, sizeof err)) {
    if (must)
      return tmpl_call_errorf(c, "%s", err);
    return ret_time(out, &t);
  }
  time_add(&t, d);
  return ret_time(out, &t);
}

TMPL__FN(fn_date_modify)
{
  return date_modify(c, argv, out, 0);
}

TMPL__FN(fn_must_date_modify)
{
  return date_modify(c, argv, out, 1);
}

TMPL__FN(fn_unix_epoch)
{
  struct tmpl__time t;
  time_read(argv[0].o, &t);
  char s[32];
  int k = snprintf(s, sizeof s, "%lld", (long long)t.sec);
  return tmpl__ret_str(out, s, (size_t)k);
}

/* time.Since(t) in nanoseconds, saturating as Go's Sub does. */
static int64_t since(const struct tmpl__time *t)
{
  struct tmpl__time now;
  time_now(&now);
  if (t->has_mono)
    return now.mono - t->mono;
  __int128 d = ((__int128)now.sec - t->sec) * 1000000000 + now.nsec - t->nsec;
  return d > INT64_MAX ? INT64_MAX : d < INT64_MIN ? INT64_MIN : (int64_t)d;
}

/* Duration.Round(time.Second) */
static int64_t round_second(int64_t d)
{
  const int64_t m = 1000000000;
  int64_t r = d % m;
  if (d < 0) {
    r = -r;
    if ((uint64_t)r + (uint64_t)r < (uint64_t)m)
      return d + r;
    int64_t d1 = d - m + r;
    return d1 < d ? d1 : INT64_MIN;
  }
  if ((uint64_t)r + (uint64_t)r < (uint64_t)m)
    return d - r;
  int64_t d1 = d + m - r;
  return d1 > d ? d1 : INT64_MAX;
}

TMPL__FN(fn_ago)
{
  struct tmpl__time t;
  struct json_object *o = argv[0].o;
  if (o && tmpl_val_type(o) == &tmpl_type_time)
    time_read(o, &t);
  else
    date_arg(o, &t);
  struct buf b;
  buf_init(&b, 0);
  return tmpl__ret_buf(out, &b,
                       tmpl__duration_string(&b, round_second(since(&t))));
}

/* duration: seconds (a string or an int64; else 0) as a Duration. */
TMPL__FN(fn_duration)
{
  struct json_object *o = argv[0].o;
  int64_t n = 0;
  if (o && tmpl_val_kind(o) == TMPL_KIND_STRING) {
    const char *s = json_object_get_string(o);
    int rc = gonum_parse_int(s, (size_t)json_object_get_string_len(o), 10, &n);
    if (rc == -ERANGE) /* strconv.ParseInt clamps */
      n = s[0] == '-' ? INT64_MIN : INT64_MAX;
    else if (rc)
      n = 0;
  } else if (o && tmpl_val_type(o) == &tmpl_type_int64) {
    n = json_object_get_int64(o);
  }
  struct buf b;
  buf_init(&b, 0);
  int64_t d = (int64_t)((uint64_t)n * 1000000000u);
  return tmpl__ret_buf(out, &b, tmpl__duration_string(&b, d));
}

TMPL__FN(fn_duration_round)
{
  struct json_object *o = argv[0].o;
  int64_t d = 0;
  char err[256];
  if (o && tmpl_val_kind(o) == TMPL_KIND_STRING &&
      tmpl__duration_parse(json_object_get_string(o),
                           (size_t)json_object_get_string_len(o), &d, err,
                           sizeof err))
    d = 0;
  else if (o && tmpl_val_type(o) == &tmpl_type_int64)
    d = json_object_get_int64(o);
  else if (o && tmpl_val_type(o) == &tmpl_type_time) {
    struct tmpl__time t;
    time_read(o, &t);
    d = since(&t);
  }
  uint64_t u = d < 0 ? -(uint64_t)d : (uint64_t)d;
  static const struct {
    uint64_t unit;
    const char *suffix;
  } units[] = {
      {UINT64_C(31536000000000000), "y"}, {UINT64_C(2592000000000000), "mo"},
      {UINT64_C(86400000000000), "d"},    {UINT64_C(3600000000000), "h"},
      {UINT64_C(60000000000), "m"},       {UINT64_C(1000000000), "s"}};
  char s[32] = "0s";
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (u > units[i].unit) {
      snprintf(s, sizeof s, "%llu%s", (unsigned long long)(u / units[i].unit),
               units[i].suffix);
      break;
    }
  return tmpl__ret_str(out, s, strlen(s));
}

static const struct tmpl_func fns[] = {
    {"ago", fn_ago, "a", NULL},
    {"date", fn_date, "sa", NULL},
    {"dateInZone", fn_date_in_zone, "sas", NULL},
    {"dateModify", fn_date_modify, "st", NULL},
    {"date_in_zone", fn_date_in_zone, "sas", NULL},
    {"date_modify", fn_date_modify, "st", NULL},
    {"duration", fn_duration, "a", NULL},
    {"durationRound", fn_duration_round, "a", NULL},
    {"htmlDate", fn_html_date, "a", NULL},
    {"htmlDateInZone", fn_html_date_in_zone, "as", NULL},
    {"mustDateModify", fn_must_date_modify, "st", NULL},
    {"mustToDate", fn_must_to_date, "ss", NULL},
    {"must_date_modify", fn_must_date_modify, "st", NULL},
    {"now", fn_now, "", NULL},
    {"toDate", fn_to_date, "ss", NULL},
    {"unixEpoch", fn_unix_epoch, "t", NULL},
};

TMPL__TABLE(tmpl__sprig_date_fns, fns);
