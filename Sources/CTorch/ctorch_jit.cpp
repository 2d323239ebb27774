// TorchScript modules: load a file and run its forward method.

#include "ctorch.h"

#include <torch/script.h>

#include <string>
#include <vector>

struct ct_tensor_s {
    at::Tensor value;
};
struct ct_module_s {
    torch::jit::Module value;
};

namespace {

thread_local std::string jit_error;

void flatten(const c10::IValue &value, std::vector<at::Tensor> &outs) {
    if (value.isTensor()) {
        outs.push_back(value.toTensor());
    } else if (value.isTuple()) {
        for (const auto &element : value.toTupleRef().elements()) flatten(element, outs);
    } else if (value.isList()) {
        for (const auto &element : value.toListRef()) flatten(element, outs);
    } else {
        throw std::invalid_argument("TorchScript forward returned a " + value.tagKind() +
                                    ", expected tensors");
    }
}

} // namespace

// Errors from this file are reported through the same thread-local message as the core.
extern "C" void ct_set_error_message(const char *message);

extern "C" {

ct_module ct_module_load(const char *path, int device_type, int device_index) {
    try {
        c10::Device device(static_cast<c10::DeviceType>(device_type),
                           static_cast<c10::DeviceIndex>(device_index));
        // The *.debug_pkl source maps are skipped: they only improve error messages, and a
        // damaged one crashed libtorch 2.15's SourceRangeDeserializer (a null dereference).
        auto module = torch::jit::load(path, device, /*load_debug_files=*/false);
        module.eval();
        ct_set_error_message("");
        return new ct_module_s{std::move(module)};
    } catch (const c10::Error &error) {
        ct_set_error_message(error.what_without_backtrace());
    } catch (const std::exception &error) {
        ct_set_error_message(error.what());
    } catch (...) {
        ct_set_error_message("loading a TorchScript file raised an unknown exception");
    }
    return nullptr;
}

void ct_module_free(ct_module m) { delete m; }

int ct_module_set_training(ct_module m, int on) {
    try {
        m->value.train(on != 0);
        ct_set_error_message("");
        return 0;
    } catch (const c10::Error &error) {
        ct_set_error_message(error.what_without_backtrace());
    } catch (const std::exception &error) {
        ct_set_error_message(error.what());
    } catch (...) {
        ct_set_error_message("setting the TorchScript mode raised an unknown exception");
    }
    return -1;
}

int ct_module_forward(ct_module m, const ct_tensor *inputs, int n, ct_tensor *outs,
                      int max_outs) {
    try {
        std::vector<c10::IValue> arguments;
        for (int k = 0; k < n; ++k) arguments.emplace_back(inputs[k]->value);
        c10::IValue result = m->value.forward(arguments);
        std::vector<at::Tensor> tensors;
        flatten(result, tensors);
        if (static_cast<int>(tensors.size()) > max_outs)
            throw std::length_error("TorchScript forward returned " +
                                    std::to_string(tensors.size()) + " tensors, at most " +
                                    std::to_string(max_outs) + " expected");
        for (size_t k = 0; k < tensors.size(); ++k) outs[k] = new ct_tensor_s{tensors[k]};
        ct_set_error_message("");
        return static_cast<int>(tensors.size());
    } catch (const c10::Error &error) {
        ct_set_error_message(error.what_without_backtrace());
    } catch (const std::exception &error) {
        ct_set_error_message(error.what());
    } catch (...) {
        ct_set_error_message("TorchScript forward raised an unknown exception");
    }
    return -1;
}

} // extern "C"
