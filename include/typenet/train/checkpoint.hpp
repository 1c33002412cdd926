#pragma once
// Checkpoints: everything a training run needs to continue as if it had never stopped — the
// model's parameters, buffers and batch counters, the optimiser's state blocks and step count,
// and where the run stands (epoch, step, seed, the settings that shape it). The file is a
// safetensors file (io/safetensors.hpp) whose tensors are the weight file's plus one per
// optimiser block ("optimizer.exp_avg", ...), so a checkpoint's model part loads into PyTorch
// too; it is written atomically (temporary file, fsync, rename: io/atomic_file.hpp), so a kill
// mid-write leaves the previous checkpoint as it was.
//
// The data order and the augmentation are pure functions of (seed, epoch, index) and the
// schedule a pure function of the step, so no generator state needs saving: the checkpoint's
// seed, epoch and step determine them.

#include "typenet/io/error.hpp"
#include "typenet/io/safetensors.hpp"
#include "typenet/model/model.hpp"
#include "typenet/train/optimizer.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace typenet::train {

/// Where a run stands, and the settings a resumed run must share with it.
struct checkpoint_state {
    std::uint64_t epochs_done = 0; ///< complete epochs
    std::uint64_t step = 0;        ///< optimiser steps taken
    std::uint64_t seed = 0;
    /// The settings that decide the run's arithmetic (optimiser, schedule, batch, epochs,
    /// augmentation): a resumed run with other settings would not give the uninterrupted run's
    /// weights, so load_checkpoint's caller compares them.
    std::string settings;
    /// The finished epochs' report lines (CSV), so that a resumed run's log is whole.
    std::string history;
};

namespace detail {

inline constexpr const char* checkpoint_prefix = "typenet.checkpoint.";

template<class Net, class In, class T, std::size_t P>
std::string checkpoint_signature(const optimizer<T, P>& opt) {
    return network<Net, In>::signature() + " +checkpoint(" + opt.name() + ")";
}

inline std::uint64_t metadata_number(const safetensors_metadata& meta,
                                     const std::filesystem::path& path, const std::string& key) {
    const auto it = meta.find(checkpoint_prefix + key);
    if (it == meta.end())
        throw io_error(path, "not a checkpoint: metadata '" + std::string(checkpoint_prefix) + key +
                                 "' is missing");
    std::uint64_t v = 0;
    if (it->second.empty() || it->second.size() > 19 ||
        !std::all_of(it->second.begin(), it->second.end(),
                     [](char c) { return c >= '0' && c <= '9'; }))
        throw io_error(path, "corrupt checkpoint: metadata '" + it->first + "' is '" + it->second +
                                 "', not a count");
    for (char c : it->second)
        v = v * 10 + std::uint64_t(c - '0');
    return v;
}

} // namespace detail

/// Writes the checkpoint of `m` and `opt` to `path` atomically; throws io_error naming the file
/// (the previous file untouched).
template<class Net, class In, class T, std::size_t P>
void save_checkpoint(const std::filesystem::path& path, const model<Net, In, T>& m,
                     const optimizer<T, P>& opt, const checkpoint_state& st) {
    static_assert(P == model<Net, In, T>::parameter_count,
                  "typenet::train::save_checkpoint: the optimizer is for another network");
    using namespace typenet::detail;
    std::vector<stored_tensor> tensors = stored_tensors<Net, In>();
    // The optimiser's blocks follow the parameters in one block, each as long as they are.
    const auto names = opt.state_names();
    const auto blocks = opt.state();
    std::vector<T> params(P * (1 + blocks.size()));
    std::copy(m.parameters().begin(), m.parameters().end(), params.begin());
    for (std::size_t b = 0; b < blocks.size(); ++b) {
        std::copy(blocks[b].begin(), blocks[b].end(), params.begin() + std::ptrdiff_t(P * (b + 1)));
        tensors.push_back({"optimizer." + names[b], {P}, P * (b + 1), P, tensor_role::parameter});
    }
    const std::string pre = ::typenet::train::detail::checkpoint_prefix;
    const safetensors_metadata meta{{pre + "epochs_done", std::to_string(st.epochs_done)},
                                    {pre + "step", std::to_string(st.step)},
                                    {pre + "seed", std::to_string(st.seed)},
                                    {pre + "optimizer_steps", std::to_string(opt.steps())},
                                    {pre + "settings", st.settings},
                                    {pre + "history", st.history}};
    write_safetensors<T>(path, ::typenet::train::detail::checkpoint_signature<Net, In>(opt),
                         tensors,
                         {std::span<const T>(params), std::span<const T>(m.buffers()),
                          std::span<const std::int64_t>(m.batch_counters())},
                         meta);
}

/// Reads a checkpoint written by save_checkpoint for the same network and optimiser kind into
/// `m` and `opt` and returns where the run stood. Throws io_error naming the file for a
/// missing, truncated or corrupt file, one of another network or optimiser (the message shows
/// both signatures); `m` and `opt` are changed only when every check has passed.
template<class Net, class In, class T, std::size_t P>
checkpoint_state load_checkpoint(const std::filesystem::path& path, model<Net, In, T>& m,
                                 optimizer<T, P>& opt) {
    static_assert(P == model<Net, In, T>::parameter_count,
                  "typenet::train::load_checkpoint: the optimizer is for another network");
    using namespace typenet::detail;
    std::vector<stored_tensor> tensors = stored_tensors<Net, In>();
    const auto names = opt.state_names();
    for (std::size_t b = 0; b < names.size(); ++b)
        tensors.push_back({"optimizer." + names[b], {P}, P * (b + 1), P, tensor_role::parameter});
    std::vector<T> params(P * (1 + names.size()));
    std::vector<T> buffers(m.buffers().size());
    std::vector<std::int64_t> counters(m.batch_counters().size());
    const safetensors_metadata meta = read_safetensors<T>(
        path, ::typenet::train::detail::checkpoint_signature<Net, In>(opt), tensors,
        {std::span<T>(params), std::span<T>(buffers), std::span<std::int64_t>(counters)});
    checkpoint_state st;
    st.epochs_done = ::typenet::train::detail::metadata_number(meta, path, "epochs_done");
    st.step = ::typenet::train::detail::metadata_number(meta, path, "step");
    st.seed = ::typenet::train::detail::metadata_number(meta, path, "seed");
    const std::uint64_t opt_steps =
        ::typenet::train::detail::metadata_number(meta, path, "optimizer_steps");
    const auto settings =
        meta.find(std::string(::typenet::train::detail::checkpoint_prefix) + "settings");
    if (settings == meta.end())
        throw io_error(path, "not a checkpoint: metadata 'typenet.checkpoint.settings' is missing");
    st.settings = settings->second;
    if (const auto h =
            meta.find(std::string(::typenet::train::detail::checkpoint_prefix) + "history");
        h != meta.end())
        st.history = h->second;
    // Every check has passed: now the state changes.
    std::vector<std::span<const T>> blocks;
    for (std::size_t b = 0; b < names.size(); ++b)
        blocks.emplace_back(params.data() + P * (b + 1), P);
    opt.restore(static_cast<std::size_t>(opt_steps), blocks);
    std::copy(params.begin(), params.begin() + std::ptrdiff_t(P), m.parameters().begin());
    // (A network without batch norm has no buffers: its spans' data() is null.)
    if constexpr (model<Net, In, T>::buffer_count > 0) {
        std::copy(buffers.begin(), buffers.end(), m.buffers().begin());
        std::copy(counters.begin(), counters.end(), m.batch_counters().begin());
    }
    return st;
}

} // namespace typenet::train
