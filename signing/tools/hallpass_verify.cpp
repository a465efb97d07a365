// hallpass-verify: checks the signed document code of a HallPass document (受理回执, 决定书) from
// its QR text, a photo of it, or the PDF, against the hall's trust list, and optionally asks the
// hall whether the document has been revoked. Prints one JSON object (README.md of signing/).
#include "hallpass/qr/decode.hpp"
#include "hallpass/signing/document_code.hpp"

#include <boost/json.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
namespace signing = hallpass::signing;

constexpr const char* usage =
    "Usage: hallpass-verify [--trust-list FILE] [--online URL] INPUT\n"
    "Checks the signed QR code of a HallPass document.\n"
    "  INPUT              the QR text (an http:// or https:// URL), or a file: a PDF (first page)\n"
    "                     or a photo (JPEG, PNG, WebP, ...)\n"
    "  --trust-list FILE  the hall's signed trust list (default $HOME/.cache/hallpass/trust-list.json)\n"
    "  --online URL       the hall's base URL: also ask it whether the document was revoked\n"
    "Prints one JSON object {\"verdict\", \"signed\", \"differing_fields\", \"online\"}: for a PDF, the\n"
    "printed fields that differ from the signed ones (then the verdict is altered; null for a photo or\n"
    "text). Exit status: 0 genuine, 1 any other verdict, 2 usage or input errors.\n";

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}
std::string_view trimmed(std::string_view s) {
  constexpr std::string_view space = " \t\r\n";
  const auto first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}
bool is_url(std::string_view s) { return starts_with_nocase(s, "http://") || starts_with_nocase(s, "https://"); }

std::string read_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw std::runtime_error(path.string() + ": not a readable file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error("cannot read " + path.string());
  return bytes;
}

// Runs a program (found on PATH) to completion; its standard output, or an error.
std::string run_program(std::vector<std::string> args) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("cannot make a pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; rc == 0 && (n = read(out[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  close(out[0]);
  if (rc != 0) throw std::runtime_error("cannot run " + args[0] + " (poppler-utils)");
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw std::runtime_error(args[0] + " lost");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error(args[0] + " failed on " + args.back());
  return text;
}

// pdftoppm on the first page into a fresh temporary folder; the PNG's bytes.
std::string render_first_page(const fs::path& pdf) {
  std::string folder = (fs::temp_directory_path() / "hallpass-verify-XXXXXX").string();
  if (mkdtemp(folder.data()) == nullptr) throw std::runtime_error("cannot create a temporary folder");
  struct remover {
    std::string path;
    ~remover() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } cleanup{folder};
  run_program({"pdftoppm", "-r", "200", "-f", "1", "-l", "1", "-png", pdf.string(), folder + "/page"});
  for (const auto& e : fs::directory_iterator(folder))
    if (e.path().extension() == ".png") return read_file(e.path());
  throw std::runtime_error("pdftoppm rendered no page of " + pdf.string());
}

// The first page's text (pdftotext), with all white space removed: lines wrap where the layout
// wants, and the fields are compared without it.
std::string first_page_text(const fs::path& pdf) {
  std::string text;
  for (char c : run_program({"pdftotext", "-enc", "UTF-8", "-f", "1", "-l", "1", pdf.string(), "-"}))
    if (!std::isspace(static_cast<unsigned char>(c))) text += c;
  return text;
}

// The QR texts of INPUT: the text itself, or every symbol found in the image or the PDF's first
// page (then is_pdf).
std::vector<std::string> qr_texts(const std::string& input, bool& is_pdf) {
  is_pdf = false;
  if (is_url(trimmed(input))) return {input};
  const fs::path path(input);
  std::string bytes = read_file(path);
  is_pdf = bytes.rfind("%PDF", 0) == 0;
  if (is_pdf) bytes = render_first_page(path);
  auto found = hallpass::qr::decode_all_image_bytes(
      {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
  if (!found) throw std::runtime_error(input + ": " + found.error().message_en);
  std::vector<std::string> texts;
  for (auto& d : *found) texts.push_back(std::move(d.text));
  return texts;
}

std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out.push_back(c);
  }
  return out + "'";
}

// The hall's answer for the payload: {"verdict", "record"}, or {"error": ...} when it gave none.
json::object ask_online(std::string base_url, std::string_view payload) {
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  const std::string url = base_url + "/api/v1/document-checks/" + signing::base41_encode(payload);
  const std::string command = "curl -s --max-time 10 " + shell_quote(url);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {{"error", "cannot run curl"}};
  std::string body;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0 && body.size() < (1u << 20)) body.append(buf, n);
  const int status = pclose(pipe);
  if (status != 0) return {{"error", "no answer from " + url}};
  json::error_code ec;
  auto answer = json::parse(body, ec);
  if (ec || !answer.is_object()) return {{"error", "the answer of " + url + " is not a JSON object"}};
  return std::move(answer.get_object());
}

json::value claims_json(const signing::document_claims& c) {
  return json::object{
      {"type", signing::document_type_name(c.type)},
      {"serial", c.serial_hex()},
      {"issued_at", signing::utc_time(c.issued_at)},
      {"expires_at", signing::utc_time(c.expires_at())},
      {"office", c.office},
      {"reference", c.reference},
      {"holder", c.holder},
      {"key_id", c.key_id},
      {"document_hash", c.document_hash_hex()},
  };
}

int run(int argc, char** argv) {
  std::optional<std::string> trust_path, online, input;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      return 0;
    }
    if (arg == "--trust-list" || arg == "--online") {
      if (i + 1 >= argc) throw usage_error(std::string(arg) + " needs a value");
      (arg == "--trust-list" ? trust_path : online) = argv[++i];
    } else if (arg.size() > 1 && arg[0] == '-') {
      throw usage_error("unknown option " + std::string(arg));
    } else if (input) {
      throw usage_error("one INPUT only");
    } else {
      input = std::string(arg);
    }
  }
  if (!input) throw usage_error("INPUT missing");
  if (online && !is_url(*online)) throw usage_error("--online needs an http:// or https:// URL");
  if (!trust_path) {
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') throw usage_error("no --trust-list and no $HOME");
    trust_path = std::string(home) + "/.cache/hallpass/trust-list.json";
  }
  const auto list = signing::parse_trust_list(read_file(*trust_path));
  if (!list) throw std::runtime_error(*trust_path + ": not a trust list signed by one of its live keys");

  bool is_pdf = false;
  const auto texts = qr_texts(*input, is_pdf);
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  signing::check_result result;
  std::string text;  // the QR text the result is about
  for (const auto& t : texts) {
    result = signing::check_offline(t, *list, now);
    text = t;
    if (result.outcome != signing::verdict::not_hallpass) break;
  }
  if (texts.empty()) std::cerr << "hallpass-verify: no QR code found in " << *input << "\n";

  json::object out;
  auto outcome = result.outcome;
  out["signed"] = result.claims ? claims_json(*result.claims) : json::value(nullptr);
  if (online && result.claims) {
    // The payload parsed, so it sits in a document URL of the list's issuer.
    auto payload = signing::payload_of_url(trimmed(text), list->issuer);
    if (payload) {
      auto answer = ask_online(*online, *payload);
      if (const auto* v = answer.if_contains("verdict"); v != nullptr && v->is_string() && v->get_string() == "revoked")
        outcome = signing::verdict::revoked;
      out["online"] = std::move(answer);
    }
  }
  // A PDF's printed fields against the signed ones, where the signature held: a copy whose text
  // was changed under a genuine code is altered, and the fields say where. (A photo's text is
  // not read: null.)
  json::value differing = nullptr;
  if (signing::signature_held(outcome) && is_pdf) {
    json::array fields;
    for (auto& d : signing::compare_printed(*result.claims, first_page_text(*input)))
      fields.push_back(json::object{{"field", d.field}, {"printed", d.printed}, {"signed", d.signed_value}});
    if (!fields.empty()) outcome = signing::verdict::altered;
    differing = std::move(fields);
  }
  out["verdict"] = signing::verdict_name(outcome);
  json::object ordered{{"verdict", out["verdict"]}, {"signed", out["signed"]}, {"differing_fields", differing}};
  if (auto* o = out.if_contains("online")) ordered["online"] = *o;
  std::cout << json::serialize(ordered) << "\n";
  return outcome == signing::verdict::genuine ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const usage_error& e) {
    std::cerr << "hallpass-verify: " << e.what() << "\n" << usage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "hallpass-verify: " << e.what() << "\n";
    return 2;
  }
}
