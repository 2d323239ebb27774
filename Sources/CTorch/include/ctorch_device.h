/* Moving tensors between devices in place, as PyTorch's `Module.to` does. */
#ifndef CTORCH_DEVICE_H
#define CTORCH_DEVICE_H

#include "ctorch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Makes `t` refer to `src`'s data (any device or dtype) while keeping its identity, its
 * requires-grad flag and every handle to it, like `t.data = src` in Python; 0 or -1. */
int ct_tensor_set_data(ct_tensor t, ct_tensor src);

#ifdef __cplusplus
}
#endif

#endif
