/* TorchScript calls that feature networks for metrics need beyond ctorch.h: keyword
 * arguments to forward, a look at forward's argument names, and reading a module's
 * parameters by name. Same conventions as ctorch.h: failures return -1 and set the message
 * that ct_last_error() returns. */
#ifndef CTORCH_METRICS_H
#define CTORCH_METRICS_H

#include "ctorch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs forward on n tensors plus `kwarg_count` bool keyword arguments (names[k] set to
 * values[k] != 0). Tensor results (tuples and lists flattened) go to `outs`, and the
 * return value is their count. */
int ct_module_forward_bool_kwargs(ct_module m, const ct_tensor *inputs, int n,
                                  const char *const *names, const int *values, int kwarg_count,
                                  ct_tensor *outs, int max_outs);

/* 1 when forward's schema has an argument named `name`, 0 when it has not, -1 on failure. */
int ct_module_forward_has_argument(ct_module m, const char *name);

/* Looks up a parameter or buffer by its dotted name, such as "output.weight". Returns 1 and
 * sets *out (owned by the caller) when found, 0 when there is no such tensor, -1 on
 * failure. */
int ct_module_find_tensor(ct_module m, const char *name, ct_tensor *out);

#ifdef __cplusplus
}
#endif

#endif
