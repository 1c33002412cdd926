#pragma once
// model_storage<State>: where a model keeps its parameters, gradients and activations.
//
// On a hosted build the state lives in one heap block allocated by the constructor (and by a
// copy), never during a pass: a model is then a pointer wide, so a model of any size can be a
// local variable without overflowing the stack (a dense<2048> on 1x28x28 holds 12.8 MB of
// parameters and gradients in float). With TYPENET_STATIC_STORAGE defined, or on a freestanding
// implementation, the state is held inside the object, and the heap is never used: the model
// then belongs in static storage (a global, or a `static` local) whose size the linker checks.

#include <memory>
#include <type_traits>

#if !defined(TYPENET_STATIC_STORAGE) && !__STDC_HOSTED__
#define TYPENET_STATIC_STORAGE 1
#endif

namespace typenet {

/// Whether models hold their state inside the object (true) or in one heap block (false).
#ifdef TYPENET_STATIC_STORAGE
inline constexpr bool static_model_storage = true;
#else
inline constexpr bool static_model_storage = false;
#endif

/// A value-initialised State with value semantics: a copy copies the state. On hosted builds
/// the state is on the heap (allocated once, by construction or copy; moving copies too, so a
/// model is never left without its state).
template<class State, bool Inline = static_model_storage>
class model_storage;

template<class State>
class model_storage<State, false> {
public:
    model_storage()
        : state_(std::make_unique<State>()) {}
    model_storage(const model_storage& other)
        : state_(std::make_unique<State>(*other.state_)) {}
    model_storage& operator=(const model_storage& other) {
        *state_ = *other.state_;
        return *this;
    }
    ~model_storage() = default;

    State& operator*() noexcept { return *state_; }
    const State& operator*() const noexcept { return *state_; }
    State* operator->() noexcept { return state_.get(); }
    const State* operator->() const noexcept { return state_.get(); }

private:
    std::unique_ptr<State> state_;
};

template<class State>
class model_storage<State, true> {
public:
    State& operator*() noexcept { return state_; }
    const State& operator*() const noexcept { return state_; }
    State* operator->() noexcept { return &state_; }
    const State* operator->() const noexcept { return &state_; }

private:
    State state_{};
};

} // namespace typenet
