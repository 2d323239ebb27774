// The C API over libtorch: tensors, autograd, generic operator calls and generators.
// Each exported function runs its body inside `guarded`, which turns any exception into
// the calling thread's error message.

#include "ctorch.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/core/GradMode.h>
#include <torch/headeronly/version.h>

#include <dlfcn.h>

#include <cstring>
#include <string>
#include <vector>

struct ct_tensor_s {
    at::Tensor value;
};
struct ct_generator_s {
    at::Generator value;
};

namespace {

thread_local std::string last_error;

template <typename Result, typename Body>
Result guarded(Result failure, Body body) {
    last_error.clear();
    try {
        return body();
    } catch (const c10::Error &error) {
        last_error = error.what_without_backtrace();
    } catch (const std::exception &error) {
        last_error = error.what();
        if (last_error.empty()) last_error = "libtorch raised an exception with no message";
    } catch (...) {
        last_error = "libtorch raised an exception that is not a std::exception";
    }
    return failure;
}

ct_tensor wrap(at::Tensor value) { return new ct_tensor_s{std::move(value)}; }

const at::Tensor &unwrap(ct_tensor t) {
    if (t == nullptr) throw std::invalid_argument("null tensor handle");
    return t->value;
}

at::ScalarType scalar_type(int dtype) {
    switch (dtype) {
    case CT_UINT8:
    case CT_INT32:
    case CT_INT64:
    case CT_FLOAT32:
    case CT_FLOAT64:
    case CT_BOOL:
        return static_cast<at::ScalarType>(dtype);
    default:
        throw std::invalid_argument("unsupported dtype code " + std::to_string(dtype));
    }
}

// Returns whether `value` can bind to a parameter whose (fake) schema type is `type`. Types
// this API never produces are left for the kernel to check.
bool accepts(const c10::TypePtr &type, const c10::IValue &value) {
    if (type->kind() == c10::TypeKind::OptionalType)
        return value.isNone() ||
               accepts(type->castRaw<c10::OptionalType>()->getElementType(), value);
    switch (type->kind()) {
    case c10::TypeKind::TensorType:
        return value.isTensor();
    case c10::TypeKind::IntType: // also SymInt, ScalarType, Layout and MemoryFormat
        return value.isInt() || value.isSymInt();
    case c10::TypeKind::FloatType:
        return value.isDouble();
    case c10::TypeKind::BoolType:
        return value.isBool();
    case c10::TypeKind::NumberType: // Scalar
        return value.isInt() || value.isDouble() || value.isBool();
    case c10::TypeKind::StringType:
        return value.isString();
    case c10::TypeKind::DeviceObjType:
        return value.isDevice();
    case c10::TypeKind::GeneratorType:
        return value.isGenerator();
    case c10::TypeKind::ListType: {
        const auto &element = type->castRaw<c10::ListType>()->getElementType();
        switch (element->kind()) {
        case c10::TypeKind::TensorType:
            return value.isTensorList();
        case c10::TypeKind::IntType:
            return value.isIntList();
        case c10::TypeKind::FloatType:
            return value.isDoubleList();
        case c10::TypeKind::BoolType:
            return value.isBoolList();
        case c10::TypeKind::OptionalType:
            return value.isList() && !value.isIntList() && !value.isDoubleList();
        default:
            return true;
        }
    }
    default:
        return true;
    }
}

// Converts one C argument into the IValue that the schema argument expects.
c10::IValue to_ivalue(const ct_arg &arg, const c10::Argument &formal, const int64_t *ints,
                      const double *doubles, void *const *handles) {
    switch (arg.kind) {
    case CT_ARG_DEFAULT: {
        if (!formal.default_value().has_value())
            throw std::invalid_argument("argument '" + formal.name() + "' has no default");
        return *formal.default_value();
    }
    case CT_ARG_NONE:
        return c10::IValue();
    case CT_ARG_TENSOR:
        return unwrap(static_cast<ct_tensor>(handles[arg.ref]));
    case CT_ARG_INT:
        return c10::IValue(arg.i);
    case CT_ARG_DOUBLE:
        return c10::IValue(arg.d);
    case CT_ARG_BOOL:
        return c10::IValue(arg.i != 0);
    case CT_ARG_INTS:
        return c10::IValue(std::vector<int64_t>(ints + arg.ref, ints + arg.ref + arg.count));
    case CT_ARG_DOUBLES:
        return c10::IValue(
            std::vector<double>(doubles + arg.ref, doubles + arg.ref + arg.count));
    case CT_ARG_TENSORS: {
        std::vector<at::Tensor> list;
        list.reserve(arg.count);
        for (int64_t k = 0; k < arg.count; ++k)
            list.push_back(unwrap(static_cast<ct_tensor>(handles[arg.ref + k])));
        return c10::IValue(list);
    }
    case CT_ARG_OPT_TENSORS: {
        c10::List<std::optional<at::Tensor>> list;
        for (int64_t k = 0; k < arg.count; ++k) {
            auto handle = static_cast<ct_tensor>(handles[arg.ref + k]);
            if (handle == nullptr)
                list.push_back(std::nullopt);
            else
                list.push_back(handle->value);
        }
        return c10::IValue(list);
    }
    case CT_ARG_GENERATOR: {
        auto handle = static_cast<ct_generator>(handles[arg.ref]);
        if (handle == nullptr) return c10::IValue();
        return c10::IValue(handle->value);
    }
    case CT_ARG_DEVICE:
        return c10::IValue(c10::Device(static_cast<c10::DeviceType>(arg.i),
                                       static_cast<c10::DeviceIndex>(arg.count)));
    case CT_ARG_STRING:
        return c10::IValue(std::string(arg.s == nullptr ? "" : arg.s));
    default:
        throw std::invalid_argument("unknown argument kind " + std::to_string(arg.kind));
    }
}

// Appends the tensors in one result value to `outs`.
void collect(const c10::IValue &value, std::vector<at::Tensor> &outs) {
    if (value.isTensor()) {
        outs.push_back(value.toTensor());
    } else if (value.isTensorList()) {
        for (const at::Tensor &t : value.toTensorVector()) outs.push_back(t);
    } else if (value.isTuple()) {
        for (const auto &element : value.toTupleRef().elements()) collect(element, outs);
    } else if (value.isList()) {
        for (const auto &element : value.toListRef()) collect(element, outs);
    } else if (value.isInt()) {
        outs.push_back(at::scalar_tensor(value.toInt(), at::kLong));
    } else if (value.isDouble()) {
        outs.push_back(at::scalar_tensor(value.toDouble(), at::kDouble));
    } else if (value.isBool()) {
        outs.push_back(at::scalar_tensor(value.toBool(), at::kBool));
    } else if (value.isNone()) {
        outs.push_back(at::Tensor());
    } else {
        throw std::invalid_argument("operator returned a value of type " +
                                    value.tagKind() + ", which the C API cannot return");
    }
}

int emit(const std::vector<at::Tensor> &results, ct_tensor *outs, int max_outs) {
    if (static_cast<int>(results.size()) > max_outs)
        throw std::length_error("operator returned " + std::to_string(results.size()) +
                                " tensors, more than the " + std::to_string(max_outs) +
                                " the caller made room for");
    for (size_t k = 0; k < results.size(); ++k) outs[k] = wrap(results[k]);
    return static_cast<int>(results.size());
}

} // namespace

extern "C" {

const char *ct_last_error(void) { return last_error.c_str(); }

void ct_set_error_message(const char *message) { last_error = message; }

// MARK: library

const char *ct_version(void) {
    static const std::string version = std::to_string(TORCH_VERSION_MAJOR) + "." +
                                       std::to_string(TORCH_VERSION_MINOR) + "." +
                                       std::to_string(TORCH_VERSION_PATCH);
    return version.c_str();
}

void ct_set_num_threads(int threads) {
    guarded(0, [&] {
        at::set_num_threads(threads);
        return 0;
    });
}

int ct_get_num_threads(void) { return at::get_num_threads(); }

void ct_manual_seed(uint64_t seed) {
    guarded(0, [&] {
        at::manual_seed(seed);
        return 0;
    });
}

int ct_load_cuda(void) {
    return guarded(-1, [&]() -> int {
        // An as-needed linker drops libtorch_cuda from the link, so it is opened here;
        // its static initialisers register the CUDA kernels with the dispatcher.
        Dl_info info{};
        if (dladdr(reinterpret_cast<void *>(&at::get_num_threads), &info) == 0 ||
            info.dli_fname == nullptr)
            throw std::runtime_error("cannot locate libtorch_cpu to find libtorch_cuda");
        std::string path(info.dli_fname);
        path = path.substr(0, path.find_last_of('/') + 1) + "libtorch_cuda.so";
        if (dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr)
            throw std::runtime_error("cannot load " + path + ": " + dlerror());
        return 0;
    });
}

int ct_cuda_is_available(void) {
    return guarded(0, [&] { return at::hasCUDA() && at::getNumGPUs() > 0 ? 1 : 0; });
}

int ct_cuda_device_count(void) {
    return guarded(0, [&] { return at::hasCUDA() ? static_cast<int>(at::getNumGPUs()) : 0; });
}

int ct_set_deterministic(int on) {
    return guarded(-1, [&] {
        at::globalContext().setDeterministicAlgorithms(on != 0, false);
        return 0;
    });
}

// MARK: tensors

void ct_tensor_free(ct_tensor t) { delete t; }

ct_tensor ct_tensor_retain(ct_tensor t) {
    return guarded<ct_tensor>(nullptr, [&] { return wrap(unwrap(t)); });
}

ct_tensor ct_tensor_from_data(const void *data, const int64_t *shape, int ndim, int dtype) {
    return guarded<ct_tensor>(nullptr, [&] {
        std::vector<int64_t> sizes(shape, shape + ndim);
        for (int64_t size : sizes)
            if (size < 0) throw std::invalid_argument("negative dimension in tensor shape");
        at::Tensor result = at::empty(sizes, at::TensorOptions().dtype(scalar_type(dtype)));
        if (result.nbytes() > 0) std::memcpy(result.data_ptr(), data, result.nbytes());
        return wrap(result);
    });
}

int ct_tensor_ndim(ct_tensor t) {
    return guarded(-1, [&] { return static_cast<int>(unwrap(t).dim()); });
}

int ct_tensor_shape(ct_tensor t, int64_t *shape) {
    return guarded(-1, [&] {
        const at::Tensor &value = unwrap(t);
        for (int64_t k = 0; k < value.dim(); ++k) shape[k] = value.size(k);
        return 0;
    });
}

int64_t ct_tensor_numel(ct_tensor t) {
    return guarded<int64_t>(-1, [&] { return unwrap(t).numel(); });
}

int ct_tensor_dtype(ct_tensor t) {
    return guarded(-1, [&] { return static_cast<int>(unwrap(t).scalar_type()); });
}

int ct_tensor_device_type(ct_tensor t) {
    return guarded(-1, [&] { return static_cast<int>(unwrap(t).device().type()); });
}

int ct_tensor_device_index(ct_tensor t) {
    return guarded(-1, [&] { return static_cast<int>(unwrap(t).device().index()); });
}

int ct_tensor_defined(ct_tensor t) {
    return guarded(-1, [&] { return unwrap(t).defined() ? 1 : 0; });
}

int ct_tensor_copy_out(ct_tensor t, int dtype, void *out, size_t bytes) {
    return guarded(-1, [&] {
        at::NoGradGuard no_grad;
        at::Tensor value =
            unwrap(t).to(at::kCPU, scalar_type(dtype), false, false).contiguous();
        if (value.nbytes() != bytes)
            throw std::invalid_argument("tensor holds " + std::to_string(value.nbytes()) +
                                        " bytes, the buffer " + std::to_string(bytes));
        if (bytes > 0) std::memcpy(out, value.data_ptr(), bytes);
        return 0;
    });
}

int ct_tensor_assign(ct_tensor t, ct_tensor src) {
    return guarded(-1, [&] {
        at::NoGradGuard no_grad;
        at::Tensor target = unwrap(t);
        target.copy_(unwrap(src));
        return 0;
    });
}

ct_tensor ct_tensor_to(ct_tensor t, int device_type, int device_index, int dtype) {
    return guarded<ct_tensor>(nullptr, [&] {
        c10::Device device(static_cast<c10::DeviceType>(device_type),
                           static_cast<c10::DeviceIndex>(device_index));
        return wrap(unwrap(t).to(device, scalar_type(dtype)));
    });
}

// MARK: autograd

int ct_tensor_requires_grad(ct_tensor t) {
    return guarded(-1, [&] { return unwrap(t).requires_grad() ? 1 : 0; });
}

int ct_tensor_set_requires_grad(ct_tensor t, int on) {
    return guarded(-1, [&] {
        at::Tensor value = unwrap(t);
        value.set_requires_grad(on != 0);
        return 0;
    });
}

ct_tensor ct_tensor_grad(ct_tensor t) {
    return guarded<ct_tensor>(nullptr, [&]() -> ct_tensor {
        const at::Tensor &grad = unwrap(t).grad();
        return grad.defined() ? wrap(grad) : nullptr;
    });
}

int ct_tensor_set_grad(ct_tensor t, ct_tensor grad) {
    return guarded(-1, [&] {
        at::Tensor value = unwrap(t);
        value.mutable_grad() = grad == nullptr ? at::Tensor() : unwrap(grad);
        return 0;
    });
}

int ct_tensor_backward(ct_tensor t, ct_tensor grad, int retain_graph) {
    return guarded(-1, [&] {
        at::Tensor gradient = grad == nullptr ? at::Tensor() : unwrap(grad);
        unwrap(t).backward(gradient, retain_graph != 0, false);
        return 0;
    });
}

int ct_set_grad_enabled(int on) {
    bool previous = c10::GradMode::is_enabled();
    c10::GradMode::set_enabled(on != 0);
    return previous ? 1 : 0;
}

// MARK: operators

ct_op ct_op_find(const char *name, const char *overload) {
    return guarded<ct_op>(nullptr, [&]() -> ct_op {
        auto handle =
            c10::Dispatcher::singleton().findSchema({name, overload == nullptr ? "" : overload});
        if (!handle.has_value()) {
            last_error = std::string("no operator ") + name + "." + (overload ? overload : "");
            return nullptr;
        }
        // OperatorHandle is a thin wrapper over an entry the dispatcher keeps forever.
        return reinterpret_cast<ct_op>(new c10::OperatorHandle(*handle));
    });
}

int ct_op_call(ct_op op, const ct_arg *args, int nargs, const int64_t *int_pool,
               const double *double_pool, void *const *handle_pool, ct_tensor *outs,
               int max_outs) {
    return guarded(-1, [&] {
        auto &handle = *reinterpret_cast<c10::OperatorHandle *>(op);
        const auto &schema = handle.schema();
        const auto &formals = schema.arguments();
        if (nargs > static_cast<int>(formals.size()))
            throw std::invalid_argument("expects at most " + std::to_string(formals.size()) +
                                        " arguments, given " + std::to_string(nargs));
        torch::jit::Stack stack;
        stack.reserve(formals.size());
        for (size_t k = 0; k < formals.size(); ++k) {
            if (static_cast<int>(k) < nargs) {
                c10::IValue value =
                    to_ivalue(args[k], formals[k], int_pool, double_pool, handle_pool);
                if (!accepts(formals[k].type(), value))
                    throw std::invalid_argument(
                        "argument " + std::to_string(k + 1) + " '" + formals[k].name() +
                        "' expects " + formals[k].real_type()->str() + ", given " +
                        (value.isTensor() ? std::string("Tensor") : value.type()->str()));
                stack.push_back(std::move(value));
            } else if (formals[k].default_value().has_value()) {
                stack.push_back(*formals[k].default_value());
            } else {
                throw std::invalid_argument("argument " + std::to_string(k + 1) + " '" +
                                            formals[k].name() + "' is required");
            }
        }
        handle.callBoxed(stack);
        std::vector<at::Tensor> results;
        for (const auto &value : stack) collect(value, results);
        return emit(results, outs, max_outs);
    });
}

// MARK: fused optimizer steps

int ct_adam_step(const ct_tensor *params, const ct_tensor *grads, const ct_tensor *exp_avg,
                 const ct_tensor *exp_avg_sq, int n, double lr, double beta1, double beta2,
                 double eps, double weight_decay, int64_t step) {
    return guarded(-1, [&] {
        at::NoGradGuard no_grad;
        std::vector<at::Tensor> p, g, m, v, steps;
        for (int k = 0; k < n; ++k) {
            p.push_back(unwrap(params[k]));
            g.push_back(unwrap(grads[k]));
            m.push_back(unwrap(exp_avg[k]));
            v.push_back(unwrap(exp_avg_sq[k]));
            steps.push_back(at::scalar_tensor(static_cast<double>(step),
                                              at::TensorOptions().dtype(at::kFloat).device(p.back().device())));
        }
        at::_fused_adam_(p, g, m, v, {}, steps, lr, beta1, beta2, weight_decay, eps,
                         /*amsgrad=*/false, /*maximize=*/false, std::nullopt, std::nullopt);
        return 0;
    });
}

// MARK: generators

ct_generator ct_generator_new(uint64_t seed, int device_type) {
    return guarded<ct_generator>(nullptr, [&] {
        at::Generator generator;
        if (device_type == CT_CPU) {
            generator = at::make_generator<at::CPUGeneratorImpl>(seed);
        } else {
            generator = at::globalContext()
                            .defaultGenerator(c10::Device(static_cast<c10::DeviceType>(device_type)))
                            .clone();
            generator.set_current_seed(seed);
        }
        return new ct_generator_s{generator};
    });
}

void ct_generator_free(ct_generator g) { delete g; }

ct_tensor ct_generator_get_state(ct_generator g) {
    return guarded<ct_tensor>(nullptr, [&] {
        std::lock_guard<std::mutex> lock(g->value.mutex());
        return wrap(g->value.get_state());
    });
}

int ct_generator_set_state(ct_generator g, ct_tensor state) {
    return guarded(-1, [&] {
        std::lock_guard<std::mutex> lock(g->value.mutex());
        g->value.set_state(unwrap(state));
        return 0;
    });
}

} // extern "C"
