/* iop version */
#include "cmd.h"

#include "version.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_version(int argc, char **argv)
{
  static const struct option opts[] = {{"short", no_argument, NULL, 's'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int c, short_form = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "sh", opts, NULL)) != -1) {
    if (c == 's') {
      short_form = 1;
    } else if (c == 'h') {
      printf("Print the version of iop.\n\nUsage:\n  iop version [--short]\n");
      return 0;
    } else {
      return 1;
    }
  }
  if (short_form)
    printf("%s\n", iop_version());
  else
    printf("iop version %s (commit %s)\n", iop_version(), iop_commit());
  return 0;
}
