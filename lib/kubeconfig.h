/* kubeconfig: where the API server is and how to authenticate, found the
 * way kubectl finds it.
 *
 * Precedence: an explicit --kubeconfig file; else $KUBECONFIG (a list of
 * files merged: the first file to set a cluster, user, context or the
 * current context wins; missing files are skipped); else ~/.kube/config;
 * else the in-cluster service account. --context picks a context other than
 * the current one. Paths inside a file are relative to that file. */
#ifndef IOP_KUBECONFIG_H
#define IOP_KUBECONFIG_H

#include "err.h"

#include <stddef.h>

struct kube_exec {
  char *api_version; /* client.authentication.k8s.io/v1 or v1beta1 */
  char *command;
  char **args; /* NULL-terminated */
  char **env;  /* NULL-terminated "NAME=value" */
  char *install_hint;
  int provide_cluster_info;
};

struct kube_config {
  char *server;    /* https://host:port, no trailing slash */
  char *context;   /* the context used, or "in-cluster" */
  char *namespace; /* the context's namespace, "default" if unset */
  /* TLS */
  char *ca_file;
  char *ca_data; /* PEM, decoded from base64 */
  size_t ca_data_len;
  int insecure; /* insecure-skip-tls-verify */
  char *tls_server_name;
  char *cert_file;
  char *key_file;
  char *cert_data; /* PEM */
  size_t cert_data_len;
  char *key_data; /* PEM */
  size_t key_data_len;
  /* credentials */
  char *token;
  char *token_file; /* re-read when it changes (rotation) */
  struct kube_exec *exec;
  char *username; /* basic auth, for completeness */
  char *password;
  int in_cluster;
};

struct kube_config_opts {
  const char *kubeconfig; /* --kubeconfig: this file only */
  const char *context;    /* --context */
  const char *namespace;  /* --namespace overrides the context's */
  const char *server;     /* --server overrides the cluster's */
  /* For tests: the service-account directory used in-cluster, and the
   * environment lookups; NULL means the real ones. */
  const char *sa_dir;
  const char *(*getenv)(const char *name);
};

#define KUBE_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* Loads the configuration; errors name the file and the entry. */
int kubeconfig_load(const struct kube_config_opts *opts,
                    struct kube_config *out, struct err *e);
/* In-cluster only (KUBERNETES_SERVICE_HOST/PORT and the SA files). */
int kubeconfig_in_cluster(const struct kube_config_opts *opts,
                          struct kube_config *out, struct err *e);
void kubeconfig_free(struct kube_config *c);

#endif
