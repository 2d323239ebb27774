/* Collective communication for data-parallel runs, over libtorch's c10d.
 *
 * A process group joins `world_size` processes: rank 0 serves a c10d TCPStore at
 * host:port, every rank connects to it, and the ranks then open a Gloo process group
 * through that store (PyTorch's env:// rendezvous). Every collective blocks until it is
 * done on this rank and fails, with ct_last_error() set, when a peer leaves or the timeout
 * passes. Every rank must call the same collectives in the same order.
 */
#ifndef CTORCH_DIST_H
#define CTORCH_DIST_H

#include "ctorch.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_process_group_s *ct_process_group;

/* Communication backends. Only Gloo is built in; NCCL is reserved for CUDA builds. */
enum { CT_BACKEND_GLOO = 0, CT_BACKEND_NCCL = 1 };

/* Joins a process group; NULL on failure (a peer that does not arrive within
 * `timeout_ms` is a failure). `interface` names the network interface Gloo binds to
 * (GLOO_SOCKET_IFNAME); NULL or "" binds to the address of `host` when it is a loopback
 * address, else to the address this machine's hostname resolves to. */
ct_process_group ct_process_group_new(const char *host, int port, int rank, int world_size,
                                      int backend, const char *interface, int64_t timeout_ms);
void ct_process_group_free(ct_process_group group);
int ct_process_group_rank(ct_process_group group);
int ct_process_group_size(ct_process_group group);

/* Sums n tensors element-wise over the ranks, in place, without autograd history; with
 * `average` set, divides the sums by the world size (floating-point tensors only). Tensors are packed into one flat
 * buffer per dtype, so a model's gradients take one collective per dtype. 0 or -1. */
int ct_process_group_all_reduce(ct_process_group group, const ct_tensor *tensors, int n,
                                int average);
/* Overwrites n tensors on every rank with rank `root`'s values, in place, packed as in
 * all-reduce. 0 or -1. */
int ct_process_group_broadcast(ct_process_group group, const ct_tensor *tensors, int n,
                               int root);
/* Waits until every rank has reached the barrier. 0 or -1. */
int ct_process_group_barrier(ct_process_group group);
/* Gathers an int64 tensor of the same shape from every rank into a new tensor of shape
 * (world_size, ...) on the CPU, ordered by rank; NULL on failure. */
ct_tensor ct_process_group_all_gather_int64(ct_process_group group, ct_tensor tensor);

#ifdef __cplusplus
}
#endif

#endif
