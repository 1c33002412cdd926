#pragma once
// How a layer describes one of its parameter tensors: enough for weight files (name, dims),
// initialisers (fan-in, fan-out) and summaries. Not used on the hot path.

#include <cstddef>
#include <string>
#include <vector>

namespace typenet {

struct param_desc {
    std::string name;              ///< "weight" or "bias" (PyTorch's attribute name)
    std::vector<std::size_t> dims; ///< PyTorch layout, e.g. {F, C, KH, KW}
    std::size_t fan_in = 0;        ///< inputs feeding one output (C·KH·KW for conv, M for dense)
    std::size_t fan_out = 0;       ///< outputs fed by one input (F·KH·KW for conv, N for dense)
    bool is_bias = false;
    bool fixed_init = false; ///< initialised to init_value by every scheme (batch_norm: 1 and 0)
    double init_value = 0.0;
    std::size_t size() const {
        std::size_t n = 1;
        for (auto d : dims)
            n *= d;
        return n;
    }
};

} // namespace typenet
