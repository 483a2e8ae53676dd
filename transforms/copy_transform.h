#pragma once
// Shared by `copy` (copy_transform.cpp) and `move` (move_transform.cpp): move is a copy whose
// source is emptied afterwards, so both are built by the same code.
#include <vector>

#include "transforms/params.h"

namespace irwell::transforms {

// Builds a copy (move = false) or a move from the fields copy_like_fields() declares.
Built build_copy_like(const config::Params& p, bool move);
// The fields of copy/move: from, to, missing_segment. `verb` is "copy" or "move" for the docs.
std::vector<config::FieldSpec> copy_like_fields(const char* verb);

}  // namespace irwell::transforms
