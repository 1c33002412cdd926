#pragma once
// batch_samples: the samples of one batch as data_parallel's SampleFn wants them — sample(k)
// returns {tensor_view<const T, Shape>, label} of the dataset's image indices[k], augmented.
//
//   for (const std::span<const std::size_t> batch : tn::train::batches(order, batch_size))
//       workers.accumulate(params, buffers, options, batch.size(),
//                          tn::train::batch_samples(train, batch, augmentation, seed, epoch),
//                          grad);
//
// The augmentation's key is the sample's index in the dataset (not its place in the batch), so
// an image's augmentation depends on (seed, epoch, index) alone: not on the batch size, the
// thread count or the order. Without augmentation (identity) the view is the dataset's own
// image; otherwise it is a buffer of the calling thread, which holds the image until the same
// thread's next call of a batch_samples of that T and Shape. data_parallel copies each sample's
// image before it asks for the next one (model/data_parallel.hpp, model/chunk_workspace.hpp), so
// that is long enough. The buffer is static thread storage (one tensor<T, Shape> per thread of
// the program for each (T, Shape) used), so not even a thread's first call allocates.

#include "typenet/io/idx.hpp"
#include "typenet/tensor/tensor.hpp"
#include "typenet/tensor/tensor_view.hpp"
#include "typenet/train/augment.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace typenet::train {

namespace detail {
/// The calling thread's buffer for augmented images of type tensor<T, Shape>.
template<class T, class Shape>
tensor<T, Shape>& augment_buffer() noexcept {
    thread_local tensor<T, Shape> buffer;
    return buffer;
}
} // namespace detail

template<class Shape, class T, image_transform Augmentation = identity>
class batch_samples {
public:
    using sample_type = labelled_sample<T, Shape>;

    /// The samples indices[0], indices[1], ... of `data`, augmented with the decisions of
    /// (seed, epoch). Refers to `data` and to the indices, which must outlive it. Throws
    /// std::out_of_range when an index is not below data.size().
    batch_samples(const dataset<Shape, T>& data, std::span<const std::size_t> indices,
                  Augmentation augmentation = {}, std::uint64_t seed = 0, std::uint64_t epoch = 0)
        : data_(&data)
        , indices_(indices)
        , augmentation_(std::move(augmentation))
        , seed_(seed)
        , epoch_(epoch) {
        for (std::size_t k = 0; k < indices_.size(); ++k)
            if (indices_[k] >= data.size())
                throw std::out_of_range("typenet::train::batch_samples: index " +
                                        std::to_string(indices_[k]) + " at position " +
                                        std::to_string(k) + " is out of range for a dataset of " +
                                        std::to_string(data.size()) + " samples");
    }
    /// It would refer to a dataset that dies at the end of the call's full-expression.
    batch_samples(const dataset<Shape, T>&&, std::span<const std::size_t>, Augmentation = {},
                  std::uint64_t = 0, std::uint64_t = 0) = delete;

    /// The batch size.
    std::size_t size() const noexcept { return indices_.size(); }
    std::span<const std::size_t> indices() const noexcept { return indices_; }

    /// Sample k of the batch (k < size(), unchecked): {image, label} of indices[k].
    sample_type operator()(std::size_t k) const {
        const std::size_t i = indices_[k];
        if constexpr (std::is_same_v<Augmentation, identity>) {
            return (*data_)[i];
        } else {
            tensor<T, Shape>& buffer = detail::augment_buffer<T, Shape>();
            augment(augmentation_, data_->image(i), buffer,
                    {.seed = seed_, .epoch = epoch_, .index = i});
            return {std::as_const(buffer).view(), data_->label(i)};
        }
    }

private:
    const dataset<Shape, T>* data_;
    std::span<const std::size_t> indices_;
    Augmentation augmentation_;
    std::uint64_t seed_;
    std::uint64_t epoch_;
};

template<class Shape, class T>
batch_samples(const dataset<Shape, T>&, std::span<const std::size_t>)
    -> batch_samples<Shape, T, identity>;
template<class Shape, class T, image_transform Augmentation>
batch_samples(const dataset<Shape, T>&, std::span<const std::size_t>, Augmentation,
              std::uint64_t = 0, std::uint64_t = 0) -> batch_samples<Shape, T, Augmentation>;

} // namespace typenet::train
