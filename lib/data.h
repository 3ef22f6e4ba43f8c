/* data: files compiled into the binary (see the Makefile): files under
 * lib/data/, the CRD and deploy/'s manifests. lib/data/iop-schema.yaml becomes
 * iop_data_iop_schema_yaml, deploy/role.yaml becomes iop_data_deploy_role_yaml,
 * NUL-terminated, with the length in <name>_len. Declare what you use with
 * IOP_DATA(name). */
#ifndef IOP_DATA_H
#define IOP_DATA_H

#define IOP_DATA(sym)                                                          \
  extern const unsigned char iop_data_##sym[];                                 \
  extern const unsigned long iop_data_##sym##_len

#endif
