/* The forwarding half of curlload.h. Each curl_* below has libcurl's own
 * signature so <curl/curl.h>'s type checks still apply to every caller;
 * the variadic ones pass their one argument on with the type libcurl's
 * option numbering says it has (CURLOPTTYPE_* ranges). */
#include "curlload.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* <curl/curl.h> wraps these in type-checking macros under GCC. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt

#define CURL_SONAME "libcurl.so.4"

typedef void (*any_fn)(void);

static struct {
  CURLcode (*global_init)(long);
  CURL *(*easy_init)(void);
  CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
  CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
  CURLcode (*easy_perform)(CURL *);
  void (*easy_cleanup)(CURL *);
  const char *(*easy_strerror)(CURLcode);
  CURLHcode (*easy_header)(CURL *, const char *, size_t, unsigned int, int,
                           struct curl_header **);
  struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
  void (*slist_free_all)(struct curl_slist *);
  CURLM *(*multi_init)(void);
  CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
  CURLMcode (*multi_add_handle)(CURLM *, CURL *);
  CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
  CURLMcode (*multi_socket_action)(CURLM *, curl_socket_t, int, int *);
  CURLMcode (*multi_assign)(CURLM *, curl_socket_t, void *);
  CURLMsg *(*multi_info_read)(CURLM *, int *);
  CURLMcode (*multi_cleanup)(CURLM *);
} fn;

static struct {
  const char *name;
  void *slot;
} const symbols[] = {
    {"curl_global_init", &fn.global_init},
    {"curl_easy_init", &fn.easy_init},
    {"curl_easy_setopt", &fn.easy_setopt},
    {"curl_easy_getinfo", &fn.easy_getinfo},
    {"curl_easy_perform", &fn.easy_perform},
    {"curl_easy_cleanup", &fn.easy_cleanup},
    {"curl_easy_strerror", &fn.easy_strerror},
    {"curl_easy_header", &fn.easy_header},
    {"curl_slist_append", &fn.slist_append},
    {"curl_slist_free_all", &fn.slist_free_all},
    {"curl_multi_init", &fn.multi_init},
    {"curl_multi_setopt", &fn.multi_setopt},
    {"curl_multi_add_handle", &fn.multi_add_handle},
    {"curl_multi_remove_handle", &fn.multi_remove_handle},
    {"curl_multi_socket_action", &fn.multi_socket_action},
    {"curl_multi_assign", &fn.multi_assign},
    {"curl_multi_info_read", &fn.multi_info_read},
    {"curl_multi_cleanup", &fn.multi_cleanup},
};

static char load_error[512];

/* dlsym() returns void *; POSIX guarantees it converts to a function
 * pointer, which memcpy does without a cast ISO C frowns on. */
static void load_once(void)
{
  void *lib = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    snprintf(load_error, sizeof load_error,
             "cannot load %s, which iop needs to talk to a cluster "
             "(Debian package libcurl4): %s",
             CURL_SONAME, dlerror());
    return;
  }
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
    void *sym = dlsym(lib, symbols[i].name);
    if (!sym) {
      snprintf(load_error, sizeof load_error,
               "%s has no %s: libcurl 7.84 or newer is needed", CURL_SONAME,
               symbols[i].name);
      return;
    }
    memcpy(symbols[i].slot, &sym, sizeof sym);
  }
}

int curl_load(struct err *e)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, load_once);
  if (load_error[0])
    return err_set(e, -ELIBACC, "%s", load_error);
  return 0;
}

CURLcode curl_global_init(long flags)
{
  return fn.global_init(flags);
}

CURL *curl_easy_init(void)
{
  return fn.easy_init();
}

CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
  va_list ap;
  CURLcode rc;
  va_start(ap, opt);
  if (opt < CURLOPTTYPE_OBJECTPOINT)
    rc = fn.easy_setopt(h, opt, va_arg(ap, long));
  else if (opt >= CURLOPTTYPE_FUNCTIONPOINT && opt < CURLOPTTYPE_OFF_T)
    rc = fn.easy_setopt(h, opt, va_arg(ap, any_fn));
  else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
    rc = fn.easy_setopt(h, opt, va_arg(ap, curl_off_t));
  else
    rc = fn.easy_setopt(h, opt, va_arg(ap, void *));
  va_end(ap);
  return rc;
}

/* Every CURLINFO_* takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
  va_list ap;
  va_start(ap, info);
  CURLcode rc = fn.easy_getinfo(h, info, va_arg(ap, void *));
  va_end(ap);
  return rc;
}

CURLcode curl_easy_perform(CURL *h)
{
  return fn.easy_perform(h);
}

void curl_easy_cleanup(CURL *h)
{
  fn.easy_cleanup(h);
}

const char *curl_easy_strerror(CURLcode code)
{
  return fn.easy_strerror(code);
}

CURLHcode curl_easy_header(CURL *h, const char *name, size_t index,
                           unsigned int origin, int request,
                           struct curl_header **hout)
{
  return fn.easy_header(h, name, index, origin, request, hout);
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s)
{
  return fn.slist_append(list, s);
}

void curl_slist_free_all(struct curl_slist *list)
{
  fn.slist_free_all(list);
}

CURLM *curl_multi_init(void)
{
  return fn.multi_init();
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
  va_list ap;
  CURLMcode rc;
  va_start(ap, opt);
  if (opt < CURLOPTTYPE_OBJECTPOINT)
    rc = fn.multi_setopt(m, opt, va_arg(ap, long));
  else if (opt >= CURLOPTTYPE_FUNCTIONPOINT && opt < CURLOPTTYPE_OFF_T)
    rc = fn.multi_setopt(m, opt, va_arg(ap, any_fn));
  else if (opt >= CURLOPTTYPE_OFF_T)
    rc = fn.multi_setopt(m, opt, va_arg(ap, curl_off_t));
  else
    rc = fn.multi_setopt(m, opt, va_arg(ap, void *));
  va_end(ap);
  return rc;
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *h)
{
  return fn.multi_add_handle(m, h);
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h)
{
  return fn.multi_remove_handle(m, h);
}

CURLMcode curl_multi_socket_action(CURLM *m, curl_socket_t s, int mask,
                                   int *running)
{
  return fn.multi_socket_action(m, s, mask, running);
}

CURLMcode curl_multi_assign(CURLM *m, curl_socket_t s, void *p)
{
  return fn.multi_assign(m, s, p);
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
  return fn.multi_info_read(m, left);
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
  return fn.multi_cleanup(m);
}
