#pragma once
// Structured logs: one JSON object per line on stderr.
// Never pass secrets or personal data: routes are logged by pattern, not raw path.
#include <string>
#include <utility>
#include <vector>

namespace hallpass::server {

// Writes {"ts":…,"level":…,"event":…, fields…} as one line. Field values are strings or numbers
// already formatted as JSON (use json_str for strings).
void log_line(std::string_view level, std::string_view event,
              const std::vector<std::pair<std::string, std::string>>& fields = {});
std::string json_str(std::string_view s);

}  // namespace hallpass::server
