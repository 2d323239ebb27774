/* A small C API over libtorch.
 *
 * Every handle is opaque and owned by the caller, who releases it with the one free
 * function of its type. Every function catches any C++ exception and reports failure
 * through its return value (NULL or -1); ct_last_error() then returns libtorch's message
 * for the calling thread. Nothing C++ appears in this header.
 */
#ifndef CTORCH_H
#define CTORCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_tensor_s *ct_tensor;
typedef struct ct_generator_s *ct_generator;
typedef struct ct_module_s *ct_module;
/* Operators are interned by libtorch for the life of the process: they have no free function. */
typedef struct ct_op_s *ct_op;

/* Scalar types, numbered as c10::ScalarType numbers them. */
enum {
    CT_UINT8 = 0,
    CT_INT32 = 3,
    CT_INT64 = 4,
    CT_FLOAT32 = 6,
    CT_FLOAT64 = 7,
    CT_BOOL = 11,
};

/* Device types, numbered as c10::DeviceType numbers them. */
enum { CT_CPU = 0, CT_CUDA = 1 };

/* The message of the last failure on the calling thread, or "" when there was none. */
const char *ct_last_error(void);

/* MARK: library */

const char *ct_version(void);
void ct_set_num_threads(int threads);
int ct_get_num_threads(void);
void ct_manual_seed(uint64_t seed);
/* Loads libtorch_cuda next to libtorch_cpu so that CUDA kernels register; 0 on success. */
int ct_load_cuda(void);
int ct_cuda_is_available(void);
int ct_cuda_device_count(void);
/* Turns deterministic algorithms on or off; returns 0 or -1. */
int ct_set_deterministic(int on);

/* MARK: tensors */

void ct_tensor_free(ct_tensor t);
/* A new handle to the same tensor (shares storage and autograd history). */
ct_tensor ct_tensor_retain(ct_tensor t);
/* Copies `data` (contiguous, row-major) into a new CPU tensor of the given shape and type. */
ct_tensor ct_tensor_from_data(const void *data, const int64_t *shape, int ndim, int dtype);
int ct_tensor_ndim(ct_tensor t);
/* Writes ndim sizes into `shape`. */
int ct_tensor_shape(ct_tensor t, int64_t *shape);
int64_t ct_tensor_numel(ct_tensor t);
int ct_tensor_dtype(ct_tensor t);
int ct_tensor_device_type(ct_tensor t);
int ct_tensor_device_index(ct_tensor t);
int ct_tensor_defined(ct_tensor t);
/* Copies the tensor's elements, converted to `dtype`, to CPU memory `out` of `bytes` bytes. */
int ct_tensor_copy_out(ct_tensor t, int dtype, void *out, size_t bytes);
/* Overwrites `t`'s elements in place with `src` (same shape after broadcasting), without
 * recording autograd history. */
int ct_tensor_assign(ct_tensor t, ct_tensor src);
ct_tensor ct_tensor_to(ct_tensor t, int device_type, int device_index, int dtype);

/* MARK: autograd */

int ct_tensor_requires_grad(ct_tensor t);
int ct_tensor_set_requires_grad(ct_tensor t, int on);
/* The accumulated gradient, or NULL with an empty error message when there is none. */
ct_tensor ct_tensor_grad(ct_tensor t);
/* Sets the gradient; NULL clears it. */
int ct_tensor_set_grad(ct_tensor t, ct_tensor grad);
/* Back-propagates from `t`; `grad` may be NULL for a scalar `t`. */
int ct_tensor_backward(ct_tensor t, ct_tensor grad, int retain_graph);
/* Sets the calling thread's grad mode; returns the previous mode. */
int ct_set_grad_enabled(int on);

/* MARK: operators
 *
 * Any ATen operator can be called by its schema name through the dispatcher, so autograd,
 * CPU and CUDA kernels are exactly those PyTorch uses. Arguments are positional; trailing
 * arguments left out take the schema's defaults.
 */

enum {
    CT_ARG_DEFAULT = 0, /* the schema's default value */
    CT_ARG_NONE,        /* None for an optional argument */
    CT_ARG_TENSOR,      /* ref = index into the handle pool */
    CT_ARG_INT,         /* i */
    CT_ARG_DOUBLE,      /* d */
    CT_ARG_BOOL,        /* i != 0 */
    CT_ARG_INTS,        /* count int64 values from the int pool at ref */
    CT_ARG_TENSORS,     /* count handles from the handle pool at ref */
    CT_ARG_OPT_TENSORS, /* as TENSORS, NULL handles meaning None */
    CT_ARG_GENERATOR,   /* ref = index into the handle pool */
    CT_ARG_DEVICE,      /* i = device type, count = device index */
    CT_ARG_STRING,      /* s */
    CT_ARG_DOUBLES,     /* count doubles from the double pool at ref */
};

typedef struct {
    int32_t kind;
    int32_t count;
    int64_t ref;
    int64_t i;
    double d;
    const char *s;
} ct_arg;

/* Looks up an operator, for example ("aten::add", "Tensor"); NULL when there is none. */
ct_op ct_op_find(const char *name, const char *overload);
/* Calls `op`. Tensor results (lists flattened, numbers as 0-d tensors) go to `outs`;
 * returns their count, or -1. */
int ct_op_call(ct_op op, const ct_arg *args, int nargs, const int64_t *int_pool,
               const double *double_pool, void *const *handle_pool, ct_tensor *outs,
               int max_outs);

/* MARK: fused optimizer steps */

/* One Adam step (PyTorch's algorithm, L2 weight decay) on n parameters, in place.
 * `step` is the step number after this update, starting at 1. */
int ct_adam_step(const ct_tensor *params, const ct_tensor *grads, const ct_tensor *exp_avg,
                 const ct_tensor *exp_avg_sq, int n, double lr, double beta1, double beta2,
                 double eps, double weight_decay, int64_t step);

/* MARK: generators */

ct_generator ct_generator_new(uint64_t seed, int device_type);
void ct_generator_free(ct_generator g);
/* The generator's full state as a uint8 tensor. */
ct_tensor ct_generator_get_state(ct_generator g);
int ct_generator_set_state(ct_generator g, ct_tensor state);

/* MARK: TorchScript */

/* Loads a TorchScript file onto a device. The file is trusted code: load only files the
 * user named. */
ct_module ct_module_load(const char *path, int device_type, int device_index);
void ct_module_free(ct_module m);
int ct_module_set_training(ct_module m, int on);
/* Runs forward on n tensors; tensor results (tuples and lists flattened) go to `outs`. */
int ct_module_forward(ct_module m, const ct_tensor *inputs, int n, ct_tensor *outs,
                      int max_outs);

#ifdef __cplusplus
}
#endif

#endif
