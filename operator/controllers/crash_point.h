#pragma once
#include <string_view>

namespace kappa::controllers {

// Fault injection for the convergence tests (docs/design.md, invariant 6): when the
// environment variable KAPPA_CRASH_AT names this point, the process kills
// itself with SIGKILL right here, as a node failure would, mid-step. Unset
// in production, it costs one comparison.
void crash_point(std::string_view name);

}  // namespace kappa::controllers
