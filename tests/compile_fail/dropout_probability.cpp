// Rule (ops/dropout.hpp): the drop probability N/D of dropout<std::ratio<N, D>, Shape> is in
// [0, 1): p = 1 would drop everything and scale by 1/0.
// expect-error: typenet::dropout: the drop probability N/D must be in .0, 1.

#include "typenet/ops/dropout.hpp"
#include "typenet/shape/shape.hpp"

#include <ratio>

// An explicit instantiation: the class and its static members, where the rule is checked (a call
// of a member after the failed rule would add clang's errors about the now invalid class).
#ifdef TYPENET_COMPILE_FAIL
template struct typenet::ops::dropout<std::ratio<1, 1>, typenet::shape<8>>;
#else
template struct typenet::ops::dropout<std::ratio<1, 2>, typenet::shape<8>>;
#endif
