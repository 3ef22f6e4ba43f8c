/* tmpl_sprig_misc: Sprig's path functions (base, dir, clean, ext, isAbs
 * and their os* forms, which are the same on Linux), urlParse and
 * urlJoin (Go's net/url for the common forms: scheme, userinfo, host,
 * port, path, query, fragment, opaque), and the functions iop does not
 * run: certificates, keys, bcrypt/htpasswd, AES, derivePassword and DNS
 * (getHostByName). Those parse, so charts that mention them in a branch
 * they do not take still render, and fail when called. */
#include "tmpl_sprig_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- path ---- */

/* path.Clean */
static int path_clean(struct buf *b, const char *p, size_t n)
{
  if (n == 0)
    return buf_puts(b, ".");
  int rooted = p[0] == '/';
  size_t start = b->len, r = 0, dotdot = 0;
  int rc = 0;
  if (rooted) {
    rc = buf_putc(b, '/');
    r = dotdot = 1;
  }
  while (!rc && r < n) {
    size_t w = b->len - start;
    if (p[r] == '/') {
      r++;
    } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
      r++;
    } else if (p[r] == '.' && p[r + 1] == '.' &&
               (r + 2 == n || p[r + 2] == '/')) {
      r += 2;
      if (w > dotdot) {
        w--;
        while (w > dotdot && b->data[start + w] != '/')
          w--;
        b->len = start + w;
      } else if (!rooted) {
        if (w > 0)
          rc = buf_putc(b, '/');
        if (!rc)
          rc = buf_puts(b, "..");
        dotdot = b->len - start;
      }
    } else {
      if ((rooted && w != 1) || (!rooted && w != 0))
        rc = buf_putc(b, '/');
      size_t e = r;
      while (e < n && p[e] != '/')
        e++;
      if (!rc)
        rc = buf_append(b, p + r, e - r);
      r = e;
    }
  }
  if (!rc && b->len == start)
    rc = buf_putc(b, '.');
  return rc ? rc : buf_append(b, "", 0);
}

TMPL__FN(fn_clean)
{
  size_t n;
  const char *p = tmpl__str(&argv[0], &n);
  struct buf b;
  buf_init(&b, 0);
  return tmpl__ret_buf(out, &b, path_clean(&b, p, n));
}

TMPL__FN(fn_base)
{
  size_t n;
  const char *p = tmpl__str(&argv[0], &n);
  if (n == 0)
    return tmpl__ret_str(out, ".", 1);
  while (n > 0 && p[n - 1] == '/')
    n--;
  if (n == 0)
    return tmpl__ret_str(out, "/", 1);
  size_t i = n;
  while (i > 0 && p[i - 1] != '/')
    i--;
  return tmpl__ret_str(out, p + i, n - i);
}

TMPL__FN(fn_dir)
{
  size_t n;
  const char *p = tmpl__str(&argv[0], &n);
  size_t i = n;
  while (i > 0 && p[i - 1] != '/')
    i--;
  struct buf b;
  buf_init(&b, 0);
  return tmpl__ret_buf(out, &b, path_clean(&b, p, i));
}

TMPL__FN(fn_ext)
{
  size_t n;
  const char *p = tmpl__str(&argv[0], &n);
  for (size_t i = n; i > 0 && p[i - 1] != '/'; i--)
    if (p[i - 1] == '.')
      return tmpl__ret_str(out, p + i - 1, n - i + 1);
  return tmpl__ret_str(out, "", 0);
}

TMPL__FN(fn_is_abs)
{
  size_t n;
  const char *p = tmpl__str(&argv[0], &n);
  return tmpl__ret_bool(out, n > 0 && p[0] == '/');
}

/* ---- net/url ---- */

enum url_mode { U_PATH, U_HOST, U_USER, U_FRAGMENT };

/* net/url's shouldEscape */
static int should_escape(unsigned char c, enum url_mode m)
{
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9'))
    return 0;
  if (m == U_HOST && c && strchr("!$&'()*+,;=:[]<>\"", c))
    return 0;
  if (c && strchr("-_.~", c))
    return 0;
  if (c && strchr("$&+,/:;=?@", c)) {
    if (m == U_PATH)
      return c == '?';
    if (m == U_USER)
      return c == '@' || c == '/' || c == '?' || c == ':';
    return m == U_FRAGMENT ? 0 : 1;
  }
  if (m == U_FRAGMENT && c && strchr("!()*", c))
    return 0;
  return 1;
}

static int url_escape(struct buf *b, const char *s, size_t n, enum url_mode m)
{
  int rc = 0;
  for (size_t i = 0; !rc && i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    rc = should_escape(c, m) && !(m == U_HOST && c >= 0x80)
             ? buf_printf(b, "%%%02X", c)
             : buf_putc(b, (char)c);
  }
  return rc;
}

static int hexv(int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c |= 0x20;
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* url.unescape; 1 and err set on a bad escape. */
static int url_unescape(struct buf *b, const char *s, size_t n, char *err,
                        size_t cap)
{
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '%') {
      if (buf_putc(b, s[i]))
        return -ENOMEM;
      continue;
    }
    if (i + 2 >= n + 0 || hexv(s[i + 1]) < 0 || hexv(s[i + 2]) < 0) {
      size_t k = n - i < 3 ? n - i : 3;
      snprintf(err, cap, "invalid URL escape \"%.*s\"", (int)k, s + i);
      return 1;
    }
    if (buf_putc(b, (char)(hexv(s[i + 1]) << 4 | hexv(s[i + 2]))))
      return -ENOMEM;
    i += 2;
  }
  return buf_append(b, "", 0) ? -ENOMEM : 0;
}

struct url {
  struct buf scheme, opaque, user, host, path, query, fragment;
  int has_user;
};

static void url_init(struct url *u)
{
  struct buf *bs[] = {&u->scheme, &u->opaque, &u->user,    &u->host,
                      &u->path,   &u->query,  &u->fragment};
  for (size_t i = 0; i < 7; i++)
    buf_init(bs[i], 0);
  u->has_user = 0;
}

static void url_free(struct url *u)
{
  struct buf *bs[] = {&u->scheme, &u->opaque, &u->user,    &u->host,
                      &u->path,   &u->query,  &u->fragment};
  for (size_t i = 0; i < 7; i++)
    buf_free(bs[i]);
}

/* getScheme: the letters before ':' when they form a scheme. */
static size_t scheme_len(const char *s, size_t n, char *err, size_t cap)
{
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
      continue;
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
      if (i == 0)
        return 0;
      continue;
    }
    if (c == ':') {
      if (i == 0)
        snprintf(err, cap, "missing protocol scheme");
      return i;
    }
    return 0;
  }
  return 0;
}

/* net/url's validUserinfo */
static int valid_userinfo(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || (c && strchr("-._:~!$&'()*+,;=%@", c))))
      return 0;
  }
  return 1;
}

static int url_authority(struct url *u, const char *a, size_t n, char *err,
                         size_t cap)
{
  const char *at = NULL;
  for (size_t i = n; i > 0; i--)
    if (a[i - 1] == '@') {
      at = a + i - 1;
      break;
    }
  int rc = 0;
  if (at && !valid_userinfo(a, (size_t)(at - a))) {
    snprintf(err, cap, "net/url: invalid userinfo");
    return 1;
  }
  if (at) {
    u->has_user = 1;
    rc = url_unescape(&u->user, a, (size_t)(at - a), err, cap);
    n -= (size_t)(at - a) + 1;
    a = at + 1;
  }
  const char *colon = NULL;
  if (n && a[0] == '[' && !memchr(a, ']', n)) {
    snprintf(err, cap, "missing ']' in host");
    return 1;
  }
  for (size_t i = n; i > 0 && a[i - 1] != ']'; i--)
    if (a[i - 1] == ':') {
      colon = a + i - 1;
      break;
    }
  for (const char *p = colon ? colon + 1 : a + n; !rc && p < a + n; p++)
    if (*p < '0' || *p > '9') {
      snprintf(err, cap, "invalid port \"%.*s\" after host",
               (int)(a + n - colon), colon);
      rc = 1;
    }
  if (!rc)
    rc = url_unescape(&u->host, a, n, err, cap);
  return rc;
}

/* url.Parse for the usual forms; 1 and err set when Go would fail. */
static int url_parse(struct url *u, const char *s, size_t n, char *err,
                     size_t cap)
{
  const char *hash = memchr(s, '#', n);
  size_t main = hash ? (size_t)(hash - s) : n;
  int rc =
      hash ? url_unescape(&u->fragment, hash + 1, n - main - 1, err, cap) : 0;
  size_t sl = rc ? 0 : scheme_len(s, main, err, cap);
  if (err[0])
    return 1;
  for (size_t i = 0; !rc && i < sl; i++)
    rc = buf_putc(&u->scheme,
                  (char)(s[i] | (s[i] >= 'A' && s[i] <= 'Z' ? 0x20 : 0)));
  const char *rest = s + (sl ? sl + 1 : 0);
  size_t rn = main - (size_t)(rest - s);
  const char *q = memchr(rest, '?', rn);
  if (!rc && q) {
    rc = buf_append(&u->query, q + 1, rn - (size_t)(q - rest) - 1);
    rn = (size_t)(q - rest);
  }
  if (!rc && sl && (rn == 0 || rest[0] != '/'))
    return buf_append(&u->opaque, rest, rn);
  if (!rc && rn >= 2 && rest[0] == '/' && rest[1] == '/' &&
      (sl || rn < 3 || rest[2] != '/')) {
    const char *slash = memchr(rest + 2, '/', rn - 2);
    size_t an = slash ? (size_t)(slash - rest) - 2 : rn - 2;
    rc = url_authority(u, rest + 2, an, err, cap);
    rest += 2 + an;
    rn -= 2 + an;
  }
  return rc ? rc : url_unescape(&u->path, rest, rn, err, cap);
}

static int dict_str(struct json_object *m, const char *k, const char *v,
                    size_t n)
{
  struct json_object *s = json_object_new_string_len(v, (int)n);
  if (!s || json_object_object_add(m, k, s)) {
    json_object_put(s);
    return -ENOMEM;
  }
  return 0;
}

static const char *bufs(const struct buf *b)
{
  return b->data ? b->data : "";
}

/* URL.Hostname(): the host without port and IPv6 brackets. */
static void hostname(const struct buf *h, const char **s, size_t *n)
{
  const char *p = bufs(h);
  size_t len = h->len;
  const char *colon = NULL;
  for (size_t i = len; i > 0 && p[i - 1] != ']'; i--)
    if (p[i - 1] == ':') {
      colon = p + i - 1;
      break;
    }
  if (colon)
    len = (size_t)(colon - p);
  if (len >= 2 && p[0] == '[' && p[len - 1] == ']') {
    p++;
    len -= 2;
  }
  *s = p;
  *n = len;
}

static int url_dict(struct url *u, struct json_object *m)
{
  const char *hn;
  size_t hl;
  hostname(&u->host, &hn, &hl);
  int rc = dict_str(m, "scheme", bufs(&u->scheme), u->scheme.len);
  rc = rc ? rc : dict_str(m, "host", bufs(&u->host), u->host.len);
  rc = rc ? rc : dict_str(m, "hostname", hn, hl);
  rc = rc ? rc : dict_str(m, "path", bufs(&u->path), u->path.len);
  rc = rc ? rc : dict_str(m, "query", bufs(&u->query), u->query.len);
  rc = rc ? rc : dict_str(m, "opaque", bufs(&u->opaque), u->opaque.len);
  rc = rc ? rc : dict_str(m, "fragment", bufs(&u->fragment), u->fragment.len);
  struct buf ui;
  buf_init(&ui, 0);
  if (!rc && u->has_user) {
    const char *colon = memchr(bufs(&u->user), ':', u->user.len);
    size_t un = colon ? (size_t)(colon - bufs(&u->user)) : u->user.len;
    rc = url_escape(&ui, bufs(&u->user), un, U_USER);
    if (!rc && colon)
      rc = buf_putc(&ui, ':');
    if (!rc && colon)
      rc = url_escape(&ui, colon + 1, u->user.len - un - 1, U_USER);
  }
  rc = rc ? rc : dict_str(m, "userinfo", bufs(&ui), ui.len);
  buf_free(&ui);
  return rc;
}

TMPL__FN(fn_url_parse)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  struct url u;
  url_init(&u);
  char err[512] = "";
  int rc = url_parse(&u, s, n, err, sizeof err);
  struct json_object *m = NULL;
  if (rc == 1) {
    struct buf q;
    buf_init(&q, 0);
    tmpl_quote(&q, s, n);
    rc =
        tmpl_call_errorf(c, "unable to parse url: parse %s: %s", bufs(&q), err);
    buf_free(&q);
  } else if (!rc) {
    m = json_object_new_object();
    rc = m ? url_dict(&u, m) : -ENOMEM;
  }
  url_free(&u);
  if (rc) {
    json_object_put(m);
    return rc;
  }
  return tmpl__ret(out, m);
}

/* dictGetOrEmpty: a string field of the dict, or a panic. */
static int field(struct tmpl_call *c, struct json_object *d, const char *k,
                 const char **s, size_t *n)
{
  struct json_object *v;
  *s = "";
  *n = 0;
  if (!d || !json_object_object_get_ex(d, k, &v))
    return 0;
  if (!v)
    return tmpl_call_errorf(c, TMPL__NIL_DEREF);
  if (tmpl_val_kind(v) != TMPL_KIND_STRING)
    return tmpl_call_errorf(c,
                            "unable to parse %s key, must be of type "
                            "string, but %s found",
                            k, tmpl__kind_of(v));
  *s = json_object_get_string(v);
  *n = (size_t)json_object_get_string_len(v);
  return 0;
}

static int url_string(struct buf *b, const char *const *f, const size_t *fn,
                      const struct url *ui)
{
  /* f: scheme, host, path, query, opaque, fragment */
  int rc = 0;
  if (fn[0])
    rc = buf_printf(b, "%.*s:", (int)fn[0], f[0]);
  if (!rc && fn[4]) {
    rc = buf_append(b, f[4], fn[4]);
  } else if (!rc) {
    if (fn[0] || fn[1] || ui) {
      if (fn[1] || fn[2] || ui)
        rc = buf_puts(b, "//");
      if (!rc && ui) {
        const char *colon = memchr(bufs(&ui->user), ':', ui->user.len);
        size_t un = colon ? (size_t)(colon - bufs(&ui->user)) : ui->user.len;
        rc = url_escape(b, bufs(&ui->user), un, U_USER);
        if (!rc && colon)
          rc = buf_putc(b, ':');
        if (!rc && colon)
          rc = url_escape(b, colon + 1, ui->user.len - un - 1, U_USER);
        if (!rc)
          rc = buf_putc(b, '@');
      }
      if (!rc)
        rc = url_escape(b, f[1], fn[1], U_HOST);
    }
    if (!rc && fn[2] && f[2][0] != '/' && fn[1])
      rc = buf_putc(b, '/');
    if (!rc && b->len == 0) {
      const char *sl = memchr(f[2], '/', fn[2]);
      size_t seg = sl ? (size_t)(sl - f[2]) : fn[2];
      if (memchr(f[2], ':', seg))
        rc = buf_puts(b, "./");
    }
    if (!rc)
      rc = url_escape(b, f[2], fn[2], U_PATH);
  }
  if (!rc && fn[3])
    rc = buf_printf(b, "?%.*s", (int)fn[3], f[3]);
  if (!rc && fn[5]) {
    rc = buf_putc(b, '#');
    if (!rc)
      rc = url_escape(b, f[5], fn[5], U_FRAGMENT);
  }
  return rc ? rc : buf_append(b, "", 0);
}

TMPL__FN(fn_url_join)
{
  static const char *const keys[] = {"scheme", "host",     "path",    "query",
                                     "opaque", "fragment", "userinfo"};
  const char *f[7];
  size_t fn[7];
  for (int i = 0; i < 7; i++) {
    int rc = field(c, argv[0].o, keys[i], &f[i], &fn[i]);
    if (rc)
      return rc;
  }
  struct url u;
  url_init(&u);
  char err[512] = "";
  int rc = 0;
  if (fn[6]) { /* the userinfo, parsed as Go does: proto://INFO@host */
    struct buf t;
    buf_init(&t, 0);
    rc = buf_printf(&t, "proto://%.*s@host", (int)fn[6], f[6]);
    if (!rc && url_parse(&u, bufs(&t), t.len, err, sizeof err) == 1)
      rc = tmpl_call_errorf(c,
                            "unable to parse userinfo in dict: parse "
                            "\"%s\": %s",
                            bufs(&t), err);
    buf_free(&t);
  }
  struct buf b;
  buf_init(&b, 0);
  if (!rc)
    rc = url_string(&b, f, fn, fn[6] && u.has_user ? &u : NULL);
  url_free(&u);
  return tmpl__ret_buf(out, &b, rc);
}

/* ---- Not supported ---- */

TMPL__FN(fn_unsupported)
{
  return tmpl_call_errorf(c, "%s is not supported by iop", tmpl_call_name(c));
}

static const struct tmpl_func fns[] = {
    {"base", fn_base, "s", NULL},
    {"bcrypt", fn_unsupported, "s", NULL},
    {"buildCustomCert", fn_unsupported, "ss", NULL},
    {"clean", fn_clean, "s", NULL},
    {"decryptAES", fn_unsupported, "ss", NULL},
    {"derivePassword", fn_unsupported, "aaaaa", NULL},
    {"dir", fn_dir, "s", NULL},
    {"encryptAES", fn_unsupported, "ss", NULL},
    {"ext", fn_ext, "s", NULL},
    {"genCA", fn_unsupported, "si", NULL},
    {"genCAWithKey", fn_unsupported, "sis", NULL},
    {"genPrivateKey", fn_unsupported, "s", NULL},
    {"genSelfSignedCert", fn_unsupported, "slli", NULL},
    {"genSelfSignedCertWithKey", fn_unsupported, "sllis", NULL},
    {"genSignedCert", fn_unsupported, "sllia", NULL},
    {"genSignedCertWithKey", fn_unsupported, "sllias", NULL},
    {"getHostByName", fn_unsupported, "s", NULL},
    {"htpasswd", fn_unsupported, "ss", NULL},
    {"isAbs", fn_is_abs, "s", NULL},
    {"osBase", fn_base, "s", NULL},
    {"osClean", fn_clean, "s", NULL},
    {"osDir", fn_dir, "s", NULL},
    {"osExt", fn_ext, "s", NULL},
    {"osIsAbs", fn_is_abs, "s", NULL},
    {"urlJoin", fn_url_join, "m", NULL},
    {"urlParse", fn_url_parse, "s", NULL},
};

TMPL__TABLE(tmpl__sprig_misc_fns, fns);
