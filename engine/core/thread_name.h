#pragma once
// Names the calling thread as `top -H`, `ps -L`, perf and gdb show it.
// - Contract: Linux keeps the first 15 bytes of `name`; longer names are cut, never refused.
//   Best effort: a failure leaves the old name and is not reported (names are for people).
// - Thread-safety: affects the calling thread only.
#include <pthread.h>

#include <string>
#include <string_view>

namespace irwell {

inline void name_this_thread(std::string_view name) {
  const std::string cut(name.substr(0, 15));
  (void)pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace irwell
