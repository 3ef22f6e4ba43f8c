/* kubeconfig: kubectl's rules for finding the API server (see kubeconfig.h).
 */
#include "kubeconfig.h"

#include "base64.h"
#include "buf.h"
#include "jobj.h"
#include "kyaml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KUBECONFIG_MAX_BYTES ((size_t)4 << 20)
#define MAX_FILES 64

/* One kubeconfig file, parsed, with the directory its paths are relative
 * to. */
struct file {
  char *path;
  char *dir;
  struct json_object *doc;
};

/* An entry found by name in the merged files (borrowed from the file). */
struct entry {
  struct json_object *val;
  const struct file *file;
};

struct merged {
  struct file files[MAX_FILES];
  int nfiles;
  const char *current_context;
  struct buf names; /* the files, for messages */
};

static const char *env(const struct kube_config_opts *o, const char *name)
{
  return o && o->getenv ? o->getenv(name) : getenv(name);
}

static char *dup_or_null(const char *s)
{
  return s ? strdup(s) : NULL;
}

static char *dir_of(const char *path)
{
  const char *slash = strrchr(path, '/');
  if (!slash)
    return strdup(".");
  if (slash == path)
    return strdup("/");
  return strndup(path, (size_t)(slash - path));
}

static char *read_whole(const char *path, size_t max, size_t *len,
                        struct err *e)
{
  FILE *f = fopen(path, "rb");
  if (!f) {
    err_set(e, -errno, "%s: %s", path, strerror(errno));
    return NULL;
  }
  struct buf b;
  buf_init(&b, max);
  char chunk[16384];
  size_t n;
  int rc = 0;
  while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
    rc = buf_append(&b, chunk, n);
  fclose(f);
  if (rc) {
    err_set(e, rc, "%s: larger than %zu bytes", path, max);
    buf_free(&b);
    return NULL;
  }
  *len = b.len;
  return buf_take(&b);
}

static int load_file(struct merged *m, const char *path, struct err *e)
{
  size_t len;
  char *text = read_whole(path, KUBECONFIG_MAX_BYTES, &len, e);
  if (!text)
    return e->code;
  struct kyaml_opts yo = {.name = path};
  struct json_object *doc = NULL;
  int rc = kyaml_parse(text, len, &yo, &doc, e);
  free(text);
  if (rc)
    return rc;
  if (doc && !jobj_is_obj(doc)) {
    json_object_put(doc);
    return err_set(e, -EINVAL, "%s: a kubeconfig must be a mapping", path);
  }
  struct file *f = &m->files[m->nfiles++];
  f->path = strdup(path);
  f->dir = dir_of(path);
  f->doc = doc;
  buf_printf(&m->names, "%s%s", m->names.len ? ", " : "", path);
  if (!m->current_context) {
    const char *cc = jobj_str(doc, "current-context");
    if (cc && *cc)
      m->current_context = cc;
  }
  return 0;
}

static int exists(const char *path)
{
  return access(path, F_OK) == 0;
}

/* The files kubectl would read, in order; none when it would go in-cluster.
 */
static int load_files(struct merged *m, const struct kube_config_opts *o,
                      struct err *e)
{
  if (o && o->kubeconfig)
    return load_file(m, o->kubeconfig, e);
  const char *list = env(o, "KUBECONFIG");
  if (list && *list) {
    char *copy = strdup(list), *save = NULL;
    int rc = 0;
    for (char *p = strtok_r(copy, ":", &save); p && !rc;
         p = strtok_r(NULL, ":", &save)) {
      if (exists(p) && m->nfiles < MAX_FILES)
        rc = load_file(m, p, e);
    }
    free(copy);
    return rc;
  }
  const char *home = env(o, "HOME");
  if (home && *home) {
    char path[4096];
    snprintf(path, sizeof path, "%s/.kube/config", home);
    if (exists(path))
      return load_file(m, path, e);
  }
  return 0;
}

/* Finds `name` in the list `section` (clusters, users, contexts); the first
 * file that defines it wins. */
static int find_entry(struct merged *m, const char *section, const char *field,
                      const char *name, struct entry *out)
{
  for (int i = 0; i < m->nfiles; i++) {
    struct json_object *list = jobj_arr(m->files[i].doc, section);
    size_t n = list ? json_object_array_length(list) : 0;
    for (size_t k = 0; k < n; k++) {
      struct json_object *item = json_object_array_get_idx(list, k);
      const char *item_name = jobj_str(item, "name");
      if (item_name && strcmp(item_name, name) == 0) {
        out->val = jobj_obj(item, field);
        out->file = &m->files[i];
        return 1;
      }
    }
  }
  return 0;
}

/* A path from a file, made absolute against the file's directory. */
static char *resolve_path(const struct file *f, const char *p)
{
  if (!p || !*p)
    return NULL;
  if (p[0] == '/')
    return strdup(p);
  char *out = malloc(strlen(f->dir) + strlen(p) + 2);
  if (out)
    sprintf(out, "%s/%s", f->dir, p);
  return out;
}

static int decode_data(const struct entry *en, const char *key, char **out,
                       size_t *len, struct err *e)
{
  const char *b64 = jobj_str(en->val, key);
  if (!b64 || !*b64)
    return 0;
  if (base64_decode(b64, strlen(b64), out, len) != 0)
    return err_set(e, -EINVAL, "%s: %s is not valid base64", en->file->path,
                   key);
  return 0;
}

static int apply_cluster(struct kube_config *c, const struct entry *en,
                         struct err *e)
{
  const char *server = jobj_str(en->val, "server");
  if (!server || !*server)
    return err_set(e, -EINVAL, "%s: cluster of context \"%s\" has no server",
                   en->file->path, c->context);
  c->server = strdup(server);
  size_t n = strlen(c->server);
  while (n > 0 && c->server[n - 1] == '/')
    c->server[--n] = '\0';
  c->ca_file =
      resolve_path(en->file, jobj_str(en->val, "certificate-authority"));
  c->insecure = jobj_bool(en->val, "insecure-skip-tls-verify", 0);
  c->tls_server_name = dup_or_null(jobj_str(en->val, "tls-server-name"));
  return decode_data(en, "certificate-authority-data", &c->ca_data,
                     &c->ca_data_len, e);
}

static char **string_list(struct json_object *arr)
{
  size_t n = arr ? json_object_array_length(arr) : 0;
  char **out = calloc(n + 1, sizeof *out);
  for (size_t i = 0; out && i < n; i++) {
    const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
    out[i] = strdup(s ? s : "");
  }
  return out;
}

static char **env_list(struct json_object *arr)
{
  size_t n = arr ? json_object_array_length(arr) : 0;
  char **out = calloc(n + 1, sizeof *out);
  for (size_t i = 0, k = 0; out && i < n; i++) {
    struct json_object *item = json_object_array_get_idx(arr, i);
    const char *name = jobj_str(item, "name"), *value = jobj_str(item, "value");
    if (!name)
      continue;
    out[k] = malloc(strlen(name) + strlen(value ? value : "") + 2);
    sprintf(out[k++], "%s=%s", name, value ? value : "");
  }
  return out;
}

static int apply_exec(struct kube_config *c, const struct entry *en,
                      struct json_object *x, struct err *e)
{
  const char *api = jobj_str(x, "apiVersion");
  const char *cmd = jobj_str(x, "command");
  if (!api || (strcmp(api, "client.authentication.k8s.io/v1") != 0 &&
               strcmp(api, "client.authentication.k8s.io/v1beta1") != 0))
    return err_set(e, -EINVAL,
                   "%s: user's exec plugin has apiVersion \"%s\"; "
                   "client.authentication.k8s.io/v1 or v1beta1 is supported",
                   en->file->path, api ? api : "");
  if (!cmd || !*cmd)
    return err_set(e, -EINVAL, "%s: user's exec plugin has no command",
                   en->file->path);
  struct kube_exec *ex = calloc(1, sizeof *ex);
  ex->api_version = strdup(api);
  /* A relative command with a slash is relative to the file, as kubectl. */
  ex->command = strchr(cmd, '/') && cmd[0] != '/' ? resolve_path(en->file, cmd)
                                                  : strdup(cmd);
  ex->args = string_list(jobj_arr(x, "args"));
  ex->env = env_list(jobj_arr(x, "env"));
  ex->install_hint = dup_or_null(jobj_str(x, "installHint"));
  ex->provide_cluster_info = jobj_bool(x, "provideClusterInfo", 0);
  c->exec = ex;
  return 0;
}

static int apply_user(struct kube_config *c, const struct entry *en,
                      struct err *e)
{
  struct json_object *u = en->val;
  struct json_object *provider = jobj_obj(u, "auth-provider");
  if (provider)
    return err_set(e, -ENOTSUP,
                   "%s: the user of context \"%s\" uses "
                   "auth-provider \"%s\", which was removed from kubectl; "
                   "use an exec plugin instead",
                   en->file->path, c->context,
                   jobj_str(provider, "name") ? jobj_str(provider, "name")
                                              : "");
  c->token = dup_or_null(jobj_str(u, "token"));
  c->token_file = resolve_path(en->file, jobj_str(u, "tokenFile"));
  c->cert_file = resolve_path(en->file, jobj_str(u, "client-certificate"));
  c->key_file = resolve_path(en->file, jobj_str(u, "client-key"));
  c->username = dup_or_null(jobj_str(u, "username"));
  c->password = dup_or_null(jobj_str(u, "password"));
  int rc = decode_data(en, "client-certificate-data", &c->cert_data,
                       &c->cert_data_len, e);
  if (!rc)
    rc = decode_data(en, "client-key-data", &c->key_data, &c->key_data_len, e);
  struct json_object *x = jobj_obj(u, "exec");
  if (!rc && x)
    rc = apply_exec(c, en, x, e);
  return rc;
}

static int from_context(struct merged *m, const struct kube_config_opts *o,
                        struct kube_config *c, struct err *e)
{
  const char *name = o && o->context ? o->context : m->current_context;
  if (!name)
    return err_set(e, -ENOENT,
                   "%s: current-context is not set (use "
                   "--context)",
                   m->names.data);
  c->context = strdup(name);
  struct entry ctx, cluster, user;
  if (!find_entry(m, "contexts", "context", name, &ctx) || !ctx.val)
    return err_set(e, -ENOENT, "context \"%s\" not found in %s", name,
                   m->names.data);
  const char *cname = jobj_str(ctx.val, "cluster");
  const char *uname = jobj_str(ctx.val, "user");
  if (!cname || !find_entry(m, "clusters", "cluster", cname, &cluster) ||
      !cluster.val)
    return err_set(e, -ENOENT,
                   "cluster \"%s\" of context \"%s\" not found "
                   "in %s",
                   cname ? cname : "", name, m->names.data);
  const char *ns = jobj_str(ctx.val, "namespace");
  c->namespace = strdup(ns && *ns ? ns : "default");
  int rc = apply_cluster(c, &cluster, e);
  if (rc || !uname || !*uname)
    return rc;
  if (!find_entry(m, "users", "user", uname, &user))
    return err_set(e, -ENOENT,
                   "user \"%s\" of context \"%s\" not found in "
                   "%s",
                   uname, name, m->names.data);
  return user.val ? apply_user(c, &user, e) : 0;
}

static int read_small(const char *path, char **out, size_t *len)
{
  struct err e;
  *out = read_whole(path, 1 << 20, len, &e);
  return *out ? 0 : e.code;
}

int kubeconfig_in_cluster(const struct kube_config_opts *o,
                          struct kube_config *c, struct err *e)
{
  const char *host = env(o, "KUBERNETES_SERVICE_HOST");
  const char *port = env(o, "KUBERNETES_SERVICE_PORT");
  const char *dir = o && o->sa_dir ? o->sa_dir : KUBE_SA_DIR;
  if (!host || !*host || !port || !*port)
    return err_set(e, -ENOENT,
                   "no kubeconfig found (set KUBECONFIG or "
                   "--kubeconfig) and not running in a cluster "
                   "(KUBERNETES_SERVICE_HOST is not set)");
  memset(c, 0, sizeof *c);
  char path[4096];
  c->server = malloc(strlen(host) + strlen(port) + 16);
  sprintf(c->server, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s",
          host, port);
  c->context = strdup("in-cluster");
  c->in_cluster = 1;
  snprintf(path, sizeof path, "%s/token", dir);
  if (!exists(path)) {
    kubeconfig_free(c);
    return err_set(e, -ENOENT,
                   "in-cluster: service-account token %s is "
                   "missing",
                   path);
  }
  c->token_file = strdup(path);
  /* Without the CA the server cannot be trusted; go on like client-go,
   * which then uses the system's roots. */
  snprintf(path, sizeof path, "%s/ca.crt", dir);
  c->ca_file = exists(path) ? strdup(path) : NULL;
  snprintf(path, sizeof path, "%s/namespace", dir);
  char *ns = NULL;
  size_t len = 0;
  if (read_small(path, &ns, &len) == 0) {
    while (len && (ns[len - 1] == '\n' || ns[len - 1] == ' '))
      ns[--len] = '\0';
  }
  c->namespace = ns && *ns ? ns : (free(ns), strdup("default"));
  if (o && o->namespace) {
    free(c->namespace);
    c->namespace = strdup(o->namespace);
  }
  return 0;
}

static void merged_free(struct merged *m)
{
  for (int i = 0; i < m->nfiles; i++) {
    free(m->files[i].path);
    free(m->files[i].dir);
    json_object_put(m->files[i].doc);
  }
  buf_free(&m->names);
}

static int has_contexts(struct merged *m)
{
  for (int i = 0; i < m->nfiles; i++)
    if (jobj_arr(m->files[i].doc, "contexts"))
      return 1;
  return 0;
}

int kubeconfig_load(const struct kube_config_opts *o, struct kube_config *c,
                    struct err *e)
{
  struct merged m;
  memset(&m, 0, sizeof m);
  memset(c, 0, sizeof *c);
  buf_init(&m.names, 0);
  int rc = load_files(&m, o, e);
  if (!rc && m.nfiles == 0)
    rc = kubeconfig_in_cluster(o, c, e);
  else if (!rc && !has_contexts(&m) && !(o && o->context) &&
           env(o, "KUBERNETES_SERVICE_HOST"))
    rc = kubeconfig_in_cluster(o, c, e); /* an empty config: as kubectl */
  else if (!rc)
    rc = from_context(&m, o, c, e);
  if (!rc && o && o->namespace && !c->in_cluster) {
    free(c->namespace);
    c->namespace = strdup(o->namespace);
  }
  if (!rc && o && o->server) {
    free(c->server);
    c->server = strdup(o->server);
  }
  merged_free(&m);
  if (rc)
    kubeconfig_free(c);
  return rc;
}

static void free_list(char **l)
{
  for (char **p = l; p && *p; p++)
    free(*p);
  free(l);
}

void kubeconfig_free(struct kube_config *c)
{
  free(c->server);
  free(c->context);
  free(c->namespace);
  free(c->ca_file);
  free(c->ca_data);
  free(c->tls_server_name);
  free(c->cert_file);
  free(c->key_file);
  free(c->cert_data);
  free(c->key_data);
  free(c->token);
  free(c->token_file);
  free(c->username);
  free(c->password);
  if (c->exec) {
    free(c->exec->api_version);
    free(c->exec->command);
    free_list(c->exec->args);
    free_list(c->exec->env);
    free(c->exec->install_hint);
    free(c->exec);
  }
  memset(c, 0, sizeof *c);
}
