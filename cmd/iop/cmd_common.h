/* What the cluster-facing commands share (see cmd_common.c). */
#ifndef IOP_CMD_COMMON_H
#define IOP_CMD_COMMON_H

#include "kube.h"
#include "kubeconfig.h"

#include <json-c/json.h>
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
int cmd_wait(struct cmd_cluster *cl, struct json_object *obj, unsigned timeout_s,
             int (*ready)(struct json_object *live, char *why, size_t n),
             char *why, size_t n);
/* Creates the namespace when it is missing. */
int cmd_ensure_namespace(struct cmd_cluster *cl, const char *ns, int dry_run);
/* Prints objects as YAML documents, or a JSON List. */
int cmd_print_objects(struct json_object *objs, int json);
/* "Kind:namespace:name". */
const char *cmd_object_id(struct json_object *obj, char *buf, size_t n);

#endif
