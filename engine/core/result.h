#pragma once
// Result<T, E>: the value of an operation that can fail on untrusted input or I/O.
//
// Contract: errors on the data path (bad HL7, bad frames, peer resets, disk full) are values, not
// exceptions (STYLE.md 7). A Result holds either a T or an E; asking for the wrong one is a broken
// invariant and aborts. Cheap to move; copyable when T and E are.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace irwell {

// The default error: a human-readable message. Layers with richer errors (hl7::ParseError,
// config::Diagnostic) use their own E.
struct Error {
  std::string message;
};

template <class E>
struct Unexpected {
  E error;
};

template <class E>
Unexpected<std::decay_t<E>> fail(E&& e) {
  return {std::forward<E>(e)};
}
inline Unexpected<Error> fail(std::string message) { return {Error{std::move(message)}}; }
inline Unexpected<Error> fail(const char* message) { return {Error{message}}; }

[[noreturn]] inline void invariant_broken(const char* what) {
  std::fprintf(stderr, "irwell: broken invariant: %s\n", what);
  std::abort();
}

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  template <class G>
  Result(Unexpected<G> u) : v_(std::in_place_index<1>, E(std::move(u.error))) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    if (!ok()) invariant_broken("Result::value() on an error");
    return std::get<0>(v_);
  }
  const T& value() const& {
    if (!ok()) invariant_broken("Result::value() on an error");
    return std::get<0>(v_);
  }
  T&& value() && {
    if (!ok()) invariant_broken("Result::value() on an error");
    return std::get<0>(std::move(v_));
  }
  const E& error() const {
    if (ok()) invariant_broken("Result::error() on a value");
    return std::get<1>(v_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, E> v_;
};

// Result<void>: success or an error.
struct Ok {};
template <class E = Error>
using Status = Result<Ok, E>;
inline Ok ok() { return {}; }

}  // namespace irwell
