/* What iop install, uninstall and verify-install share: one run's state
 * and the steps that talk to the cluster (cmd_install_apply.c). */
#ifndef IOP_CMD_INSTALL_H
#define IOP_CMD_INSTALL_H

#include "apply.h"
#include "cmd_common.h"
#include "generate.h"
#include "opmanifest.h"

struct install_run {
  struct cmd_cluster cl;
  struct cmd_inputs in;
  int yes, dry_run, skip_wait;
  int timeout_s;
  struct generate_result r;
  int rendered;
  struct apply_owner owner;
  struct json_object *wanted; /* apply_key -> 1, what this run renders */
  int created, changed, pruned;
};

/* Applies objects (rendered, of one component) unless the cluster already
 * holds them; with dry_run prints what would be created or changed.
 * Returns 0, or 1 after printing each failure. */
int install_apply_objects(struct install_run *ir, struct json_object *objs,
                          const char *component);
/* Waits up to timeout_s until obj is ready (apply_ready); 1 with a
 * message naming the whole wait (total_s) on timeout. */
int install_wait_object(struct install_run *ir, struct json_object *obj,
                        unsigned timeout_s, unsigned total_s);
/* Dry run: notes a namespace that would be created. */
int install_note_namespace(struct install_run *ir, const char *ns);

/* Istio's objects that iop applied: our managed label and a component,
 * but not the operator's own objects (iop operator remove's business). */
#define INSTALL_ISTIO_SELECTOR                                                 \
  LABEL_MANAGED "=Reconcile," LABEL_COMPONENT "," LABEL_COMPONENT              \
                "!=" OPMANIFEST_COMPONENT

/* The label selector of objects installed for owner: our managed label,
 * a component, the revision, and the owner's name when it has one. */
void install_owner_selector(const struct apply_owner *owner, char *out,
                            size_t n);
/* Calls fn for every object of kind k (in the first version the server
 * serves) matching selector. Returns 0, or 1 after printing an error. */
int install_foreach_of_kind(struct cmd_cluster *cl, const struct apply_kind *k,
                            const char *selector,
                            void (*fn)(struct json_object *obj, void *data),
                            void *data);
/* Calls fn for every object of a prunable kind matching selector (each
 * object once, in the first version the server serves). Returns 0, or 1
 * after printing an error. */
int install_foreach_owned(struct cmd_cluster *cl, const char *selector,
                          void (*fn)(struct json_object *obj, void *data),
                          void *data);
/* Deletes what owner installed before that this run does not render. */
int install_prune(struct install_run *ir);
/* Deletes obj (uid precondition); prints "Removed ..." or the error. */
int install_delete(struct cmd_cluster *cl, struct json_object *obj,
                   int dry_run);

#endif
