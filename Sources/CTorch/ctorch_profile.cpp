// libtorch's Kineto profiler, reduced to a table of operators by self time. Declared in
// include/ctorch_profile.h.

#include "ctorch_profile.h"

#include <torch/csrc/autograd/profiler_kineto.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

extern "C" void ct_set_error_message(const char *message);

namespace {

namespace profiler = torch::autograd::profiler;
namespace impl = torch::profiler::impl;

template <typename Result, typename Body> Result guarded(Result failure, Body body) {
    try {
        Result result = body();
        ct_set_error_message("");
        return result;
    } catch (const c10::Error &error) {
        ct_set_error_message(error.what_without_backtrace());
    } catch (const std::exception &error) {
        ct_set_error_message(error.what());
    } catch (...) {
        ct_set_error_message("the profiler raised an exception that is not a std::exception");
    }
    return failure;
}

struct Span {
    std::string name;
    std::string shapes;
    uint64_t start, end;
    uint64_t children = 0;
};

struct Totals {
    uint64_t calls = 0, total = 0, self = 0;
};

} // namespace

extern "C" {

int ct_profiler_start(int record_shapes) {
    return guarded(-1, [&] {
        // Kineto writes its start and stop, and on a machine without a GPU a failed device
        // query, to standard error. Level 6, above its highest, silences that unless the
        // user set KINETO_LOG_LEVEL.
        setenv("KINETO_LOG_LEVEL", "6", 0);
        impl::ProfilerConfig config(impl::ProfilerState::KINETO, record_shapes != 0);
        std::set<impl::ActivityType> activities{impl::ActivityType::CPU};
        profiler::prepareProfiler(config, activities);
        profiler::enableProfiler(config, activities);
        return 0;
    });
}

char *ct_profiler_stop(void) {
    return guarded<char *>(nullptr, []() -> char * {
        std::unique_ptr<profiler::ProfilerResult> result = profiler::disableProfiler();
        // Spans by thread; within a thread, operator calls nest like a call stack.
        std::map<uint64_t, std::vector<Span>> threads;
        for (const auto &event : result->events()) {
            if (event.isAsync() || event.deviceType() != c10::DeviceType::CPU) continue;
            std::string shapes;
            if (event.hasShapes()) {
                for (const auto &shape : event.shapes()) {
                    if (shape.empty()) continue;
                    shapes += shapes.empty() ? "[" : " [";
                    for (size_t k = 0; k < shape.size(); ++k)
                        shapes += (k ? "," : "") + std::to_string(shape[k]);
                    shapes += "]";
                }
            }
            threads[event.startThreadId()].push_back(
                Span{event.name(), shapes, event.startNs(), event.endNs()});
        }
        std::map<std::pair<std::string, std::string>, Totals> totals;
        for (auto &[thread, spans] : threads) {
            std::sort(spans.begin(), spans.end(), [](const Span &a, const Span &b) {
                return a.start != b.start ? a.start < b.start : a.end > b.end;
            });
            std::vector<Span *> stack;
            for (Span &span : spans) {
                while (!stack.empty() && stack.back()->end <= span.start) stack.pop_back();
                if (!stack.empty()) stack.back()->children += span.end - span.start;
                stack.push_back(&span);
            }
            for (const Span &span : spans) {
                Totals &entry = totals[{span.name, span.shapes}];
                uint64_t duration = span.end - span.start;
                entry.calls += 1;
                entry.total += duration;
                entry.self += duration > span.children ? duration - span.children : 0;
            }
        }
        std::vector<std::pair<std::pair<std::string, std::string>, Totals>> rows(totals.begin(),
                                                                                 totals.end());
        std::sort(rows.begin(), rows.end(),
                  [](const auto &a, const auto &b) { return a.second.self > b.second.self; });
        std::string text;
        for (const auto &[key, entry] : rows) {
            text += key.first + "\t" + key.second + "\t" + std::to_string(entry.calls) + "\t" + std::to_string(entry.total) +
                    "\t" + std::to_string(entry.self) + "\n";
        }
        char *copy = static_cast<char *>(std::malloc(text.size() + 1));
        if (copy == nullptr) throw std::bad_alloc();
        std::memcpy(copy, text.c_str(), text.size() + 1);
        return copy;
    });
}

void ct_string_free(char *text) { std::free(text); }

} // extern "C"
