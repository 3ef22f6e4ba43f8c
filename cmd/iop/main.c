/* iop: the IstioOperator controller and installer. Dispatches subcommands. */
#include "cmd.h"

#include "log.h"

#include <stdio.h>
#include <string.h>

static const struct cmd commands[] = {
    {"version", cmd_version, "Print the version of iop"},
    {"yaml", cmd_yaml,
     "Read YAML or JSON and print it as kubectl and istioctl do"},
    {"kube", cmd_kube, "Get, list, apply, delete and watch Kubernetes objects"},
    {"manifest", cmd_manifest,
     "Generate the objects an IstioOperator installs (manifest generate)"},
    {"profile", cmd_profile,
     "List, dump and compare Istio's configuration profiles"},
    {"operator", cmd_operator,
     "Install, remove or print the iop operator (init, remove, dump)"},
    {"install", cmd_install,
     "Install Istio from an IstioOperator, without an operator"},
    {"uninstall", cmd_uninstall,
     "Remove what iop install or the operator installed"},
    {"verify-install", cmd_verify_install,
     "Check that an installation is complete and ready"},
    {"server", cmd_server,
     "Run the IstioOperator controller (the in-cluster operator)"},
    {"template", cmd_template, "Render a Helm chart as `helm template` does"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
  fprintf(
      out,
      "iop reconciles Istio's IstioOperator resources, renders Istio's charts\n"
      "as istioctl does, and installs Istio.\n\n"
      "Usage:\n  iop <command> [flags]\n\nCommands:\n");
  for (size_t i = 0; i < NCOMMANDS; i++)
    fprintf(out, "  %-15s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\nRun 'iop <command> --help' for a command's flags.\n");
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    usage(stderr);
    return 1;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
      strcmp(name, "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(name, "--version") == 0)
    return cmd_version(1, argv + 1);
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(name, commands[i].name) == 0)
      return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "iop: unknown command \"%s\"\n", name);
  fprintf(stderr, "Run 'iop --help' for the list of commands.\n");
  return 1;
}
