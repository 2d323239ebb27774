/* libtorch's own operator profiler, for `gda bench --profile`. Same conventions as
 * ctorch.h: failures return -1 (or NULL) and set the message that ct_last_error() returns. */
#ifndef CTORCH_PROFILE_H
#define CTORCH_PROFILE_H

#include "ctorch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Starts recording every operator call on the CPU (the profiler torch.profiler uses), with
 * the input shapes of each call when `record_shapes` is non-zero. */
int ct_profiler_start(int record_shapes);

/* Stops recording and returns one line per operator name and input shapes, most self time
 * first: "NAME\tSHAPES\tCALLS\tTOTAL_NS\tSELF_NS\n", SHAPES as "[64,1,28,28] [64]" or empty.
 * Self time is the time inside an operator minus the
 * time of the operators it called on the same thread. The caller frees the text with
 * ct_string_free. NULL on failure. */
char *ct_profiler_stop(void);

void ct_string_free(char *text);

#ifdef __cplusplus
}
#endif

#endif
