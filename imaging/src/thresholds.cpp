// Thresholds from JSON (Boost.JSON); strict: unknown keys and non-numbers are errors.
#include <hallpass/imaging/imaging.hpp>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

namespace hallpass::imaging {

thresholds_result load_thresholds(const std::string& text, const thresholds& defaults) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) return {std::nullopt, "invalid JSON: " + ec.message()};
  if (!v.is_object()) return {std::nullopt, "thresholds must be a JSON object"};
  thresholds t = defaults;
  const std::pair<const char*, double thresholds::*> fields[] = {
      {"min_sharpness", &thresholds::min_sharpness},
      {"min_paper_brightness", &thresholds::min_paper_brightness},
      {"max_clipped_shadows", &thresholds::max_clipped_shadows},
      {"max_clipped_highlights", &thresholds::max_clipped_highlights},
      {"max_glare", &thresholds::max_glare},
      {"min_dpi", &thresholds::min_dpi},
      {"min_frame_margin", &thresholds::min_frame_margin},
      {"min_ink", &thresholds::min_ink},
      {"min_confidence", &thresholds::min_confidence},
  };
  for (const auto& [key, value] : v.as_object()) {
    bool known = false;
    for (const auto& [name, member] : fields) {
      if (key != name) continue;
      known = true;
      if (!value.is_number()) return {std::nullopt, std::string("\"") + name + "\" must be a number"};
      t.*member = value.to_number<double>();
    }
    if (!known) return {std::nullopt, "unknown threshold \"" + std::string(key) + "\""};
  }
  return {t, {}};
}

thresholds_result load_thresholds_file(const std::string& path, const thresholds& defaults) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {std::nullopt, "cannot open " + path};
  std::ostringstream s;
  s << in.rdbuf();
  return load_thresholds(s.str(), defaults);
}

}  // namespace hallpass::imaging
