// hallpass-scan: runs the imaging pipeline on photos from the command line.
#include <hallpass/imaging/imaging.hpp>

#include <boost/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace im = hallpass::imaging;
namespace json = boost::json;

namespace {

constexpr const char* usage = R"(usage: hallpass-scan [options] PHOTO... --out FILE

Finds the paper page in each photo, flattens, checks and compresses it.

options:
  --out FILE          output file; with several photos and jpeg/png, FILE-1.jpg, FILE-2.jpg, ...
  --format F          jpeg (default), png, pdf (one PDF of all accepted pages)
  --mode M            colour (default), grey, bw
  --paper P           auto (default), a4, id-card
  --budget BYTES      size budget per A4 page (default 512000 = 500 KiB; suffix K or M = 1000s)
  --thresholds FILE   JSON object of thresholds (see imaging.hpp for the keys)
  --max-pixels N      refuse photos above N pixels before decoding (default 50000000)
  --json              print one JSON object per photo on stdout
  --help              this text
exit status: 0 all accepted, 1 some photo rejected, 2 usage or output error
)";

struct cli {
  std::vector<std::string> inputs;
  std::string out, format = "jpeg";
  bool json = false;
  im::options opts;
};

std::size_t parse_size(const std::string& s) {
  std::size_t pos = 0;
  double v = std::stod(s, &pos);
  std::string unit = s.substr(pos);
  if (unit == "K" || unit == "k") v *= 1000;
  else if (unit == "M" || unit == "m") v *= 1000 * 1000;
  else if (!unit.empty()) throw std::invalid_argument("bad size " + s);
  return std::size_t(v);
}

bool parse(int argc, char** argv, cli& c, std::string& error) {
  try {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
        return argv[++i];
      };
      if (a == "--help" || a == "-h") { std::cout << usage; std::exit(0); }
      else if (a == "--out" || a == "-o") c.out = value();
      else if (a == "--json") c.json = true;
      else if (a == "--format") c.format = value();
      else if (a == "--budget") c.opts.size_budget_bytes = parse_size(value());
      else if (a == "--max-pixels") c.opts.max_pixels = parse_size(value());
      else if (a == "--mode") {
        std::string m = value();
        if (m == "colour" || m == "color") c.opts.mode = im::colour_mode::colour;
        else if (m == "grey" || m == "gray") c.opts.mode = im::colour_mode::grey;
        else if (m == "bw") c.opts.mode = im::colour_mode::black_white;
        else throw std::invalid_argument("unknown mode " + m);
      } else if (a == "--paper") {
        std::string p = value();
        if (p == "auto") c.opts.paper = im::paper_kind::auto_detect;
        else if (p == "a4") c.opts.paper = im::paper_kind::a4;
        else if (p == "id-card" || p == "id_card") c.opts.paper = im::paper_kind::id_card;
        else throw std::invalid_argument("unknown paper " + p);
      } else if (a == "--thresholds") {
        im::thresholds_result t = im::load_thresholds_file(value());
        if (!t.value) throw std::invalid_argument("thresholds: " + t.error);
        c.opts.limits = *t.value;
      } else if (!a.empty() && a[0] == '-') throw std::invalid_argument("unknown option " + a);
      else c.inputs.push_back(a);
    }
    if (c.format != "jpeg" && c.format != "png" && c.format != "pdf") throw std::invalid_argument("unknown format " + c.format);
    if (c.inputs.empty()) throw std::invalid_argument("no input photos");
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
  c.opts.format = c.format == "png" ? im::output_format::png : im::output_format::jpeg;
  c.opts.produce_output = true;
  return true;
}

std::string output_path(const cli& c, std::size_t index, const std::string& ext) {
  if (c.out.empty()) return {};
  if (c.inputs.size() == 1) return c.out;
  std::filesystem::path p(c.out);
  std::string stem = p.has_extension() ? (p.parent_path() / p.stem()).string() : p.string();
  return stem + "-" + std::to_string(index + 1) + "." + ext;
}

bool write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), std::streamsize(bytes.size()));
  return bool(f);
}

json::object to_json(const std::string& input, const im::page_result& r, const std::string& path) {
  json::object o;
  o["input"] = input;
  o["accepted"] = r.accepted;
  if (r.corners) {
    json::array cs;
    for (const im::point& p : *r.corners) cs.push_back(json::array{std::round(p.x * 10) / 10, std::round(p.y * 10) / 10});
    o["corners"] = cs;
  } else {
    o["corners"] = nullptr;
  }
  o["confidence"] = r.confidence;
  json::object checks;
  for (const auto& [name, c] : r.checks) checks[name] = json::object{{"value", c.value}, {"threshold", c.threshold}, {"ok", c.ok}};
  o["checks"] = checks;
  json::array reasons;
  for (const im::reason& x : r.reasons)
    reasons.push_back(json::object{{"code", x.code}, {"message", x.message}, {"message_en", x.message_en}});
  o["reasons"] = reasons;
  if (!r.output.empty())
    o["output"] = json::object{{"path", path.empty() ? json::value(nullptr) : json::value(path)},
                               {"bytes", r.output.size()}, {"width", r.width}, {"height", r.height},
                               {"dpi", std::round(r.dpi * 10) / 10}, {"format", r.output_format},
                               {"paper", r.paper}};
  else
    o["output"] = nullptr;
  json::object t;
  for (const auto& [name, ms] : r.timings_ms) t[name] = std::round(ms * 100) / 100;
  o["timings_ms"] = t;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  cli c;
  std::string error;
  if (!parse(argc, argv, c, error)) {
    std::cerr << "hallpass-scan: " << error << "\n" << usage;
    return 2;
  }
  int status = 0;
  std::vector<im::page_for_pdf> pages;
  for (std::size_t i = 0; i < c.inputs.size(); ++i) {
    if (c.inputs.size() > 1) std::cerr << "[" << i + 1 << "/" << c.inputs.size() << "] " << c.inputs[i] << "\n";
    std::ifstream f(c.inputs[i], std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    im::page_result r;
    if (!f.good() && !f.eof()) r.reasons.push_back(im::make_reason("unreadable_image", {}, "cannot open the file"));
    else r = im::process({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, c.opts);
    std::string path;
    if (r.accepted && !r.output.empty() && c.format == "pdf") {
      pages.push_back({r.output, r.output_format, r.width, r.height, r.dpi});
    } else if (r.accepted && !r.output.empty() && !c.out.empty()) {
      path = output_path(c, i, r.output_format == "png" ? "png" : "jpg");
      if (!write_file(path, r.output)) { std::cerr << "hallpass-scan: cannot write " << path << "\n"; status = 2; }
    }
    if (!r.accepted && status == 0) status = 1;
    json::object o = to_json(c.inputs[i], r, c.format == "pdf" ? c.out : path);
    if (c.json) {
      std::cout << json::serialize(o) << std::endl;
    } else {
      std::cout << c.inputs[i] << ": " << (r.accepted ? "accepted" : "rejected");
      for (const im::reason& x : r.reasons) std::cout << " | " << x.code << ": " << x.message_en;
      if (!path.empty()) std::cout << " -> " << path;
      std::cout << "\n";
    }
  }
  if (c.format == "pdf" && !c.out.empty()) {
    if (pages.empty()) {
      std::cerr << "hallpass-scan: no accepted page, no PDF written\n";
      return status == 0 ? 1 : status;
    }
    im::pdf_result pdf = im::make_pdf(pages);
    if (!pdf.pdf || !write_file(c.out, *pdf.pdf)) {
      std::cerr << "hallpass-scan: PDF failed: " << pdf.error << "\n";
      return 2;
    }
    if (!c.json) std::cout << "PDF: " << c.out << " (" << pages.size() << " pages)\n";
  }
  return status;
}
