#include "services/directory/programs.h"

namespace kepu {
namespace {

v1::Program Make(const char* id, const char* name, const char* name_en,
                 v1::Audience audience) {
  v1::Program program;
  program.set_id(id);
  program.set_name(name);
  program.set_name_en(name_en);
  program.set_audience(audience);
  program.set_active(true);
  program.set_version(1);
  return program;
}

}  // namespace

const std::vector<v1::Program>& Programs() {
  static const auto* const kPrograms = new std::vector<v1::Program>{
      Make("youth", "青少年科学素质提升行动", "Youth science literacy",
           v1::AUDIENCE_YOUTH),
      Make("farmers", "农民科学素质提升行动", "Farmers' science literacy",
           v1::AUDIENCE_FARMERS),
      Make("workers", "产业工人科学素质提升行动",
           "Industrial workers' science literacy",
           v1::AUDIENCE_INDUSTRIAL_WORKERS),
      Make("elderly", "老年人科学素质提升行动", "Elderly science literacy",
           v1::AUDIENCE_ELDERLY),
      Make("officials", "领导干部和公务员科学素质提升行动",
           "Officials' and civil servants' science literacy",
           v1::AUDIENCE_OFFICIALS),
      Make("resources", "科技资源科普化工程", "Science resources for outreach",
           v1::AUDIENCE_GENERAL_PUBLIC),
      Make("digital", "科普信息化提升工程", "Digital science communication",
           v1::AUDIENCE_GENERAL_PUBLIC),
      Make("infrastructure", "科普基础设施工程",
           "Science outreach infrastructure", v1::AUDIENCE_GENERAL_PUBLIC),
      Make("grassroots", "基层科普能力提升工程", "Grassroots outreach capacity",
           v1::AUDIENCE_GENERAL_PUBLIC),
  };
  return *kPrograms;
}

const v1::Program* FindProgram(absl::string_view id) {
  for (const v1::Program& program : Programs()) {
    if (program.id() == id) return &program;
  }
  return nullptr;
}

}  // namespace kepu
