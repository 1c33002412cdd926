#pragma once
// Learning-rate schedules: the rate of every optimiser step as a pure function of the step's
// index, so that a run resumed from a checkpoint at step s continues with exactly the rates of an
// uninterrupted run (nothing but the step count is state).
//
//   constant   lr
//   step       lr * gamma^floor(s / step_size)                         (torch StepLR per step)
//   cosine     linear warm-up from lr / warmup_steps to lr over warmup_steps, then
//              min_lr + (lr - min_lr) * (1 + cos(pi * t)) / 2, t from 0 to 1 at total_steps
//   one_cycle  torch.optim.lr_scheduler.OneCycleLR (anneal_strategy "cos", three_phase off):
//              from lr / div_factor up to lr over the first pct_start of total_steps, then down
//              to lr / (div_factor * final_div_factor) at the last step

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <numbers>
#include <stdexcept>
#include <string>

namespace typenet::train {

enum class schedule_kind { constant, step, cosine, one_cycle };

struct schedule {
    schedule_kind kind = schedule_kind::constant;
    double lr = 1e-3;              ///< the rate (constant, step), the peak (cosine, one_cycle)
    std::size_t total_steps = 0;   ///< cosine, one_cycle: the run's length in optimiser steps
    std::size_t warmup_steps = 0;  ///< cosine
    double min_lr = 0.0;           ///< cosine: the rate at total_steps
    std::size_t step_size = 1;     ///< step: steps between two decays
    double gamma = 0.1;            ///< step: the factor of each decay
    double pct_start = 0.3;        ///< one_cycle: the rising fraction of the run
    double div_factor = 25.0;      ///< one_cycle: initial rate = lr / div_factor
    double final_div_factor = 1e4; ///< one_cycle: final rate = initial rate / final_div_factor

    static schedule constant(double lr) { return {.kind = schedule_kind::constant, .lr = lr}; }
    static schedule step_decay(double lr, std::size_t step_size, double gamma) {
        return {.kind = schedule_kind::step, .lr = lr, .step_size = step_size, .gamma = gamma};
    }
    static schedule cosine(double lr, std::size_t total_steps, std::size_t warmup_steps = 0,
                           double min_lr = 0.0) {
        return {.kind = schedule_kind::cosine,
                .lr = lr,
                .total_steps = total_steps,
                .warmup_steps = warmup_steps,
                .min_lr = min_lr};
    }
    static schedule one_cycle(double max_lr, std::size_t total_steps, double pct_start = 0.3) {
        return {.kind = schedule_kind::one_cycle,
                .lr = max_lr,
                .total_steps = total_steps,
                .pct_start = pct_start};
    }

    /// Throws std::invalid_argument naming the setting that makes no schedule.
    void validate() const {
        const auto fail = [](const std::string& what) {
            throw std::invalid_argument("typenet::train::schedule: " + what);
        };
        if (!(lr >= 0.0) || !std::isfinite(lr))
            fail("invalid learning rate " + std::to_string(lr));
        switch (kind) {
        case schedule_kind::constant:
            break;
        case schedule_kind::step:
            if (step_size == 0)
                fail("step_size must be at least 1");
            if (!(gamma > 0.0))
                fail("gamma must be positive");
            break;
        case schedule_kind::cosine:
            if (total_steps == 0)
                fail("cosine needs total_steps");
            if (warmup_steps >= total_steps)
                fail("warmup_steps (" + std::to_string(warmup_steps) +
                     ") must be fewer than total_steps (" + std::to_string(total_steps) + ")");
            if (!(min_lr >= 0.0 && min_lr <= lr))
                fail("min_lr must lie in [0, lr]");
            break;
        case schedule_kind::one_cycle:
            // OneCycleLR's own checks: the rising phase must hold at least one step.
            if (total_steps < 2)
                fail("one_cycle needs total_steps >= 2");
            if (!(pct_start > 0.0 && pct_start < 1.0))
                fail("pct_start must lie in (0, 1)");
            if (pct_start * double(total_steps) - 1.0 <= 0.0)
                fail("pct_start * total_steps must exceed 1");
            if (!(div_factor > 0.0) || !(final_div_factor > 0.0))
                fail("div_factor and final_div_factor must be positive");
            break;
        }
    }

    /// The rate of step s (s = 0 is the first step). Past total_steps the last rate holds.
    double at(std::size_t s) const {
        switch (kind) {
        case schedule_kind::constant:
            return lr;
        case schedule_kind::step:
            return lr * std::pow(gamma, double(s / step_size));
        case schedule_kind::cosine: {
            if (s < warmup_steps)
                return lr * double(s + 1) / double(warmup_steps);
            const double t =
                std::min(1.0, double(s - warmup_steps) / double(total_steps - warmup_steps));
            return min_lr + (lr - min_lr) * (1.0 + std::cos(std::numbers::pi * t)) / 2.0;
        }
        case schedule_kind::one_cycle: {
            const double initial = lr / div_factor, final_lr = initial / final_div_factor;
            const double up_end = pct_start * double(total_steps) - 1.0;
            const double down_end = double(total_steps) - 1.0;
            const double x = std::min(double(s), down_end);
            // _annealing_cos(start, end, pct) = end + (start - end) / 2 * (cos(pi * pct) + 1)
            const auto anneal = [](double start, double end, double pct) {
                return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1.0);
            };
            if (x <= up_end)
                return anneal(initial, lr, x / up_end);
            return anneal(lr, final_lr, (x - up_end) / (down_end - up_end));
        }
        }
        return lr;
    }

    /// "one_cycle(max 0.004, 4700 steps, 30% up)", for logs and checkpoints.
    std::string describe() const {
        const auto num = [](double v) {
            char b[32];
            std::snprintf(b, sizeof b, "%g", v);
            return std::string(b);
        };
        switch (kind) {
        case schedule_kind::constant:
            return "constant(" + num(lr) + ")";
        case schedule_kind::step:
            return "step(" + num(lr) + ", x" + num(gamma) + " every " + std::to_string(step_size) +
                   " steps)";
        case schedule_kind::cosine:
            return "cosine(" + num(lr) + " to " + num(min_lr) + ", " + std::to_string(total_steps) +
                   " steps, " + std::to_string(warmup_steps) + " warm-up)";
        case schedule_kind::one_cycle:
            return "one_cycle(max " + num(lr) + ", " + std::to_string(total_steps) + " steps, " +
                   num(pct_start * 100) + "% up)";
        }
        return "";
    }
};

} // namespace typenet::train
