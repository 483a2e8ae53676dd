#include "engine/config/wildcard.h"

#include <string>
#include <vector>

namespace irwell::config {

bool wildcard_match(std::string_view pattern, std::string_view text) {
  // Greedy matching with backtracking to the last `*`: linear in practice, no recursion.
  size_t p = 0, t = 0, star = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_t = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool message_type_matches(std::string_view pattern, std::string_view code, std::string_view event) {
  if (pattern.find('^') == std::string_view::npos) return wildcard_match(pattern, code);
  std::string text;
  text.reserve(code.size() + 1 + event.size());
  text.append(code).append("^").append(event);
  return wildcard_match(pattern, text);
}

bool wildcards_intersect(std::string_view a, std::string_view b) {
  // Breadth-first search over pairs of positions (i in a, j in b): the product of the two
  // patterns' automata. A `*` may be skipped (epsilon) or consume a character and stay; `?` and
  // literals consume one. Two positions can consume the same character unless both are literals
  // that differ. The patterns intersect when (end, end) is reachable.
  const size_t w = b.size() + 1;
  std::vector<char> seen((a.size() + 1) * w, 0);
  std::vector<std::pair<size_t, size_t>> todo{{0, 0}};
  seen[0] = 1;
  auto push = [&](size_t i, size_t j) {
    if (!seen[i * w + j]) {
      seen[i * w + j] = 1;
      todo.emplace_back(i, j);
    }
  };
  while (!todo.empty()) {
    auto [i, j] = todo.back();
    todo.pop_back();
    if (i == a.size() && j == b.size()) return true;
    if (i < a.size() && a[i] == '*') push(i + 1, j);
    if (j < b.size() && b[j] == '*') push(i, j + 1);
    if (i == a.size() || j == b.size()) continue;
    bool lit_a = a[i] != '*' && a[i] != '?';
    bool lit_b = b[j] != '*' && b[j] != '?';
    if (lit_a && lit_b && a[i] != b[j]) continue;
    push(a[i] == '*' ? i : i + 1, b[j] == '*' ? j : j + 1);
  }
  return false;
}

}  // namespace irwell::config
