/* kubeauth: the Authorization header of each request.
 *
 * Static tokens and basic auth are fixed. A token file (in-cluster, or
 * tokenFile in a kubeconfig) is re-read whenever it changes on disk, so a
 * rotated service-account token is used at once. An exec plugin
 * (client.authentication.k8s.io v1/v1beta1, as EKS, GKE and AKS use) runs as
 * a child process on the loop; calls wait for it, and its credential is kept
 * until it expires or the server answers 401. */
#include "kube_int.h"

#include "base64.h"
#include "buf.h"
#include "jobj.h"
#include "kjson.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define PLUGIN_OUTPUT_MAX (1 << 20)
#define TOKEN_FILE_MAX (64 << 10)

extern char **environ;

struct retired {
  char *p;
  struct retired *next;
};

struct kubeauth {
  struct kube_client *c;
  /* token file */
  char *file_token;
  struct timespec file_mtime; /* with inode and size: a file replaced */
  ino_t file_ino;             /* within one clock tick is still noticed */
  off_t file_size;
  int file_stale;
  /* exec plugin */
  char *exec_token;
  time_t exec_expiry; /* 0: no expiry */
  int exec_valid;
  int running;     /* the handles below are in use (or closing) */
  int child_alive; /* spawned and not yet exited: may be killed */
  uv_process_t proc;
  uv_pipe_t out;
  int open_handles;
  int exit_status;
  int spawn_error; /* uv_spawn's error, reported once both close */
  struct buf output;
  struct kube_call *waiting;
  struct retired *retired; /* certificates that requests may still use */
  int closing;
};

int kubeauth_new(struct kube_client *c, struct kubeauth **out, struct err *e)
{
  struct kubeauth *a = calloc(1, sizeof *a);
  if (!a)
    return err_set(e, -ENOMEM, "out of memory");
  a->c = c;
  a->file_stale = 1;
  buf_init(&a->output, PLUGIN_OUTPUT_MAX);
  *out = a;
  return 0;
}

static void retire(struct kubeauth *a, char *p)
{
  struct retired *r = malloc(sizeof *r);
  if (!r) {
    return; /* leak rather than free memory a request may read */
  }
  r->p = p;
  r->next = a->retired;
  a->retired = r;
}

static void free_auth(struct kubeauth *a)
{
  while (a->retired) {
    struct retired *r = a->retired;
    a->retired = r->next;
    free(r->p);
    free(r);
  }
  free(a->file_token);
  free(a->exec_token);
  buf_free(&a->output);
  free(a);
}

static void resume_waiting(struct kubeauth *a, int rc, struct err *e)
{
  struct kube_call *call = a->waiting;
  a->waiting = NULL;
  while (call) {
    struct kube_call *next = call->qnext;
    call->qnext = NULL;
    kube__call_auth_ready(call, rc, e);
    call = next;
  }
}

void kubeauth_free(struct kubeauth *a)
{
  if (!a)
    return;
  a->closing = 1;
  struct err e;
  err_set(&e, -ECANCELED, "client closed");
  resume_waiting(a, -ECANCELED, &e);
  if (a->running) {
    if (a->child_alive)
      uv_process_kill(&a->proc, SIGKILL);
    return; /* freed when the child's handles close */
  }
  free_auth(a);
}

static char *bearer(const char *token)
{
  struct buf b;
  buf_init(&b, 0);
  buf_printf(&b, "Authorization: Bearer %s", token);
  return buf_take(&b);
}

/* Re-reads the token file when it changed (time, inode or size). */
static int file_token(struct kubeauth *a, const char *path, struct err *e)
{
  struct stat st;
  if (stat(path, &st) != 0)
    return err_set(e, -errno, "token file %s: %s", path, strerror(errno));
  if (!a->file_stale && a->file_token &&
      st.st_mtim.tv_sec == a->file_mtime.tv_sec &&
      st.st_mtim.tv_nsec == a->file_mtime.tv_nsec && st.st_ino == a->file_ino &&
      st.st_size == a->file_size)
    return 0;
  FILE *f = fopen(path, "rb");
  if (!f)
    return err_set(e, -errno, "token file %s: %s", path, strerror(errno));
  char *tok = calloc(1, TOKEN_FILE_MAX + 1);
  size_t n = tok ? fread(tok, 1, TOKEN_FILE_MAX, f) : 0;
  fclose(f);
  if (!tok)
    return err_set(e, -ENOMEM, "out of memory");
  while (n && (tok[n - 1] == '\n' || tok[n - 1] == '\r' || tok[n - 1] == ' '))
    tok[--n] = '\0';
  free(a->file_token);
  a->file_token = tok;
  a->file_mtime = st.st_mtim;
  a->file_ino = st.st_ino;
  a->file_size = st.st_size;
  a->file_stale = 0;
  return 0;
}

static int basic(const struct kube_config *k, char **value)
{
  struct buf b;
  buf_init(&b, 0);
  buf_printf(&b, "%s:%s", k->username, k->password ? k->password : "");
  char *enc = base64_encode(b.data, b.len);
  buf_reset(&b);
  buf_printf(&b, "Authorization: Basic %s", enc ? enc : "");
  free(enc);
  *value = buf_take(&b);
  return 0;
}

static int start_plugin(struct kubeauth *a, struct err *e);

int kubeauth_header(struct kubeauth *a, struct kube_call *call, char **value,
                    struct err *e)
{
  const struct kube_config *k = &a->c->cfg;
  *value = NULL;
  if (k->exec) {
    /* A credential fetched for this very call is used even if it expires
     * soon (or already has): asking again would loop. */
    int expired = a->exec_expiry && time(NULL) >= a->exec_expiry - 10 &&
                  !call->auth_fresh;
    if (!a->exec_valid || expired) {
      if (!a->running) {
        int rc = start_plugin(a, e);
        if (rc)
          return rc;
      }
      call->qnext = a->waiting;
      a->waiting = call;
      return 1;
    }
    *value = a->exec_token ? bearer(a->exec_token) : NULL;
    return 0;
  }
  if (k->token && *k->token) {
    *value = bearer(k->token);
    return 0;
  }
  if (k->token_file) {
    int rc = file_token(a, k->token_file, e);
    if (rc)
      return rc;
    *value = bearer(a->file_token);
    return 0;
  }
  if (k->username)
    return basic(k, value);
  return 0;
}

int kubeauth_invalidate(struct kubeauth *a)
{
  const struct kube_config *k = &a->c->cfg;
  if (k->exec) {
    a->exec_valid = 0;
    return 1;
  }
  if (k->token_file && !(k->token && *k->token)) {
    a->file_stale = 1;
    return 1;
  }
  return 0;
}

/* ---- the exec plugin ---- */

/* RFC 3339 "2026-11-23T16:00:00Z" (fractions and offsets allowed). */
static time_t parse_time(const char *s)
{
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  int off_h = 0, off_m = 0;
  char sign = 0;
  if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
             &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const char *z = s + 19;
  while (*z == '.' || (*z >= '0' && *z <= '9'))
    z++;
  if ((*z == '+' || *z == '-') && sscanf(z + 1, "%2d:%2d", &off_h, &off_m) == 2)
    sign = *z;
  time_t t = timegm(&tm);
  if (sign)
    t += (sign == '+' ? -1 : 1) * (off_h * 3600 + off_m * 60);
  return t;
}

static void set_plugin_certs(struct kubeauth *a, const char *cert,
                             const char *key)
{
  struct kube_client *c = a->c;
  /* Requests queued before this one may still read the old PEM. */
  retire(a, c->cfg.cert_data);
  retire(a, c->cfg.key_data);
  c->cfg.cert_data = strdup(cert);
  c->cfg.cert_data_len = strlen(cert);
  c->cfg.key_data = strdup(key);
  c->cfg.key_data_len = strlen(key);
  c->conn.cert_data = c->cfg.cert_data;
  c->conn.cert_data_len = c->cfg.cert_data_len;
  c->conn.key_data = c->cfg.key_data;
  c->conn.key_data_len = c->cfg.key_data_len;
}

static int read_credential(struct kubeauth *a, struct err *e)
{
  const struct kube_exec *x = a->c->cfg.exec;
  struct json_object *o = NULL;
  if (kjson_parse(a->output.data ? a->output.data : "", a->output.len,
                  "exec plugin output", &o, e) != 0)
    return err_wrap(e, "exec plugin %s", x->command);
  const char *kind = jobj_str(o, "kind");
  const char *api = jobj_str(o, "apiVersion");
  struct json_object *st = jobj_obj(o, "status");
  int rc = 0;
  if (!kind || strcmp(kind, "ExecCredential") != 0 || !api ||
      strcmp(api, x->api_version) != 0 || !st) {
    rc = err_set(e, -EINVAL,
                 "exec plugin %s: output is not an "
                 "ExecCredential of %s with a status",
                 x->command, x->api_version);
  } else {
    const char *token = jobj_str(st, "token");
    const char *cert = jobj_str(st, "clientCertificateData");
    const char *key = jobj_str(st, "clientKeyData");
    const char *exp = jobj_str(st, "expirationTimestamp");
    if (!(token && *token) && !(cert && key)) {
      rc = err_set(e, -EINVAL,
                   "exec plugin %s: status has neither a token "
                   "nor clientCertificateData and clientKeyData",
                   x->command);
    } else {
      free(a->exec_token);
      a->exec_token = token && *token ? strdup(token) : NULL;
      if (cert && key)
        set_plugin_certs(a, cert, key);
      a->exec_expiry = exp ? parse_time(exp) : 0;
      a->exec_valid = 1;
    }
  }
  json_object_put(o);
  return rc;
}

static void on_child_closed(uv_handle_t *h)
{
  struct kubeauth *a = h->data;
  if (--a->open_handles > 0)
    return;
  a->running = 0;
  if (a->closing) {
    free_auth(a);
    return;
  }
  struct err e;
  err_clear(&e);
  const struct kube_exec *x = a->c->cfg.exec;
  int rc;
  if (a->spawn_error)
    rc = err_set(&e, a->spawn_error == UV_ENOENT ? -ENOENT : -EIO,
                 "exec plugin %s: %s%s%s", x->command,
                 uv_strerror(a->spawn_error), x->install_hint ? ". " : "",
                 x->install_hint ? x->install_hint : "");
  else if (a->exit_status != 0)
    rc = err_set(&e, -EACCES, "exec plugin %s exited with status %d%s%s",
                 x->command, a->exit_status, x->install_hint ? ": " : "",
                 x->install_hint ? x->install_hint : "");
  else
    rc = read_credential(a, &e);
  resume_waiting(a, rc, &e);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
  struct kubeauth *a = p->data;
  a->child_alive = 0;
  a->exit_status = sig ? 128 + sig : (int)status;
  uv_close((uv_handle_t *)p, on_child_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
  static char chunk[65536];
  (void)h;
  (void)suggested;
  /* One read at a time on the loop, so one static chunk is enough. */
  *b = uv_buf_init(chunk, sizeof chunk);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
  struct kubeauth *a = s->data;
  if (n > 0 && buf_append(&a->output, b->base, (size_t)n) != 0)
    n = UV_ENOBUFS;
  if (n < 0)
    uv_close((uv_handle_t *)s, on_child_closed);
}

/* Whether "NAME=value" sets a variable that one of list sets too. */
static int overridden(const char *var, char *const *list, size_t n)
{
  size_t len = strcspn(var, "=");
  for (size_t i = 0; i < n; i++)
    if (strncmp(list[i], var, len) == 0 && list[i][len] == '=')
      return 1;
  return 0;
}

/* KUBERNETES_EXEC_INFO and the plugin's own variables on top of ours: a
 * variable the kubeconfig sets replaces ours (getenv would find the first
 * of two). */
static char **plugin_env(const struct kube_exec *x)
{
  size_t n = 0, m = 0;
  while (environ[n])
    n++;
  while (x->env && x->env[m])
    m++;
  char **env = calloc(n + m + 2, sizeof *env);
  if (!env)
    return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!overridden(environ[i], x->env, m) &&
        strncmp(environ[i], "KUBERNETES_EXEC_INFO=", 21) != 0)
      env[k++] = environ[i];
  for (size_t i = 0; i < m; i++)
    env[k++] = x->env[i];
  static char info[512];
  snprintf(info, sizeof info,
           "KUBERNETES_EXEC_INFO={\"apiVersion\":\"%s\",\"kind\":"
           "\"ExecCredential\",\"spec\":{\"interactive\":false}}",
           x->api_version);
  env[k++] = info;
  return env;
}

static char **plugin_args(const struct kube_exec *x)
{
  size_t n = 0;
  while (x->args && x->args[n])
    n++;
  char **args = calloc(n + 2, sizeof *args);
  if (!args)
    return NULL;
  args[0] = x->command;
  for (size_t i = 0; i < n; i++)
    args[i + 1] = x->args[i];
  return args;
}

/* Runs the plugin; its result, or why it could not run, reaches the
 * waiting calls once both handles are closed (on_child_closed). */
static int start_plugin(struct kubeauth *a, struct err *e)
{
  const struct kube_exec *x = a->c->cfg.exec;
  uv_loop_t *loop = a->c->loop;
  buf_reset(&a->output);
  a->spawn_error = 0;
  a->exit_status = 0;
  if (uv_pipe_init(loop, &a->out, 0) != 0)
    return err_set(e, -ENOMEM, "exec plugin %s: cannot make a pipe",
                   x->command);
  a->out.data = a;
  uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE},
                                   {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE,
                                    .data.stream = (uv_stream_t *)&a->out},
                                   {.flags = UV_INHERIT_FD, .data.fd = 2}};
  char **args = plugin_args(x), **env = plugin_env(x);
  uv_process_options_t po = {.exit_cb = on_exit_cb,
                             .file = x->command,
                             .args = args,
                             .env = env,
                             .stdio_count = 3,
                             .stdio = stdio};
  a->proc.data = a;
  /* uv_spawn initialises the process handle even when it fails: it must be
   * closed either way, like the pipe. */
  int spawned = args && env;
  int rc = spawned ? uv_spawn(loop, &a->proc, &po) : UV_ENOMEM;
  free(args);
  free(env);
  a->running = 1;
  a->open_handles = spawned ? 2 : 1;
  if (rc) {
    a->spawn_error = rc;
    if (spawned)
      uv_close((uv_handle_t *)&a->proc, on_child_closed);
    uv_close((uv_handle_t *)&a->out, on_child_closed);
    return 0;
  }
  a->child_alive = 1;
  uv_read_start((uv_stream_t *)&a->out, on_alloc, on_read);
  return 0;
}
