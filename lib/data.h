/* data: files compiled into the binary from lib/data/ (see the Makefile).
 * lib/data/iop-schema.yaml becomes iop_data_iop_schema_yaml, NUL-terminated,
 * with its length in iop_data_iop_schema_yaml_len. Declare what you use. */
#ifndef IOP_DATA_H
#define IOP_DATA_H

#define IOP_DATA(sym)                                                          \
  extern const unsigned char iop_data_##sym[];                                 \
  extern const unsigned long iop_data_##sym##_len

#endif
