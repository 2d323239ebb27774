// TorchScript calls for metric feature networks: keyword arguments, schema queries and
// named tensors. Declared in include/ctorch_metrics.h.

#include "ctorch_metrics.h"

#include <torch/script.h>

#include <string>
#include <vector>

// The same layouts as in ctorch.cpp and ctorch_jit.cpp.
struct ct_tensor_s {
    at::Tensor value;
};
struct ct_module_s {
    torch::jit::Module value;
};

extern "C" void ct_set_error_message(const char *message);

namespace {

void collect_tensors(const c10::IValue &value, std::vector<at::Tensor> &outs) {
    if (value.isTensor()) {
        outs.push_back(value.toTensor());
    } else if (value.isTuple()) {
        for (const auto &element : value.toTupleRef().elements()) collect_tensors(element, outs);
    } else if (value.isList()) {
        for (const auto &element : value.toListRef()) collect_tensors(element, outs);
    } else {
        throw std::invalid_argument("TorchScript forward returned a " + value.tagKind() +
                                    ", expected tensors");
    }
}

// Runs `body`, turning any exception into the thread's error message and -1.
template <typename Body> int guarded(const char *operation, Body body) {
    try {
        int status = body();
        ct_set_error_message("");
        return status;
    } catch (const c10::Error &error) {
        ct_set_error_message(error.what_without_backtrace());
    } catch (const std::exception &error) {
        ct_set_error_message(error.what());
    } catch (...) {
        ct_set_error_message((std::string(operation) + " raised an unknown exception").c_str());
    }
    return -1;
}

} // namespace

extern "C" {

int ct_module_forward_bool_kwargs(ct_module m, const ct_tensor *inputs, int n,
                                  const char *const *names, const int *values, int kwarg_count,
                                  ct_tensor *outs, int max_outs) {
    return guarded("TorchScript forward", [&] {
        std::vector<c10::IValue> arguments;
        for (int k = 0; k < n; ++k) arguments.emplace_back(inputs[k]->value);
        torch::jit::Kwargs kwargs;
        for (int k = 0; k < kwarg_count; ++k) kwargs[names[k]] = c10::IValue(values[k] != 0);
        c10::IValue result = m->value.forward(arguments, kwargs);
        std::vector<at::Tensor> tensors;
        collect_tensors(result, tensors);
        if (static_cast<int>(tensors.size()) > max_outs)
            throw std::length_error("TorchScript forward returned " +
                                    std::to_string(tensors.size()) + " tensors, at most " +
                                    std::to_string(max_outs) + " expected");
        for (size_t k = 0; k < tensors.size(); ++k) outs[k] = new ct_tensor_s{tensors[k]};
        return static_cast<int>(tensors.size());
    });
}

int ct_module_forward_has_argument(ct_module m, const char *name) {
    return guarded("reading the forward schema", [&] {
        const auto &schema = m->value.get_method("forward").function().getSchema();
        return schema.argumentIndexWithName(name).has_value() ? 1 : 0;
    });
}

int ct_module_find_tensor(ct_module m, const char *name, ct_tensor *out) {
    return guarded("looking up a module tensor", [&] {
        for (const auto &item : m->value.named_parameters(true)) {
            if (item.name == name) {
                *out = new ct_tensor_s{item.value};
                return 1;
            }
        }
        for (const auto &item : m->value.named_buffers(true)) {
            if (item.name == name) {
                *out = new ct_tensor_s{item.value};
                return 1;
            }
        }
        return 0;
    });
}

} // extern "C"
