#pragma once
// evaluation: what the trainer reports for a data set after an epoch — the mean cross-entropy,
// the accuracy and the confusion matrix — accumulated from each sample's logits, so it serves a
// data_parallel forward pass (one thread per sample) without holding the logits.
//
// test_views::image_and_mirror evaluates each image and its left-right mirror and averages the
// two softmax distributions (test-time augmentation, as torchvision users write it with
// TF.hflip): the prediction is the arg-max of the mean distribution and the loss its
// cross-entropy. It costs a second forward pass per image, and pays for networks trained with
// mirrored images (--augment flip), which see both views as the same class.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

namespace typenet::train {

/// The views of each image an evaluation averages over.
enum class test_views {
    image,            ///< the image as it is
    image_and_mirror, ///< the image and its left-right mirror, softmax distributions averaged
};

inline const char* to_string(test_views v) noexcept {
    return v == test_views::image ? "image" : "image_and_mirror";
}

struct evaluation {
    std::size_t count = 0;
    test_views views = test_views::image; ///< what each sample's prediction averaged over
    double loss = 0.0;     ///< mean cross-entropy of softmax(logits) against the labels
    double accuracy = 0.0; ///< share of samples whose arg-max is the label
    std::size_t classes = 0;
    std::vector<std::size_t> confusion; ///< classes x classes, [true][predicted]

    std::size_t confused(std::size_t truth, std::size_t predicted) const {
        return confusion[truth * classes + predicted];
    }
};

/// Per-sample outcomes, filled by concurrent threads (distinct k), then summed in sample order
/// (so the loss does not depend on the thread count).
class evaluation_tally {
public:
    evaluation_tally(std::size_t count, std::size_t classes, test_views views = test_views::image)
        : views_(views)
        , classes_(classes)
        , predicted_(count)
        , truth_(count)
        , loss_(count) {}

    /// Sample k had these logits and this label: its arg-max (the first maximum) and its loss
    /// log(sum exp(z)) - z[label], computed in double around the maximum.
    template<class T>
    void record(std::size_t k, std::span<const T> logits, std::size_t label) {
        predicted_[k] = static_cast<std::size_t>(std::max_element(logits.begin(), logits.end()) -
                                                 logits.begin());
        truth_[k] = label;
        loss_[k] = log_sum_exp(logits) - double(logits[label]);
    }

    /// Sample k had these logits for the image and these for its mirror: its prediction and loss
    /// are those of the mean of the two softmax distributions, computed in double.
    template<class T>
    void record(std::size_t k, std::span<const T> image_logits, std::span<const T> mirror_logits,
                std::size_t label) {
        const double image_lse = log_sum_exp(image_logits);
        const double mirror_lse = log_sum_exp(mirror_logits);
        // log of the mean of the two probabilities of class c, around the larger of the two, so
        // that a label both views give a negligible probability has a finite loss.
        const auto log_mean_p = [&](std::size_t c) {
            const double a = double(image_logits[c]) - image_lse;
            const double b = double(mirror_logits[c]) - mirror_lse;
            const double m = std::max(a, b);
            return m + std::log(0.5 * (std::exp(a - m) + std::exp(b - m)));
        };
        std::size_t best = 0;
        double best_log_p = -std::numeric_limits<double>::infinity();
        for (std::size_t c = 0; c < image_logits.size(); ++c)
            if (const double lp = log_mean_p(c); lp > best_log_p) {
                best_log_p = lp;
                best = c;
            }
        predicted_[k] = best;
        truth_[k] = label;
        loss_[k] = -log_mean_p(label);
    }

    evaluation result() const {
        evaluation e;
        e.count = loss_.size();
        e.views = views_;
        e.classes = classes_;
        e.confusion.assign(classes_ * classes_, 0);
        std::size_t correct = 0;
        for (std::size_t k = 0; k < e.count; ++k) {
            correct += predicted_[k] == truth_[k];
            ++e.confusion[truth_[k] * classes_ + predicted_[k]];
            e.loss += loss_[k];
        }
        if (e.count) {
            e.loss /= double(e.count);
            e.accuracy = double(correct) / double(e.count);
        }
        return e;
    }

private:
    /// log(sum exp(z)) in double, around the maximum so that no exp overflows.
    template<class T>
    static double log_sum_exp(std::span<const T> logits) {
        const double max = double(*std::max_element(logits.begin(), logits.end()));
        double total = 0;
        for (const T z : logits)
            total += std::exp(double(z) - max);
        return std::log(total) + max;
    }

    test_views views_;
    std::size_t classes_;
    std::vector<std::size_t> predicted_, truth_;
    std::vector<double> loss_;
};

} // namespace typenet::train
