// Moving tensors between devices in place, so that a model built on the CPU keeps its
// parameter handles when it moves to a GPU.

#include "ctorch_device.h"

#include <ATen/ATen.h>

struct ct_tensor_s {
    at::Tensor value;
};

// Errors from this file are reported through the same thread-local message as the core.
extern "C" void ct_set_error_message(const char *message);

extern "C" int ct_tensor_set_data(ct_tensor t, ct_tensor src) {
    try {
        if (t == nullptr || src == nullptr) throw std::invalid_argument("null tensor handle");
        t->value.set_data(src->value);
        ct_set_error_message("");
        return 0;
    } catch (const c10::Error &error) {
        ct_set_error_message(error.what_without_backtrace());
    } catch (const std::exception &error) {
        ct_set_error_message(error.what());
    } catch (...) {
        ct_set_error_message("replacing a tensor's data raised an unknown exception");
    }
    return -1;
}
