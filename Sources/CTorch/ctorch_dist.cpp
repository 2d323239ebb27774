// Process groups over libtorch's c10d: a TCPStore for the rendezvous and a Gloo backend
// for the collectives. Declared in include/ctorch_dist.h.
//
// The gloo headers come from the distribution's libgloo-dev; the gloo code itself is the
// copy inside libtorch_cpu.so. Only c10d's exported functions and virtual methods are
// called, so no gloo object is laid out by this file.

// ProcessGroupGloo.hpp declares the class only when libtorch was built with Gloo, which
// the PyPI wheels are.
#define USE_C10D_GLOO 1

#include "ctorch_dist.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

// The same layout as in ctorch.cpp.
struct ct_tensor_s {
    at::Tensor value;
};

struct ct_process_group_s {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::Backend> backend;
    int rank;
    int size;
    // Gloo in this build reduces CPU tensors only: tensors on other devices are staged
    // through the CPU. A CUDA-capable backend (NCCL) would reduce them where they are.
    bool cpu_only;
    std::chrono::milliseconds timeout;
};

extern "C" void ct_set_error_message(const char *message);

namespace {

// Runs `body`, turning any exception into the thread's error message and `failure`.
// The message is the exception's own; callers add what they were doing.
template <typename Result, typename Body>
Result guarded(const char *operation, Result failure, Body body) {
    try {
        Result result = body();
        ct_set_error_message("");
        return result;
    } catch (const c10::Error &error) {
        ct_set_error_message(error.what_without_backtrace());
    } catch (const std::exception &error) {
        ct_set_error_message(error.what());
    } catch (...) {
        ct_set_error_message((std::string(operation) + " raised an unknown exception").c_str());
    }
    return failure;
}

ct_process_group_s &unwrap(ct_process_group group) {
    if (group == nullptr) throw std::invalid_argument("null process group handle");
    return *group;
}

// c10d logs every failed connection attempt and timeout at ERROR level, with a C++ stack
// trace, before raising the exception that this API turns into a message. Unless the user
// sets TORCH_CPP_LOG_LEVEL (as in PyTorch), only FATAL records are printed.
void quiet_c10d_logging() {
    if (std::getenv("TORCH_CPP_LOG_LEVEL") != nullptr) return;
    FLAGS_caffe2_log_level = std::max(FLAGS_caffe2_log_level, 3);
}

bool is_loopback(const std::string &host) {
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// A listening socket on 127.0.0.1:port for the store server of a single-machine run, so
// that the store is not reachable from other hosts (c10d's own server listens on every
// interface).
int loopback_listener(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("cannot create the store socket: ") + std::strerror(errno));
    int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 || ::listen(fd, 128) != 0) {
        std::string reason = std::strerror(errno);
        ::close(fd);
        throw std::runtime_error("cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + reason);
    }
    return fd;
}

// The Gloo transport device: the named interface, the loopback address for a loopback
// rendezvous (single-machine runs), else the address of this machine's hostname.
std::shared_ptr<gloo::transport::Device> gloo_device(const std::string &host,
                                                     const std::string &interface) {
    if (!interface.empty()) return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
    if (is_loopback(host)) return c10d::ProcessGroupGloo::createDeviceForHostname(host);
    return c10d::ProcessGroupGloo::createDefaultDevice();
}

c10::intrusive_ptr<c10d::Backend> make_backend(int backend, const c10::intrusive_ptr<c10d::Store> &store,
                                               const std::string &host, const std::string &interface,
                                               int rank, int size, std::chrono::milliseconds timeout) {
    switch (backend) {
    case CT_BACKEND_GLOO: {
        auto options = c10d::ProcessGroupGloo::Options::create(timeout);
        options->devices.push_back(gloo_device(host, interface));
        return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
    }
    case CT_BACKEND_NCCL:
        // A CUDA build would construct c10d::ProcessGroupNCCL here from the same store,
        // with its own options (timeout, one device per rank from LOCAL_RANK), and mark
        // the group as not cpu_only. The CPU wheel this file builds against has no NCCL.
        throw std::invalid_argument("the NCCL backend is not built into this gda; use Gloo");
    default:
        throw std::invalid_argument("unknown process group backend " + std::to_string(backend));
    }
}

std::vector<at::Tensor> tensor_list(const ct_tensor *tensors, int n) {
    if (n < 0 || (n > 0 && tensors == nullptr)) throw std::invalid_argument("invalid tensor list");
    std::vector<at::Tensor> values;
    values.reserve(n);
    for (int i = 0; i < n; i++) {
        if (tensors[i] == nullptr) throw std::invalid_argument("null tensor handle in list");
        const at::Tensor &value = tensors[i]->value;
        if (!value.defined()) throw std::invalid_argument("undefined tensor in list");
        values.push_back(value);
    }
    return values;
}

// Runs one collective on a flat buffer per (dtype, device) group of `tensors`, then
// copies each buffer's slices back into the tensors. `collective` receives the buffer
// (on the CPU when the backend needs it) and waits for its work.
template <typename Collective>
void bucketed(ct_process_group_s &group, std::vector<at::Tensor> &tensors, Collective collective) {
    c10::NoGradGuard no_grad;
    std::map<std::pair<int, std::string>, std::vector<size_t>> buckets;
    for (size_t i = 0; i < tensors.size(); i++) {
        const at::Tensor &t = tensors[i];
        buckets[{static_cast<int>(t.scalar_type()), t.device().str()}].push_back(i);
    }
    for (auto &[key, members] : buckets) {
        std::vector<at::Tensor> flat_parts;
        flat_parts.reserve(members.size());
        for (size_t i : members) flat_parts.push_back(tensors[i].reshape({-1}));
        at::Tensor flat = at::cat(flat_parts);
        bool staged = group.cpu_only && !flat.device().is_cpu();
        at::Tensor buffer = staged ? flat.cpu() : flat;
        collective(buffer);
        if (staged) flat.copy_(buffer);
        int64_t offset = 0;
        for (size_t i : members) {
            at::Tensor &t = tensors[i];
            int64_t count = t.numel();
            t.copy_(flat.narrow(0, offset, count).view(t.sizes()));
            offset += count;
        }
    }
}

void wait(const c10::intrusive_ptr<c10d::Work> &work, std::chrono::milliseconds timeout) {
    work->wait(timeout);
}

} // namespace

extern "C" {

ct_process_group ct_process_group_new(const char *host, int port, int rank, int world_size,
                                      int backend, const char *interface, int64_t timeout_ms) {
    return guarded("joining the process group", static_cast<ct_process_group>(nullptr), [&] {
        if (host == nullptr || *host == 0) throw std::invalid_argument("empty master address");
        if (port <= 0 || port > 65535) throw std::invalid_argument("master port " + std::to_string(port) + " is outside 1...65535");
        if (world_size < 1) throw std::invalid_argument("world size " + std::to_string(world_size) + " is not positive");
        if (rank < 0 || rank >= world_size) {
            throw std::invalid_argument("rank " + std::to_string(rank) + " is outside 0..<" + std::to_string(world_size));
        }
        if (timeout_ms <= 0) throw std::invalid_argument("timeout must be positive");
        std::chrono::milliseconds timeout(timeout_ms);
        quiet_c10d_logging();

        c10d::TCPStoreOptions options;
        options.port = static_cast<std::uint16_t>(port);
        options.isServer = rank == 0;
        options.numWorkers = static_cast<std::size_t>(world_size);
        options.waitWorkers = true;
        options.timeout = timeout;
        if (options.isServer && is_loopback(host)) options.masterListenFd = loopback_listener(port);
        auto store = c10::make_intrusive<c10d::TCPStore>(std::string(host), options);

        std::string interface_name = interface == nullptr ? "" : interface;
        auto created = make_backend(backend, store, host, interface_name, rank, world_size, timeout);
        return new ct_process_group_s{store, created, rank, world_size, backend == CT_BACKEND_GLOO, timeout};
    });
}

void ct_process_group_free(ct_process_group group) { delete group; }

int ct_process_group_rank(ct_process_group group) {
    return guarded("reading the rank", -1, [&] { return unwrap(group).rank; });
}

int ct_process_group_size(ct_process_group group) {
    return guarded("reading the world size", -1, [&] { return unwrap(group).size; });
}

int ct_process_group_all_reduce(ct_process_group group, const ct_tensor *tensors, int n, int average) {
    return guarded("all-reduce", -1, [&] {
        auto &g = unwrap(group);
        auto values = tensor_list(tensors, n);
        if (average) {
            // Checked before any collective, so that a failure leaves every tensor as it was.
            for (const auto &value : values) {
                if (!at::isFloatingType(value.scalar_type())) {
                    throw std::invalid_argument(std::string("cannot average a tensor of ") +
                                                c10::toString(value.scalar_type()) + "; use the sum");
                }
            }
        }
        bucketed(g, values, [&](at::Tensor &buffer) {
            c10d::AllreduceOptions options;
            options.reduceOp = c10d::ReduceOp::SUM;
            options.timeout = g.timeout;
            std::vector<at::Tensor> list{buffer};
            wait(g.backend->allreduce(list, options), g.timeout);
            if (average) buffer.div_(g.size);
        });
        return 0;
    });
}

int ct_process_group_broadcast(ct_process_group group, const ct_tensor *tensors, int n, int root) {
    return guarded("broadcast", -1, [&] {
        auto &g = unwrap(group);
        if (root < 0 || root >= g.size) {
            throw std::invalid_argument("root rank " + std::to_string(root) + " is outside 0..<" + std::to_string(g.size));
        }
        auto values = tensor_list(tensors, n);
        bucketed(g, values, [&](at::Tensor &buffer) {
            c10d::BroadcastOptions options;
            options.rootRank = root;
            options.timeout = g.timeout;
            std::vector<at::Tensor> list{buffer};
            wait(g.backend->broadcast(list, options), g.timeout);
        });
        return 0;
    });
}

int ct_process_group_barrier(ct_process_group group) {
    return guarded("barrier", -1, [&] {
        auto &g = unwrap(group);
        c10d::BarrierOptions options;
        options.timeout = g.timeout;
        wait(g.backend->barrier(options), g.timeout);
        return 0;
    });
}

ct_tensor ct_process_group_all_gather_int64(ct_process_group group, ct_tensor tensor) {
    return guarded("all-gather", static_cast<ct_tensor>(nullptr), [&] {
        auto &g = unwrap(group);
        if (tensor == nullptr || !tensor->value.defined()) throw std::invalid_argument("null tensor handle");
        at::Tensor input = tensor->value.to(at::kCPU, at::kLong).contiguous();
        std::vector<at::Tensor> inputs{input};
        std::vector<std::vector<at::Tensor>> outputs(1);
        for (int r = 0; r < g.size; r++) outputs[0].push_back(at::empty_like(input));
        c10d::AllgatherOptions options;
        options.timeout = g.timeout;
        wait(g.backend->allgather(outputs, inputs, options), g.timeout);
        return new ct_tensor_s{at::stack(outputs[0])};
    });
}

} // extern "C"
