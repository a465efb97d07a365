// docs/openapi.yaml against the route table: every route documented, nothing documented that
// does not exist, and each operation's x-body-limit equal to the route's limit (defaults).
// A line scan is enough for the layout the file keeps: paths at 2 spaces, methods at 4,
// operation fields at 6.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <string>

#include "hallpass/server/api/router.hpp"
#include "hallpass/server/app/bootstrap.hpp"

namespace server = hallpass::server;

namespace {

struct documented_operation {
  int line = 0;
  long body_limit = -1;  // -1: not stated
  bool has_responses = false;
};

using operation_key = std::pair<std::string, std::string>;  // method (upper case), path

std::size_t indent_of(const std::string& line) {
  auto n = line.find_first_not_of(' ');
  return n == std::string::npos ? line.size() : n;
}

std::string unquote(std::string s) {
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) s = s.substr(1, s.size() - 2);
  return s;
}

std::map<operation_key, documented_operation> scan(const std::string& file, std::vector<std::string>& problems) {
  static const std::set<std::string> methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};
  std::ifstream in(file);
  if (!in) problems.push_back("cannot read " + file);
  std::map<operation_key, documented_operation> ops;
  std::string line, path;
  documented_operation* current = nullptr;
  bool in_paths = false;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto indent = indent_of(line);
    if (indent == line.size() || line[indent] == '#') continue;
    if (indent == 0) {
      in_paths = line == "paths:";
      current = nullptr;
      continue;
    }
    if (!in_paths) continue;
    auto colon = line.find(':', indent);
    std::string key = colon == std::string::npos ? "" : unquote(line.substr(indent, colon - indent));
    if (indent == 2) {
      if (key.empty() || key[0] != '/') problems.push_back("line " + std::to_string(n) + ": not a path key: " + line);
      path = key;
      current = nullptr;
    } else if (indent == 4) {
      current = nullptr;
      if (!methods.count(key)) continue;  // parameters, summary, …
      std::string method;
      for (char c : key) method += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      auto [it, fresh] = ops.try_emplace({method, path});
      if (!fresh) problems.push_back("line " + std::to_string(n) + ": " + method + " " + path + " documented twice");
      it->second.line = n;
      current = &it->second;
    } else if (indent == 6 && current) {
      auto value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (key == "x-body-limit") current->body_limit = std::stol(value);
      if (key == "responses") current->has_responses = true;
    }
  }
  return ops;
}

}  // namespace

TEST(OpenApi, DocumentsEveryRouteAndNothingElse) {
  std::vector<std::string> problems;
  auto documented = scan(HALLPASS_OPENAPI_FILE, problems);
  for (auto& p : problems) ADD_FAILURE() << p;

  server::config cfg;
  auto routes = server::api::all_routes(server::api_settings_of(cfg));
  ASSERT_FALSE(routes.empty());
  std::set<operation_key> real;
  for (auto& r : routes) {
    operation_key key{std::string(r.method), std::string(r.pattern)};
    real.insert(key);
    auto it = documented.find(key);
    if (it == documented.end()) {
      ADD_FAILURE() << "route not in docs/openapi.yaml: " << r.method << " " << r.pattern;
      continue;
    }
    EXPECT_TRUE(it->second.has_responses) << r.method << " " << r.pattern << " lists no responses";
    EXPECT_EQ(it->second.body_limit, static_cast<long>(r.body_limit))
        << r.method << " " << r.pattern << ": x-body-limit (line " << it->second.line
        << ") differs from the route table";
  }
  for (auto& [key, op] : documented) {
    EXPECT_TRUE(real.count(key)) << "docs/openapi.yaml line " << op.line << " documents " << key.first << " "
                                 << key.second << ", which is not a route";
  }
  EXPECT_EQ(documented.size(), real.size());
}

TEST(OpenApi, ScannerSeesTheLayoutItExpects) {
  // Guards the scan itself: the known first routes must be found, with their limits.
  std::vector<std::string> problems;
  auto documented = scan(HALLPASS_OPENAPI_FILE, problems);
  ASSERT_TRUE(documented.count({"GET", "/healthz"}));
  EXPECT_EQ(documented.at({"GET", "/healthz"}).body_limit, 0);
  ASSERT_TRUE(documented.count({"POST", "/api/v1/sessions"}));
  EXPECT_EQ(documented.at({"POST", "/api/v1/sessions"}).body_limit, static_cast<long>(server::config{}.json_body_limit));
  EXPECT_GE(documented.size(), 10u);
}
