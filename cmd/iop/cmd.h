/* The subcommands of iop. main.c dispatches to them; each one parses its
 * own flags and calls into lib/. They return the process exit code. */
#ifndef IOP_CMD_H
#define IOP_CMD_H

#include <stddef.h>

struct cmd {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
};

int cmd_version(int argc, char **argv);
int cmd_yaml(int argc, char **argv);
int cmd_kube(int argc, char **argv);
int cmd_operator(int argc, char **argv);
int cmd_manifest(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_server(int argc, char **argv);
int cmd_install(int argc, char **argv);
int cmd_uninstall(int argc, char **argv);
int cmd_verify_install(int argc, char **argv);

/* Where an Istio release's manifests/ is when none is given:
 * $IOP_MANIFESTS, else the directory baked into the image. */
const char *cmd_default_manifests(void);
int cmd_template(int argc, char **argv);

/* Reads a whole file ("-" is stdin) with a size ceiling; prints a one-line
 * error naming the file and returns NULL on failure. */
char *cmd_read_file(const char *path, size_t max, size_t *len);

#endif
