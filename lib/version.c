/* version: set by the Makefile from IOP_RELEASE and git. */
#include "version.h"

#ifndef IOP_VERSION
#define IOP_VERSION "0.0.0-dev"
#endif
#ifndef IOP_COMMIT
#define IOP_COMMIT "unknown"
#endif

const char *iop_version(void)
{
  return IOP_VERSION;
}
const char *iop_commit(void)
{
  return IOP_COMMIT;
}
