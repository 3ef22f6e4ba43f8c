/* version: what this build of iop is. */
#ifndef IOP_VERSION_H
#define IOP_VERSION_H

/* The release, "0.1.0": also the default image tag of the operator. */
const char *iop_version(void);
/* The git commit it was built from ("unknown" outside a checkout). */
const char *iop_commit(void);

#endif
