// SIGTERM and SIGINT as a server's signal to stop: blocked in every thread and
// taken by one sigwait, so no handler runs at an arbitrary point.
#ifndef KEPU_SERVICES_CORE_STOP_SIGNALS_H_
#define KEPU_SERVICES_CORE_STOP_SIGNALS_H_

#include <signal.h>

namespace kepu {

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts
// afterwards. Call it first in main, before any thread starts.
sigset_t BlockStopSignals();

// Waits for one of `signals` (from BlockStopSignals); returns its number.
int WaitForStopSignal(const sigset_t& signals);

}  // namespace kepu

#endif  // KEPU_SERVICES_CORE_STOP_SIGNALS_H_
