#include "printing.hpp"

#include <chrono>
#include <filesystem>
#include <mutex>
#include <stdexcept>

#include <boost/json.hpp>

#include "hallpass/kiosk/cups_printer.hpp"
#include "hallpass/kiosk/escpos.hpp"
#include "hallpass/kiosk/escpos_printer.hpp"
#include "outbox.hpp"

namespace hallpass::kiosk {

namespace json = boost::json;
using seconds_d = std::chrono::duration<double>;

namespace {

std::string text(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

// Development: each document as a PDF file in a folder.
class pdf_folder final : public printer {
 public:
  explicit pdf_folder(std::string dir) : dir_(std::move(dir)) { std::filesystem::create_directories(dir_); }
  printed print(const document_to_print& doc) override {
    auto started = std::chrono::steady_clock::now();
    write_file_durably(dir_ + "/" + doc.name + ".pdf", doc.pdf);
    return {true, "printed", "已打印", "Printed", seconds_d(std::chrono::steady_clock::now() - started).count()};
  }
  bool needs_pdf() const override { return true; }
  std::string description() const override { return "pdf:" + dir_; }

 private:
  std::string dir_;
};

// A thermal receipt: the document's title and number, its signed QR code, then what it says.
receipt receipt_of(const json::object& doc) {
  using a = receipt_line::alignment;
  receipt r;
  r.lines_before_qr.push_back({text(doc, "title"), a::center, true, true});
  if (auto ref = text(doc, "reference"); !ref.empty()) r.lines_before_qr.push_back({ref, a::center});
  r.qr_text = text(doc, "qr_text");
  if (!r.qr_text.empty()) r.lines_after_qr.push_back({"扫码验真 Scan to verify", a::center});
  if (auto* fields = doc.if_contains("fields"); fields && fields->is_array())
    for (auto& f : fields->as_array())
      if (f.is_object()) r.lines_after_qr.push_back({text(f.as_object(), "label") + "：" + text(f.as_object(), "value")});
  if (auto* table = doc.if_contains("table"); table && table->is_object()) {
    if (auto* rows = table->as_object().if_contains("rows"); rows && rows->is_array())
      for (auto& row : rows->as_array()) {
        std::string line = "·";
        if (row.is_array())
          for (auto& cell : row.as_array())
            if (cell.is_string()) line += " " + std::string(cell.as_string());
        r.lines_after_qr.push_back({line});
      }
  }
  if (auto* paragraphs = doc.if_contains("paragraphs"); paragraphs && paragraphs->is_array())
    for (auto& p : paragraphs->as_array())
      if (p.is_string()) r.lines_after_qr.push_back({std::string(p.as_string())});
  r.lines_after_qr.push_back({text(doc, "issuer"), a::right});
  r.lines_after_qr.push_back({text(doc, "issued_on"), a::right});
  return r;
}

class receipt_printer final : public printer {
 public:
  receipt_printer(std::string target, int paper_mm) : target_(std::move(target)), paper_(paper_of_width_mm(paper_mm)) {
    if (!parse_printer_target(target_)) throw std::invalid_argument("escpos: needs tcp://HOST:PORT or file:PATH, not " + target_);
  }
  printed print(const document_to_print& doc) override {
    auto started = std::chrono::steady_clock::now();
    std::string job;
    try {
      job = escpos_receipt(receipt_of(doc.content), paper_);
    } catch (const std::invalid_argument&) {
      return {false, "cannot_lay_out", "这份文书无法用小票打印，请到窗口打印", "This document cannot be printed on a receipt"};
    }
    auto out = print_receipt(target_, job, std::chrono::seconds(5));
    return {out.ok, out.code, out.message_zh, out.message_en, seconds_d(std::chrono::steady_clock::now() - started).count()};
  }
  bool needs_pdf() const override { return false; }
  std::string description() const override { return "escpos:" + target_; }

 private:
  std::string target_;
  paper paper_;
};

class cups_a4 final : public printer {
 public:
  cups_a4(std::string queue, std::string server) : cups_(std::move(queue), std::move(server)) {}
  printed print(const document_to_print& doc) override {
    std::lock_guard lock(mutex_);
    auto started = std::chrono::steady_clock::now();
    auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(doc.pdf.data()), doc.pdf.size());
    auto sent = cups_.submit(bytes, doc.name);
    double accepted = seconds_d(std::chrono::steady_clock::now() - started).count();
    if (!sent.ok) return {false, std::string(cups_code_name(sent.code)), sent.message_zh, sent.message_en, accepted};
    // Followed until printed, or until it is clear the staff must step in; a long job goes on.
    auto end = cups_.wait(sent.job_id, std::chrono::seconds(20));
    if (end.code == cups_code::timeout) return {true, "accepted", "已送往打印机", "Sent to the printer", accepted};
    return {end.ok, std::string(cups_code_name(end.code)), end.message_zh, end.message_en, accepted};
  }
  bool needs_pdf() const override { return true; }
  int cancel_pending() override {
    std::lock_guard lock(mutex_);
    return static_cast<int>(cups_.cancel_all_mine().canceled_jobs.size());
  }
  std::string description() const override { return "cups:" + cups_.destination(); }

 private:
  std::mutex mutex_;
  cups_printer cups_;
};

}  // namespace

std::unique_ptr<printer> make_printer(const printer_settings& s) {
  auto after = [&](const char* prefix) { return s.target.substr(std::string(prefix).size()); };
  if (s.target.rfind("pdf:", 0) == 0) return std::make_unique<pdf_folder>(after("pdf:"));
  if (s.target.rfind("escpos:", 0) == 0) return std::make_unique<receipt_printer>(after("escpos:"), s.paper_mm);
  if (s.target.rfind("cups:", 0) == 0) return std::make_unique<cups_a4>(after("cups:"), s.cups_server);
  throw std::invalid_argument("printer must be cups:QUEUE, escpos:TARGET or pdf:DIR, not " + s.target);
}

}  // namespace hallpass::kiosk
