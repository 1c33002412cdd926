#pragma once
// evaluation: what the trainer reports for a data set after an epoch — the mean cross-entropy,
// the accuracy and the confusion matrix — accumulated from each sample's logits, so it serves a
// data_parallel forward pass (one thread per sample) without holding the logits.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

namespace typenet::train {

struct evaluation {
    std::size_t count = 0;
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
    evaluation_tally(std::size_t count, std::size_t classes)
        : classes_(classes)
        , predicted_(count)
        , truth_(count)
        , loss_(count) {}

    /// Sample k had these logits and this label: its arg-max (the first maximum) and its loss
    /// log(sum exp(z)) - z[label], computed in double around the maximum.
    template<class T>
    void record(std::size_t k, std::span<const T> logits, std::size_t label) {
        const auto best = std::max_element(logits.begin(), logits.end());
        const double max = double(*best);
        double total = 0;
        for (const T z : logits)
            total += std::exp(double(z) - max);
        predicted_[k] = static_cast<std::size_t>(best - logits.begin());
        truth_[k] = label;
        loss_[k] = std::log(total) + max - double(logits[label]);
    }

    evaluation result() const {
        evaluation e;
        e.count = loss_.size();
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
    std::size_t classes_;
    std::vector<std::size_t> predicted_, truth_;
    std::vector<double> loss_;
};

} // namespace typenet::train
