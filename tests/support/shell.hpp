#pragma once
// Running a program from a test through sh: words quoted for the shell, the exit status and
// what it printed on standard output (append " 2>&1" to a command to have its errors too).
#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <string_view>

namespace hallpass::shell {

// `s` as one sh word, whatever it holds (spaces, quotes).
inline std::string quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct result {
  int status = -1;  // the exit status; -1 when it did not run or did not exit
  std::string out;
};

inline result run(const std::string& command) {
  result r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) r.out.append(buf, n);
  const int status = ::pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace hallpass::shell
