#pragma once
// The runtime's clock is the shared one from common/.
#include "kappa/common/clock.h"

namespace kappa::kube {
using kappa::Clock;
using kappa::SteadyClock;
}  // namespace kappa::kube
