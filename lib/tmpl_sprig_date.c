/* tmpl_sprig_date: placeholder while the time functions are written. */
#include "tmpl_sprig_int.h"

const struct tmpl_type tmpl_type_time = {.name = "time.Time",
                                         .kind = TMPL_KIND_STRUCT};

static const struct tmpl_func fns[] = {
    {"now", NULL, "", NULL},
};

const struct tmpl__table tmpl__sprig_date_fns = {fns, 0};
