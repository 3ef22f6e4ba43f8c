/* What the cluster-facing commands share (see cmd_common.c). */
#ifndef IOP_CMD_COMMON_H
#define IOP_CMD_COMMON_H

#include "kube.h"
#include "kubeconfig.h"

#include <json-c/json.h>
#include <stdint.h>
#include <uv.h>

struct cmd_cluster {
  struct kube_config_opts cfg; /* --kubeconfig, --context */
  uv_loop_t loop;
  struct kube_client *client;
  int connected;
};

/* Connects (printing a one-line error and returning 1 on failure). */
int cmd_connect(struct cmd_cluster *cl);
void cmd_disconnect(struct cmd_cluster *cl);

/* The live version of obj (NULL when absent, *rc 0); on other errors *rc
 * is negative and err_out (if given) holds the result to print. */
struct json_object *cmd_get(struct cmd_cluster *cl, struct json_object *obj,
                            struct kube_result *err_out, int *rc);
/* Prints an API error as kubectl does; returns 1. */
int cmd_report(const struct kube_result *res);
void cmd_sleep(struct cmd_cluster *cl, unsigned ms);
/* Polls until ready(live) or the timeout; -ETIMEDOUT with `why` set. */
int cmd_wait(struct cmd_cluster *cl, struct json_object *obj,
             unsigned timeout_s,
             int (*ready)(struct json_object *live, char *why, size_t n),
             char *why, size_t n);
/* A Namespace object named ns (the caller owns it). */
struct json_object *cmd_namespace_object(const char *ns);
/* Creates the namespace when it is missing. */
int cmd_ensure_namespace(struct cmd_cluster *cl, const char *ns, int dry_run);
/* Prints objects as YAML documents, or a JSON List. */
int cmd_print_objects(struct json_object *objs, int json);
/* "Kind:namespace:name". */
const char *cmd_object_id(struct json_object *obj, char *buf, size_t n);

/* The inputs of a render, as istioctl's manifest generate, install and
 * verify-install take them: -f (comma lists, repeatable), --set, the
 * aliases -d/--manifests and -r/--revision, --force. */
#define CMD_MAX_INPUTS 64
struct cmd_inputs {
  char *files[CMD_MAX_INPUTS];
  int nfiles;
  const char *sets[CMD_MAX_INPUTS + 2];
  int nsets;
  const char *manifests;
  const char *revision;
  int force;
  char alias_dir[4200];
  char alias_rev[256];
};
/* Handles one of f, s, d, r and 'F' (--force); returns 1 if ch was one,
 * -1 on a bad argument (message printed), 0 otherwise. */
int cmd_inputs_option(struct cmd_inputs *in, int ch, const char *arg);
void cmd_inputs_free(struct cmd_inputs *in);

struct generate_result;
/* Renders as istioctl does (aliases appended after --set, as istioctl
 * does); prints a one-line error and returns 1 on failure. kube_version
 * may be NULL (the renderer's default). */
int cmd_render(struct cmd_inputs *in, const char *kube_version,
               struct generate_result *out);
/* The server's gitVersion; prints the error and returns 1 on failure. */
int cmd_server_version(struct cmd_cluster *cl, char *out, size_t n);

/* Asks question and reads the answer from stdin; returns 1 for y or yes.
 * A closed stdin answers no. */
int cmd_confirm(const char *question);

/* Go's time.ParseDuration for what users write (300s, 5m, 1h30m, 1.5s,
 * 500ms; a bare 0): milliseconds, or -1. */
int64_t cmd_parse_duration_ms(const char *s);
/* The same in whole seconds, rounded up; -1 when invalid. */
int cmd_parse_seconds(const char *s);

#endif
