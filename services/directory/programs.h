// The programs of the science literacy plan: its five actions (行动) and four
// projects (工程), as /work/shared/seed/service-lines.tsv names them. They are
// fixed by the plan, so they are compiled in rather than stored.
#pragma once

#include <vector>

#include "absl/strings/string_view.h"
#include "kepu/v1/directory.pb.h"

namespace kepu {

// The nine programs in the plan's order: youth, farmers, workers, elderly,
// officials (the actions), then resources, digital, infrastructure,
// grassroots (the projects, audience GENERAL_PUBLIC). Each is active at
// version 1.
const std::vector<v1::Program>& Programs();

// The program with `id`; nullptr when there is none.
const v1::Program* FindProgram(absl::string_view id);

}  // namespace kepu
