/* tmpl_time: the parts of Go's time package that Sprig's date functions
 * show: locations read from the system's TZif files (as LoadLocation
 * does; Local from $TZ or /etc/localtime), Format and Parse with Go's
 * reference layouts ("2006-01-02 15:04:05"), Duration's String and
 * ParseDuration.
 *
 * Differences: a zone's rule string (the TZif footer) is not evaluated,
 * so times after a zone's last listed transition (2037 in Debian's files)
 * keep its last offset; Parse knows the layout elements Format does. */
#include "tmpl_sprig_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZONE_MAX_TYPES 256
#define ZONE_MAX_TRANS 4096
#define ZONE_CACHE 16

struct zone_type {
  int32_t off;
  int dst;
  char abbr[16];
};

struct zone {
  char name[64];
  int ntypes, ntrans;
  struct zone_type types[ZONE_MAX_TYPES];
  int64_t when[ZONE_MAX_TRANS];
  unsigned char idx[ZONE_MAX_TRANS];
};

static struct zone *cache[ZONE_CACHE];
static int ncache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- TZif ---- */

static int64_t be(const unsigned char *p, int n)
{
  uint64_t v = 0;
  for (int i = 0; i < n; i++)
    v = v << 8 | p[i];
  if (n == 4)
    return (int32_t)(uint32_t)v;
  return (int64_t)v;
}

/* Parses a TZif body at p (v1: 4-byte times, else 8-byte). */
static int tzif_body(struct zone *z, const unsigned char *p, size_t n,
                     int tsize)
{
  if (n < 44)
    return -EINVAL;
  int64_t isut = be(p + 20, 4), isstd = be(p + 24, 4), leap = be(p + 28, 4);
  int64_t timecnt = be(p + 32, 4), typecnt = be(p + 36, 4);
  int64_t charcnt = be(p + 40, 4);
  if (timecnt < 0 || timecnt > ZONE_MAX_TRANS || typecnt <= 0 ||
      typecnt > ZONE_MAX_TYPES || charcnt < 0)
    return -EINVAL;
  size_t need = 44 + (size_t)timecnt * (size_t)(tsize + 1) +
                (size_t)typecnt * 6 + (size_t)charcnt +
                (size_t)leap * (size_t)(tsize + 4) + (size_t)isstd +
                (size_t)isut;
  if (need > n)
    return -EINVAL;
  const unsigned char *q = p + 44;
  for (int64_t i = 0; i < timecnt; i++)
    z->when[i] = be(q + i * tsize, tsize);
  q += timecnt * tsize;
  for (int64_t i = 0; i < timecnt; i++)
    if ((z->idx[i] = q[i]) >= typecnt)
      return -EINVAL;
  q += timecnt;
  const unsigned char *chars = q + typecnt * 6;
  for (int64_t i = 0; i < typecnt; i++) {
    z->types[i].off = (int32_t)be(q + 6 * i, 4);
    z->types[i].dst = q[6 * i + 4];
    size_t a = q[6 * i + 5];
    size_t k = 0;
    while (a + k < (size_t)charcnt && chars[a + k] && k < 15)
      k++;
    memcpy(z->types[i].abbr, chars + (a < (size_t)charcnt ? a : 0),
           a < (size_t)charcnt ? k : 0);
    z->types[i].abbr[a < (size_t)charcnt ? k : 0] = '\0';
  }
  z->ntrans = (int)timecnt;
  z->ntypes = (int)typecnt;
  return (int)need;
}

static int tzif_parse(struct zone *z, const unsigned char *p, size_t n)
{
  if (n < 44 || memcmp(p, "TZif", 4) != 0)
    return -EINVAL;
  int rc = tzif_body(z, p, n, 4);
  if (rc < 0 || p[4] < '2')
    return rc < 0 ? rc : 0;
  size_t v1 = (size_t)rc;
  rc = tzif_body(z, p + v1, n - v1, 8);
  return rc < 0 ? rc : 0;
}

static int read_file(const char *path, unsigned char **out, size_t *n)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return -ENOENT;
  unsigned char *buf = malloc(1 << 20);
  size_t k = buf ? fread(buf, 1, 1 << 20, f) : 0;
  fclose(f);
  if (!buf)
    return -ENOMEM;
  *out = buf;
  *n = k;
  return 0;
}

static int zone_file(struct zone *z, const char *file)
{
  unsigned char *data;
  size_t n;
  int rc = read_file(file, &data, &n);
  if (rc)
    return rc;
  rc = tzif_parse(z, data, n);
  free(data);
  return rc;
}

/* Where LoadLocation looks on Unix ($ZONEINFO first). */
static int zone_find(struct zone *z, const char *name)
{
  static const char *const dirs[] = {"/usr/share/zoneinfo/",
                                     "/usr/share/lib/zoneinfo/",
                                     "/usr/lib/locale/TZ/", "/etc/zoneinfo/"};
  const char *env = getenv("ZONEINFO");
  char path[4096];
  if (env && *env) {
    snprintf(path, sizeof path, "%s/%s", env, name);
    if (!zone_file(z, path))
      return 0;
  }
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
    snprintf(path, sizeof path, "%s%s", dirs[i], name);
    if (!zone_file(z, path))
      return 0;
  }
  return -ENOENT;
}

static void zone_utc(struct zone *z)
{
  z->ntypes = 1;
  z->ntrans = 0;
  z->types[0] = (struct zone_type){0, 0, "UTC"};
}

/* time.Local: $TZ ("" is UTC, ":name" a zone), else /etc/localtime. */
static void zone_local(struct zone *z)
{
  const char *tz = getenv("TZ");
  int rc = -ENOENT;
  if (!tz)
    rc = zone_file(z, "/etc/localtime");
  else if (*tz)
    rc = zone_find(z, tz[0] == ':' ? tz + 1 : tz);
  if (rc)
    zone_utc(z);
}

static int name_ok(const char *name)
{
  return name[0] != '/' && name[0] != '\\' && !strstr(name, "..");
}

/* LoadLocation(name), cached; NULL when it fails (Sprig then uses UTC). */
static const struct zone *zone_get(const char *name)
{
  pthread_mutex_lock(&cache_lock);
  for (int i = 0; i < ncache; i++)
    if (strcmp(cache[i]->name, name) == 0) {
      pthread_mutex_unlock(&cache_lock);
      return cache[i];
    }
  struct zone *z = calloc(1, sizeof *z);
  int rc = z ? 0 : -ENOMEM;
  if (!rc) {
    snprintf(z->name, sizeof z->name, "%s", name);
    if (strcmp(name, "UTC") == 0 || !*name)
      zone_utc(z);
    else if (strcmp(name, "Local") == 0)
      zone_local(z);
    else
      rc = name_ok(name) ? zone_find(z, name) : -EINVAL;
  }
  if (rc) {
    free(z);
    z = NULL;
  } else if (ncache < ZONE_CACHE) {
    cache[ncache++] = z;
  } else { /* full: replace the oldest (zones are small and immutable) */
    free(cache[0]);
    memmove(cache, cache + 1, (ZONE_CACHE - 1) * sizeof *cache);
    cache[ZONE_CACHE - 1] = z;
  }
  pthread_mutex_unlock(&cache_lock);
  return z;
}

/* Location.lookupFirstZone */
static int first_zone(const struct zone *z)
{
  int used = 0;
  for (int i = 0; i < z->ntrans && !used; i++)
    used = z->idx[i] == 0;
  if (!used)
    return 0;
  if (z->ntrans > 0 && z->types[z->idx[0]].dst)
    for (int zi = z->idx[0] - 1; zi >= 0; zi--)
      if (!z->types[zi].dst)
        return zi;
  for (int zi = 0; zi < z->ntypes; zi++)
    if (!z->types[zi].dst)
      return zi;
  return 0;
}

/* Location.lookup: the zone type in effect at unix second sec. */
static const struct zone_type *zone_at(const struct zone *z, int64_t sec)
{
  if (z->ntrans == 0 || sec < z->when[0])
    return &z->types[first_zone(z)];
  int lo = 0, hi = z->ntrans;
  while (hi - lo > 1) {
    int m = (lo + hi) / 2;
    if (sec < z->when[m])
      hi = m;
    else
      lo = m;
  }
  return &z->types[z->idx[lo]];
}

/* ---- Times ---- */

int tmpl__time_in(struct tmpl__time *t, const char *loc)
{
  const struct zone *z = zone_get(loc);
  if (!z)
    return -ENOENT;
  const struct zone_type *zt = zone_at(z, t->sec);
  t->off = zt->off;
  snprintf(t->zone, sizeof t->zone, "%s", zt->abbr);
  snprintf(t->loc, sizeof t->loc, "%s", loc);
  return 0;
}

/* days since 1970-01-01 of a proleptic Gregorian date (Hinnant). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
  return a / b - (a % b != 0 && ((a < 0) != (b < 0)));
}

struct civil {
  int64_t year;
  int month, day, hour, min, sec, yday, wday;
};

static int is_leap(int64_t y)
{
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static void civil_of(const struct tmpl__time *t, struct civil *c)
{
  int64_t s = t->sec + t->off;
  int64_t nd = floor_div(s, 86400), rem = s - nd * 86400;
  civil_from_days(nd, &c->year, &c->month, &c->day);
  c->hour = (int)(rem / 3600);
  c->min = (int)(rem / 60 % 60);
  c->sec = (int)(rem % 60);
  c->yday = (int)(nd - days_from_civil(c->year, 1, 1)) + 1;
  c->wday = (int)(((nd % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
}

/* time.Date(...) in loc: the civil time back to unix seconds, with the
 * offset in effect (looked up twice near a transition, as Go does). */
static int time_date(struct tmpl__time *t, int64_t y, int mo, int d, int h,
                     int mi, int s, int ns, const char *loc)
{
  int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  const struct zone *z = zone_get(loc);
  if (!z)
    return -ENOENT;
  const struct zone_type *zt = zone_at(z, secs);
  if (zt->off) {
    const struct zone_type *z2 = zone_at(z, secs - zt->off);
    secs -= z2->off;
  }
  memset(t, 0, sizeof *t);
  t->sec = secs;
  t->nsec = ns;
  return tmpl__time_in(t, loc);
}

static const char *const months[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
static const char *const days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                   "Thursday", "Friday", "Saturday"};

const char *tmpl__month_name(int m)
{
  return m >= 1 && m <= 12 ? months[m - 1] : "%!Month";
}

const char *tmpl__weekday_name(int d)
{
  return d >= 0 && d <= 6 ? days[d] : "%!Weekday";
}

/* ---- Layouts (format.go) ---- */

enum std {
  STD_NONE,
  STD_LONG_MONTH,
  STD_MONTH,
  STD_NUM_MONTH,
  STD_ZERO_MONTH,
  STD_LONG_WEEKDAY,
  STD_WEEKDAY,
  STD_DAY,
  STD_UNDER_DAY,
  STD_ZERO_DAY,
  STD_UNDER_YDAY,
  STD_ZERO_YDAY,
  STD_HOUR,
  STD_HOUR12,
  STD_ZERO_HOUR12,
  STD_MINUTE,
  STD_ZERO_MINUTE,
  STD_SECOND,
  STD_ZERO_SECOND,
  STD_LONG_YEAR,
  STD_YEAR,
  STD_PM,
  STD_pm,
  STD_TZ,
  STD_ISO_SEC,
  STD_ISO_COLON_SEC,
  STD_ISO,
  STD_ISO_COLON,
  STD_ISO_SHORT,
  STD_NUM_SEC,
  STD_NUM_COLON_SEC,
  STD_NUM,
  STD_NUM_COLON,
  STD_NUM_SHORT,
  STD_FRAC0,
  STD_FRAC9,
};

struct chunk {
  size_t prefix; /* literal bytes before the element */
  enum std std;
  size_t len; /* the element's bytes */
  int digits; /* fractional seconds */
  char sep;   /* '.' or ',' */
};

static int has(const char *s, size_t n, size_t i, const char *w)
{
  size_t k = strlen(w);
  return n - i >= k && memcmp(s + i, w, k) == 0;
}

static int lower_at(const char *s, size_t n, size_t i)
{
  return i < n && s[i] >= 'a' && s[i] <= 'z';
}

static struct chunk chunk_at(size_t i, enum std std, size_t len)
{
  return (struct chunk){i, std, len, 0, 0};
}

/* The zone elements starting with c ('-' or 'Z') at i. */
static int zone_chunk(const char *s, size_t n, size_t i, struct chunk *c)
{
  static const struct {
    const char *w;
    enum std num, iso;
  } z[] = {{"070000", STD_NUM_SEC, STD_ISO_SEC},
           {"07:00:00", STD_NUM_COLON_SEC, STD_ISO_COLON_SEC},
           {"0700", STD_NUM, STD_ISO},
           {"07:00", STD_NUM_COLON, STD_ISO_COLON},
           {"07", STD_NUM_SHORT, STD_ISO_SHORT}};
  for (size_t k = 0; k < 5; k++)
    if (has(s, n, i + 1, z[k].w)) {
      *c = chunk_at(i, s[i] == '-' ? z[k].num : z[k].iso, 1 + strlen(z[k].w));
      return 1;
    }
  return 0;
}

static int frac_chunk(const char *s, size_t n, size_t i, struct chunk *c)
{
  if (i + 1 >= n || (s[i + 1] != '0' && s[i + 1] != '9'))
    return 0;
  size_t j = i + 1;
  while (j < n && s[j] == s[i + 1])
    j++;
  if (j < n && s[j] >= '0' && s[j] <= '9')
    return 0;
  *c = chunk_at(i, s[i + 1] == '0' ? STD_FRAC0 : STD_FRAC9, j - i);
  c->digits = (int)(j - i - 1);
  c->sep = s[i];
  return 1;
}

/* Go's nextStdChunk, for the element at i; 0 when there is none. */
static int std_at(const char *s, size_t n, size_t i, struct chunk *c)
{
  static const enum std zx[] = {STD_ZERO_MONTH,  STD_ZERO_DAY,
                                STD_ZERO_HOUR12, STD_ZERO_MINUTE,
                                STD_ZERO_SECOND, STD_YEAR};
  switch (s[i]) {
  case 'J':
    if (has(s, n, i, "January"))
      return *c = chunk_at(i, STD_LONG_MONTH, 7), 1;
    if (has(s, n, i, "Jan") && !lower_at(s, n, i + 3))
      return *c = chunk_at(i, STD_MONTH, 3), 1;
    return 0;
  case 'M':
    if (has(s, n, i, "Monday"))
      return *c = chunk_at(i, STD_LONG_WEEKDAY, 6), 1;
    if (has(s, n, i, "Mon") && !lower_at(s, n, i + 3))
      return *c = chunk_at(i, STD_WEEKDAY, 3), 1;
    if (has(s, n, i, "MST"))
      return *c = chunk_at(i, STD_TZ, 3), 1;
    return 0;
  case '0':
    if (i + 1 < n && s[i + 1] >= '1' && s[i + 1] <= '6')
      return *c = chunk_at(i, zx[s[i + 1] - '1'], 2), 1;
    if (has(s, n, i, "002"))
      return *c = chunk_at(i, STD_ZERO_YDAY, 3), 1;
    return 0;
  case '1':
    if (has(s, n, i, "15"))
      return *c = chunk_at(i, STD_HOUR, 2), 1;
    return *c = chunk_at(i, STD_NUM_MONTH, 1), 1;
  case '2':
    if (has(s, n, i, "2006"))
      return *c = chunk_at(i, STD_LONG_YEAR, 4), 1;
    return *c = chunk_at(i, STD_DAY, 1), 1;
  case '_':
    if (has(s, n, i, "_2006"))
      return *c = chunk_at(i + 1, STD_LONG_YEAR, 4), 1;
    if (has(s, n, i, "_2"))
      return *c = chunk_at(i, STD_UNDER_DAY, 2), 1;
    if (has(s, n, i, "__2"))
      return *c = chunk_at(i, STD_UNDER_YDAY, 3), 1;
    return 0;
  case '3':
    return *c = chunk_at(i, STD_HOUR12, 1), 1;
  case '4':
    return *c = chunk_at(i, STD_MINUTE, 1), 1;
  case '5':
    return *c = chunk_at(i, STD_SECOND, 1), 1;
  case 'P':
    return has(s, n, i, "PM") ? (*c = chunk_at(i, STD_PM, 2), 1) : 0;
  case 'p':
    return has(s, n, i, "pm") ? (*c = chunk_at(i, STD_pm, 2), 1) : 0;
  case '-':
  case 'Z':
    return zone_chunk(s, n, i, c);
  case '.':
  case ',':
    return frac_chunk(s, n, i, c);
  }
  return 0;
}

static struct chunk next_chunk(const char *s, size_t n)
{
  struct chunk c = {n, STD_NONE, 0, 0, 0};
  for (size_t i = 0; i < n; i++)
    if (std_at(s, n, i, &c))
      return c;
  return (struct chunk){n, STD_NONE, 0, 0, 0};
}

/* Go's appendInt with a minimum width. */
static int put_int(struct buf *b, int64_t x, int width)
{
  char t[32];
  uint64_t u = x < 0 ? -(uint64_t)x : (uint64_t)x;
  int k = 0;
  do {
    t[k++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  while (k < width)
    t[k++] = '0';
  int rc = x < 0 ? buf_putc(b, '-') : 0;
  while (!rc && k > 0)
    rc = buf_putc(b, t[--k]);
  return rc;
}

static int put_zone(struct buf *b, enum std std, int32_t off)
{
  int iso = std == STD_ISO || std == STD_ISO_COLON || std == STD_ISO_SEC ||
            std == STD_ISO_SHORT || std == STD_ISO_COLON_SEC;
  if (off == 0 && iso)
    return buf_putc(b, 'Z');
  int32_t zone = off / 60, abs = off;
  int rc = buf_putc(b, zone < 0 ? '-' : '+');
  if (zone < 0) {
    zone = -zone;
    abs = -abs;
  }
  rc = rc ? rc : put_int(b, zone / 60, 2);
  int colon = std == STD_ISO_COLON || std == STD_NUM_COLON ||
              std == STD_ISO_COLON_SEC || std == STD_NUM_COLON_SEC;
  if (!rc && colon)
    rc = buf_putc(b, ':');
  if (!rc && std != STD_NUM_SHORT && std != STD_ISO_SHORT)
    rc = put_int(b, zone % 60, 2);
  if (!rc && (std == STD_ISO_SEC || std == STD_NUM_SEC ||
              std == STD_NUM_COLON_SEC || std == STD_ISO_COLON_SEC)) {
    if (std == STD_NUM_COLON_SEC || std == STD_ISO_COLON_SEC)
      rc = buf_putc(b, ':');
    rc = rc ? rc : put_int(b, abs % 60, 2);
  }
  return rc;
}

/* appendNano */
static int put_nano(struct buf *b, int32_t ns, const struct chunk *c)
{
  int trim = c->std == STD_FRAC9;
  if (trim && (c->digits == 0 || ns == 0))
    return 0;
  char t[12];
  snprintf(t, sizeof t, "%09d", (int)ns);
  int k = c->digits < 9 ? c->digits : 9;
  if (trim)
    while (k > 0 && t[k - 1] == '0')
      k--;
  if (trim && k == 0)
    return 0;
  int rc = buf_putc(b, c->sep);
  return rc ? rc : buf_append(b, t, (size_t)k);
}

static int put_std(struct buf *b, const struct chunk *c,
                   const struct tmpl__time *t, const struct civil *v)
{
  int hr12 = v->hour % 12 ? v->hour % 12 : 12;
  switch (c->std) {
  case STD_YEAR:
    return put_int(b, (v->year < 0 ? -v->year : v->year) % 100, 2);
  case STD_LONG_YEAR:
    return put_int(b, v->year, 4);
  case STD_MONTH:
    return buf_append(b, months[v->month - 1], 3);
  case STD_LONG_MONTH:
    return buf_puts(b, months[v->month - 1]);
  case STD_NUM_MONTH:
    return put_int(b, v->month, 0);
  case STD_ZERO_MONTH:
    return put_int(b, v->month, 2);
  case STD_WEEKDAY:
    return buf_append(b, days[v->wday], 3);
  case STD_LONG_WEEKDAY:
    return buf_puts(b, days[v->wday]);
  case STD_DAY:
    return put_int(b, v->day, 0);
  case STD_UNDER_DAY:
    return (v->day < 10 ? buf_putc(b, ' ') : 0) || put_int(b, v->day, 0);
  case STD_ZERO_DAY:
    return put_int(b, v->day, 2);
  case STD_UNDER_YDAY:
    return (v->yday < 100 ? buf_putc(b, ' ') : 0) ||
           (v->yday < 10 ? buf_putc(b, ' ') : 0) || put_int(b, v->yday, 0);
  case STD_ZERO_YDAY:
    return put_int(b, v->yday, 3);
  case STD_HOUR:
    return put_int(b, v->hour, 2);
  case STD_HOUR12:
    return put_int(b, hr12, 0);
  case STD_ZERO_HOUR12:
    return put_int(b, hr12, 2);
  case STD_MINUTE:
    return put_int(b, v->min, 0);
  case STD_ZERO_MINUTE:
    return put_int(b, v->min, 2);
  case STD_SECOND:
    return put_int(b, v->sec, 0);
  case STD_ZERO_SECOND:
    return put_int(b, v->sec, 2);
  case STD_PM:
    return buf_puts(b, v->hour >= 12 ? "PM" : "AM");
  case STD_pm:
    return buf_puts(b, v->hour >= 12 ? "pm" : "am");
  case STD_TZ:
    if (t->zone[0])
      return buf_puts(b, t->zone);
    return put_zone(b, STD_NUM, t->off);
  case STD_FRAC0:
  case STD_FRAC9:
    return put_nano(b, t->nsec, c);
  default:
    return put_zone(b, c->std, t->off);
  }
}

int tmpl__time_format(struct buf *b, const struct tmpl__time *t,
                      const char *layout, size_t n)
{
  struct civil v;
  civil_of(t, &v);
  int rc = 0;
  while (!rc && n > 0) {
    struct chunk c = next_chunk(layout, n);
    rc = buf_append(b, layout, c.prefix);
    if (c.std == STD_NONE)
      break;
    if (!rc)
      rc = put_std(b, &c, t, &v);
    layout += c.prefix + c.len;
    n -= c.prefix + c.len;
  }
  return rc ? rc : buf_append(b, "", 0);
}

/* ---- Parse (format.go parse) ---- */

struct parsed {
  int64_t year;
  int month, day, yday, hour, min, sec, nsec;
  int pm, am, utc, has_off;
  int32_t off;
  char zone[16];
  const char *range_err;
};

struct pstate {
  const char *layout, *value;
  size_t ln, vn;
  char *err;
  size_t cap;
};

/* time's quote: "..." with Go-style escapes for non-printables. */
static void tquote(struct buf *b, const char *s, size_t n)
{
  tmpl_quote(b, s, n);
}

static int parse_error(struct pstate *p, const char *lelem, size_t ln,
                       const char *velem, size_t vn, const char *msg)
{
  struct buf b;
  buf_init(&b, 0);
  buf_puts(&b, "parsing time ");
  tquote(&b, p->value, p->vn);
  if (msg) {
    buf_puts(&b, msg);
  } else {
    buf_puts(&b, " as ");
    tquote(&b, p->layout, p->ln);
    buf_puts(&b, ": cannot parse ");
    tquote(&b, velem, vn);
    buf_puts(&b, " as ");
    tquote(&b, lelem, ln);
  }
  snprintf(p->err, p->cap, "%s", b.data ? b.data : "");
  buf_free(&b);
  return -EINVAL;
}

static int isdig(const char *s, size_t n, size_t i)
{
  return i < n && s[i] >= '0' && s[i] <= '9';
}

/* getnum: one or two digits (exactly two when fixed). */
static int getnum(const char **v, size_t *n, int fixed, int *out)
{
  if (!isdig(*v, *n, 0))
    return -1;
  if (!isdig(*v, *n, 1)) {
    if (fixed)
      return -1;
    *out = (*v)[0] - '0';
    (*v)++, (*n)--;
    return 0;
  }
  *out = ((*v)[0] - '0') * 10 + (*v)[1] - '0';
  *v += 2, *n -= 2;
  return 0;
}

static int getnum3(const char **v, size_t *n, int fixed, int *out)
{
  int k = 0, x = 0;
  while (k < 3 && isdig(*v, *n, (size_t)k))
    x = x * 10 + (*v)[k++] - '0';
  if (k == 0 || (fixed && k != 3))
    return -1;
  *out = x;
  *v += k, *n -= (size_t)k;
  return 0;
}

/* lookup: a case-insensitive prefix from tab. */
static int lookup_name(const char *const *tab, int k, size_t len,
                       const char **v, size_t *n, int *out)
{
  for (int i = 0; i < k; i++) {
    size_t l = len ? len : strlen(tab[i]);
    if (*n >= l && strncasecmp(*v, tab[i], l) == 0) {
      *out = i;
      *v += l, *n -= l;
      return 0;
    }
  }
  return -1;
}

/* skip: the layout's literal prefix; a space matches any run of spaces. */
static int skip_prefix(const char *pre, size_t pn, const char **v, size_t *n)
{
  size_t i = 0;
  while (i < pn) {
    if (pre[i] == ' ') {
      if (*n > 0 && **v != ' ')
        return -1;
      while (i < pn && pre[i] == ' ')
        i++;
      while (*n > 0 && **v == ' ')
        (*v)++, (*n)--;
      continue;
    }
    if (*n == 0 || **v != pre[i])
      return -1;
    (*v)++, (*n)--, i++;
  }
  return 0;
}

/* parseNanoseconds: value[0] is the separator, then digits. */
static int nanos(const char *v, size_t nbytes, int *ns, const char **range)
{
  if (v[0] != '.' && v[0] != ',')
    return -1;
  if (nbytes > 10)
    nbytes = 10;
  int x = 0;
  for (size_t i = 1; i < nbytes; i++) {
    if (v[i] < '0' || v[i] > '9')
      return -1;
    x = x * 10 + v[i] - '0';
  }
  for (size_t i = nbytes; i < 10; i++)
    x *= 10;
  (void)range;
  *ns = x;
  return 0;
}

static int parse_zone_num(const struct chunk *c, const char **v, size_t *n,
                          struct parsed *r)
{
  enum std s = c->std;
  const char *x = *v;
  int colon = s == STD_ISO_COLON || s == STD_NUM_COLON;
  int shrt = s == STD_NUM_SHORT || s == STD_ISO_SHORT;
  int csec = s == STD_ISO_COLON_SEC || s == STD_NUM_COLON_SEC;
  int sec = s == STD_ISO_SEC || s == STD_NUM_SEC;
  size_t need = colon ? 6 : shrt ? 3 : csec ? 9 : sec ? 7 : 5;
  if (*n < need || (colon && x[3] != ':') ||
      (csec && (x[3] != ':' || x[6] != ':')))
    return -1;
  const char *hh = x + 1, *mm = colon || csec ? x + 4 : x + 3;
  const char *ss = csec ? x + 7 : x + 5;
  int h, m = 0, sc = 0;
  size_t two = 2;
  const char *p = hh;
  if (getnum(&p, &two, 1, &h))
    return -1;
  two = 2, p = mm;
  if (!shrt && getnum(&p, &two, 1, &m))
    return -1;
  two = 2, p = ss;
  if ((sec || csec) && getnum(&p, &two, 1, &sc))
    return -1;
  if (h > 24)
    r->range_err = "time zone offset hour";
  if (m > 60)
    r->range_err = "time zone offset minute";
  if (sc > 60)
    r->range_err = "time zone offset second";
  r->off = (h * 60 + m) * 60 + sc;
  if (x[0] == '-')
    r->off = -r->off;
  else if (x[0] != '+')
    return -1;
  r->has_off = 1;
  *v += need, *n -= need;
  return 0;
}

/* parseTimeZone, simplified: three to five upper-case letters (an
 * optional "T" fourth or fifth), or GMT with an offset. */
static int parse_tz_name(const char **v, size_t *n, struct parsed *r)
{
  size_t k = 0;
  while (k < *n && k < 5 && (*v)[k] >= 'A' && (*v)[k] <= 'Z')
    k++;
  if (k < 3)
    return -1;
  snprintf(r->zone, sizeof r->zone, "%.*s", (int)k, *v);
  *v += k, *n -= k;
  return 0;
}

static int parse_elem(const struct chunk *c, const char *next_layout,
                      size_t next_n, const char **v, size_t *n,
                      struct parsed *r)
{
  int x = 0, rc = 0;
  switch (c->std) {
  case STD_YEAR:
    if (*n < 2 || !isdig(*v, *n, 0) || !isdig(*v, *n, 1))
      return -1;
    x = ((*v)[0] - '0') * 10 + (*v)[1] - '0';
    r->year = x >= 69 ? 1900 + x : 2000 + x;
    *v += 2, *n -= 2;
    return 0;
  case STD_LONG_YEAR:
    if (*n < 4 || !isdig(*v, *n, 0))
      return -1;
    r->year = 0;
    for (int i = 0; i < 4; i++) {
      if (!isdig(*v, *n, (size_t)i))
        return -1;
      r->year = r->year * 10 + (*v)[i] - '0';
    }
    *v += 4, *n -= 4;
    return 0;
  case STD_MONTH:
    rc = lookup_name(months, 12, 3, v, n, &x);
    r->month = x + 1;
    return rc;
  case STD_LONG_MONTH:
    rc = lookup_name(months, 12, 0, v, n, &x);
    r->month = x + 1;
    return rc;
  case STD_NUM_MONTH:
  case STD_ZERO_MONTH:
    rc = getnum(v, n, c->std == STD_ZERO_MONTH, &r->month);
    if (!rc && (r->month <= 0 || r->month > 12))
      r->range_err = "month";
    return rc;
  case STD_WEEKDAY:
    return lookup_name(days, 7, 3, v, n, &x);
  case STD_LONG_WEEKDAY:
    return lookup_name(days, 7, 0, v, n, &x);
  case STD_DAY:
  case STD_UNDER_DAY:
  case STD_ZERO_DAY:
    if (c->std == STD_UNDER_DAY && *n > 0 && **v == ' ')
      (*v)++, (*n)--;
    return getnum(v, n, c->std == STD_ZERO_DAY, &r->day);
  case STD_UNDER_YDAY:
  case STD_ZERO_YDAY:
    for (int i = 0; i < 2; i++)
      if (c->std == STD_UNDER_YDAY && *n > 0 && **v == ' ')
        (*v)++, (*n)--;
    return getnum3(v, n, c->std == STD_ZERO_YDAY, &r->yday);
  case STD_HOUR:
    rc = getnum(v, n, 0, &r->hour);
    if (r->hour < 0 || r->hour >= 24)
      r->range_err = "hour";
    return rc;
  case STD_HOUR12:
  case STD_ZERO_HOUR12:
    rc = getnum(v, n, c->std == STD_ZERO_HOUR12, &r->hour);
    if (r->hour < 0 || r->hour > 12)
      r->range_err = "hour";
    return rc;
  case STD_MINUTE:
  case STD_ZERO_MINUTE:
    rc = getnum(v, n, c->std == STD_ZERO_MINUTE, &r->min);
    if (r->min < 0 || r->min >= 60)
      r->range_err = "minute";
    return rc;
  case STD_SECOND:
  case STD_ZERO_SECOND:
    if ((rc = getnum(v, n, c->std == STD_ZERO_SECOND, &r->sec)))
      return rc;
    if (r->sec < 0 || r->sec >= 60) {
      r->range_err = "second";
      return 0;
    }
    if (*n >= 2 && ((*v)[0] == '.' || (*v)[0] == ',') && isdig(*v, *n, 1)) {
      struct chunk nx = next_chunk(next_layout, next_n);
      if (nx.std == STD_FRAC0 || nx.std == STD_FRAC9)
        return 0;
      size_t k = 2;
      while (k < *n && isdig(*v, *n, k))
        k++;
      rc = nanos(*v, k, &r->nsec, &r->range_err);
      *v += k, *n -= k;
    }
    return rc;
  case STD_PM:
  case STD_pm:
    if (*n < 2)
      return -1;
    if (strncmp(*v, c->std == STD_PM ? "PM" : "pm", 2) == 0)
      r->pm = 1;
    else if (strncmp(*v, c->std == STD_PM ? "AM" : "am", 2) == 0)
      r->am = 1;
    else
      return -1;
    *v += 2, *n -= 2;
    return 0;
  case STD_TZ:
    if (*n >= 3 && strncmp(*v, "UTC", 3) == 0) {
      r->utc = 1;
      *v += 3, *n -= 3;
      return 0;
    }
    return parse_tz_name(v, n, r);
  case STD_FRAC0:
    if (*n < (size_t)(1 + c->digits))
      return -1;
    rc = nanos(*v, (size_t)(1 + c->digits), &r->nsec, &r->range_err);
    *v += 1 + c->digits, *n -= (size_t)(1 + c->digits);
    return rc;
  case STD_FRAC9: {
    if (*n < 2 || ((*v)[0] != '.' && (*v)[0] != ',') || !isdig(*v, *n, 1))
      return 0;
    size_t k = 1;
    while (isdig(*v, *n, k))
      k++;
    rc = nanos(*v, k, &r->nsec, &r->range_err);
    *v += k, *n -= k;
    return rc;
  }
  default:
    if ((c->std == STD_ISO || c->std == STD_ISO_SHORT ||
         c->std == STD_ISO_COLON || c->std == STD_ISO_SEC ||
         c->std == STD_ISO_COLON_SEC) &&
        *n >= 1 && **v == 'Z') {
      (*v)++, (*n)--;
      r->utc = 1;
      return 0;
    }
    return parse_zone_num(c, v, n, r);
  }
}

static int days_in(int m, int64_t y)
{
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* The year-day of the layout turned into month and day. */
static int resolve_yday(struct pstate *p, struct parsed *r, const char *v,
                        size_t n)
{
  static const int before[] = {0,   31,  59,  90,  120, 151, 181,
                               212, 243, 273, 304, 334, 365};
  int yd = r->yday, m = 0, d = 0;
  if (is_leap(r->year)) {
    if (yd == 31 + 29) {
      m = 2;
      d = 29;
    } else if (yd > 31 + 29) {
      yd--;
    }
  }
  if (yd < 1 || yd > 365)
    return parse_error(p, "", 0, v, n, ": day-of-year out of range");
  if (m == 0) {
    m = (yd - 1) / 31 + 1;
    if (before[m] < yd)
      m++;
    d = yd - before[m - 1];
  }
  if (r->month >= 0 && r->month != m)
    return parse_error(p, "", 0, v, n, ": day-of-year does not match month");
  if (r->day >= 0 && r->day != d)
    return parse_error(p, "", 0, v, n, ": day-of-year does not match day");
  r->month = m;
  r->day = d;
  return 0;
}

static int finish(struct pstate *p, struct parsed *r, const char *v, size_t n,
                  struct tmpl__time *t)
{
  if (r->pm && r->hour < 12)
    r->hour += 12;
  else if (r->am && r->hour == 12)
    r->hour = 0;
  if (r->yday >= 0) {
    int rc = resolve_yday(p, r, v, n);
    if (rc)
      return rc;
  } else {
    if (r->month < 0)
      r->month = 1;
    if (r->day < 0)
      r->day = 1;
  }
  if (r->day < 1 || r->day > days_in(r->month, r->year))
    return parse_error(p, "", 0, v, n, ": day out of range");
  int rc = time_date(t, r->year, r->month, r->day, r->hour, r->min, r->sec,
                     r->nsec, r->utc ? "UTC" : "Local");
  if (rc || r->utc || (!r->has_off && !r->zone[0]))
    return rc;
  if (r->has_off) { /* the given offset, unless Local has it then */
    t->sec -= r->off;
    t->sec += t->off;
    tmpl__time_in(t, "Local");
    if (t->off == r->off && !r->zone[0])
      return 0;
    t->off = r->off;
    snprintf(t->zone, sizeof t->zone, "%s", r->zone);
    t->loc[0] = '\0';
    return 0;
  }
  if (strcmp(t->zone, r->zone) != 0) { /* unknown abbreviation: offset 0 */
    t->sec += t->off;
    t->off = 0;
    snprintf(t->zone, sizeof t->zone, "%s", r->zone);
    t->loc[0] = '\0';
  }
  return 0;
}

int tmpl__time_parse(const char *layout, size_t ln, const char *value,
                     size_t vn, struct tmpl__time *t, char *err, size_t cap)
{
  struct pstate p = {layout, value, ln, vn, err, cap};
  struct parsed r = {.year = 0, .month = -1, .day = -1, .yday = -1};
  const char *l = layout, *v = value;
  size_t n = vn;
  for (;;) {
    struct chunk c = next_chunk(l, ln);
    if (skip_prefix(l, c.prefix, &v, &n))
      return parse_error(&p, l, c.prefix, v, n, NULL);
    if (c.std == STD_NONE) {
      if (n == 0)
        break;
      struct buf b;
      buf_init(&b, 0);
      buf_puts(&b, ": extra text: ");
      tquote(&b, v, n);
      int rc = parse_error(&p, "", 0, v, n, b.data ? b.data : "");
      buf_free(&b);
      return rc;
    }
    const char *elem = l + c.prefix, *hold = v;
    size_t hold_n = n;
    l += c.prefix + c.len;
    ln -= c.prefix + c.len;
    int bad = parse_elem(&c, l, ln, &v, &n, &r);
    if (r.range_err) {
      char msg[96];
      snprintf(msg, sizeof msg, ": %s out of range", r.range_err);
      return parse_error(&p, elem, c.len, v, n, msg);
    }
    if (bad)
      return parse_error(&p, elem, c.len, hold, hold_n, NULL);
  }
  return finish(&p, &r, v, n, t);
}

/* ---- Durations ---- */

static int frac_digits(char *buf, int *w, uint64_t *v, int prec)
{
  int print = 0;
  for (int i = 0; i < prec; i++) {
    int digit = (int)(*v % 10);
    print = print || digit != 0;
    if (print)
      buf[--*w] = (char)('0' + digit);
    *v /= 10;
  }
  if (print)
    buf[--*w] = '.';
  return 0;
}

static void int_digits(char *buf, int *w, uint64_t v)
{
  if (v == 0) {
    buf[--*w] = '0';
    return;
  }
  while (v > 0) {
    buf[--*w] = (char)('0' + v % 10);
    v /= 10;
  }
}

int tmpl__duration_string(struct buf *b, int64_t d)
{
  char buf[40];
  int w = (int)sizeof buf;
  uint64_t u = d < 0 ? -(uint64_t)d : (uint64_t)d;
  buf[--w] = 's';
  if (u < 1000000000) {
    int prec = 0;
    if (u == 0) {
      buf[--w] = '0';
      return buf_append(b, buf + w, sizeof buf - (size_t)w);
    }
    if (u < 1000) {
      buf[--w] = 'n';
    } else if (u < 1000000) {
      prec = 3;
      w -= 2;
      memcpy(buf + w, "\xc2\xb5", 2);
    } else {
      prec = 6;
      buf[--w] = 'm';
    }
    frac_digits(buf, &w, &u, prec);
    int_digits(buf, &w, u);
  } else {
    frac_digits(buf, &w, &u, 9);
    int_digits(buf, &w, u % 60);
    u /= 60;
    if (u > 0) {
      buf[--w] = 'm';
      int_digits(buf, &w, u % 60);
      u /= 60;
      if (u > 0) {
        buf[--w] = 'h';
        int_digits(buf, &w, u);
      }
    }
  }
  if (d < 0)
    buf[--w] = '-';
  return buf_append(b, buf + w, sizeof buf - (size_t)w);
}

static int64_t unit_of(const char *u, size_t n)
{
  static const struct {
    const char *s;
    int64_t v;
  } units[] = {{"ns", 1},
               {"us", 1000},
               {"\xc2\xb5s", 1000},
               {"\xce\xbcs", 1000},
               {"ms", 1000000},
               {"s", 1000000000},
               {"m", 60000000000LL},
               {"h", 3600000000000LL}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strlen(units[i].s) == n && memcmp(units[i].s, u, n) == 0)
      return units[i].v;
  return 0;
}

static int dur_error(char *err, size_t cap, const char *what, const char *s,
                     size_t n)
{
  struct buf b;
  buf_init(&b, 0);
  tmpl_quote(&b, s, n);
  snprintf(err, cap, "time: %s%s", what, b.data ? b.data : "");
  buf_free(&b);
  return -EINVAL;
}

/* One [digits][.digits]unit element of a duration; adds to *d. */
static int dur_elem(const char *orig, size_t on, const char **s, size_t *n,
                    uint64_t *d, char *err, size_t cap)
{
  uint64_t v = 0, f = 0, scale = 1;
  int pre = 0, post = 0, over = 0;
  while (*n && **s >= '0' && **s <= '9') {
    over |= v > (UINT64_C(1) << 63) / 10;
    v = v * 10 + (uint64_t)(**s - '0');
    over |= v > (UINT64_C(1) << 63);
    (*s)++, (*n)--, pre = 1;
  }
  if (over)
    return dur_error(err, cap, "invalid duration ", orig, on);
  if (*n && **s == '.') {
    (*s)++, (*n)--;
    while (*n && **s >= '0' && **s <= '9') {
      if (scale < UINT64_C(1000000000000000000)) {
        f = f * 10 + (uint64_t)(**s - '0');
        scale *= 10;
      }
      (*s)++, (*n)--, post = 1;
    }
  }
  if (!pre && !post)
    return dur_error(err, cap, "invalid duration ", orig, on);
  size_t k = 0;
  while (k < *n && (*s)[k] != '.' && ((*s)[k] < '0' || (*s)[k] > '9'))
    k++;
  if (k == 0)
    return dur_error(err, cap, "missing unit in duration ", orig, on);
  int64_t unit = unit_of(*s, k);
  if (!unit) {
    struct buf b;
    buf_init(&b, 0);
    tmpl_quote(&b, *s, k);
    char what[256];
    snprintf(what, sizeof what, "unknown unit %.200s in duration ",
             b.data ? b.data : "");
    buf_free(&b);
    return dur_error(err, cap, what, orig, on);
  }
  *s += k, *n -= k;
  if (v > (UINT64_C(1) << 63) / (uint64_t)unit)
    return dur_error(err, cap, "invalid duration ", orig, on);
  v *= (uint64_t)unit;
  if (f > 0) {
    v += (uint64_t)((double)f * ((double)unit / (double)scale));
    if (v > (UINT64_C(1) << 63))
      return dur_error(err, cap, "invalid duration ", orig, on);
  }
  *d += v;
  if (*d > (UINT64_C(1) << 63))
    return dur_error(err, cap, "invalid duration ", orig, on);
  return 0;
}

int tmpl__duration_parse(const char *s, size_t n, int64_t *out, char *err,
                         size_t cap)
{
  const char *orig = s;
  size_t on = n;
  int neg = 0;
  uint64_t d = 0;
  if (n && (*s == '-' || *s == '+')) {
    neg = *s == '-';
    s++, n--;
  }
  if (n == 1 && *s == '0') {
    *out = 0;
    return 0;
  }
  if (n == 0)
    return dur_error(err, cap, "invalid duration ", orig, on);
  while (n > 0) {
    int rc = dur_elem(orig, on, &s, &n, &d, err, cap);
    if (rc)
      return rc;
  }
  if (!neg && d > (uint64_t)INT64_MAX)
    return dur_error(err, cap, "invalid duration ", orig, on);
  *out = neg ? (int64_t)(0 - d) : (int64_t)d;
  return 0;
}
