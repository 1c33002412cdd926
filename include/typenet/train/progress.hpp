#pragma once
// progress: how a training run shows where it is. On a terminal a bar redrawn in place with the
// throughput, the running loss and the time left in the epoch; otherwise (a log file, CI) no
// redrawing: one plain line per quarter of an epoch. Either way one line per finished epoch.

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace typenet::train {

enum class progress_style { automatic, bar, lines, none };

/// "1:05", "12:30:00"
inline std::string format_duration(double seconds) {
    if (!(seconds >= 0) || seconds > 1e7)
        return "?";
    const auto s = static_cast<long>(seconds + 0.5);
    char b[32];
    if (s >= 3600)
        std::snprintf(b, sizeof b, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        std::snprintf(b, sizeof b, "%ld:%02ld", s / 60, s % 60);
    return b;
}

class progress {
public:
    /// automatic: a bar when `out` is a terminal, lines otherwise.
    explicit progress(progress_style style = progress_style::automatic, std::FILE* out = stdout)
        : out_(out)
        , style_(style == progress_style::automatic
                     ? (::isatty(::fileno(out)) ? progress_style::bar : progress_style::lines)
                     : style) {}

    progress_style style() const noexcept { return style_; }

    void start_epoch(std::size_t epoch, std::size_t epochs, std::size_t steps) {
        epoch_ = epoch;
        epochs_ = epochs;
        steps_ = steps;
        next_quarter_ = 1;
        t0_ = std::chrono::steady_clock::now();
        last_draw_ = t0_;
    }

    /// After step `step` (1-based) of the epoch, `images` seen so far with mean loss `loss`.
    void update(std::size_t step, std::size_t images, double loss) {
        if (style_ == progress_style::none || style_ == progress_style::lines) {
            if (style_ == progress_style::lines && steps_ >= 8 && next_quarter_ < 4 &&
                step * 4 >= next_quarter_ * steps_) {
                std::fprintf(out_, "  epoch %zu/%zu %3zu%%  %.0f img/s  loss %.4f\n", epoch_,
                             epochs_, 100 * step / steps_, rate(images), loss);
                std::fflush(out_);
                ++next_quarter_;
            }
            return;
        }
        const auto now = std::chrono::steady_clock::now();
        if (step != steps_ && now - last_draw_ < std::chrono::milliseconds(200))
            return;
        last_draw_ = now;
        constexpr std::size_t width = 30;
        const std::size_t done = width * step / steps_;
        const double r = rate(images);
        const double left = r > 0 ? double(images) / r * double(steps_ - step) / double(step) : 0;
        std::fprintf(out_, "\repoch %zu/%zu [%s%s] %3zu%%  %6.0f img/s  loss %.4f  ETA %s ", epoch_,
                     epochs_, std::string(done, '#').c_str(),
                     std::string(width - done, '.').c_str(), 100 * step / steps_, r, loss,
                     format_duration(left).c_str());
        std::fflush(out_);
    }

    /// The epoch's summary line (replacing the bar).
    void end_epoch(const std::string& line) {
        if (style_ == progress_style::none)
            return;
        if (style_ == progress_style::bar)
            std::fputs("\r\033[K", out_);
        std::fputs(line.c_str(), out_);
        std::fputc('\n', out_);
        std::fflush(out_);
    }

private:
    double rate(std::size_t images) const {
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
        return s > 0 ? double(images) / s : 0.0;
    }

    std::FILE* out_;
    progress_style style_;
    std::size_t epoch_ = 0, epochs_ = 0, steps_ = 1, next_quarter_ = 1;
    std::chrono::steady_clock::time_point t0_, last_draw_;
};

} // namespace typenet::train
