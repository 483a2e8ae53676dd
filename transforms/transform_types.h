#pragma once
// The built-in transform types, one factory per file (set_transform.cpp, lookup_transform.cpp...).
// Each returns the type's TypeSpec (its fields, next to the code that reads them) and builder.
// register.cpp lists them all, once: that list is the only registration (STYLE.md 5).
#include "engine/pipeline/transform.h"

namespace irwell::transforms {

pipeline::TransformType set_transform_type();             // set
pipeline::TransformType copy_transform_type();            // copy
pipeline::TransformType move_transform_type();            // move
pipeline::TransformType clear_transform_type();           // clear
pipeline::TransformType delete_segment_transform_type();  // delete_segment
pipeline::TransformType add_segment_transform_type();     // add_segment
pipeline::TransformType lookup_transform_type();          // lookup
pipeline::TransformType format_date_transform_type();     // format_date
pipeline::TransformType nhs_number_transform_type();      // nhs_number
pipeline::TransformType filter_transform_type();          // filter
pipeline::TransformType suppress_transform_type();        // suppress
pipeline::TransformType set_msh_transform_type();         // set_msh
pipeline::TransformType xml_transform_type();             // xml

}  // namespace irwell::transforms
