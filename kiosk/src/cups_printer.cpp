// CUPS printing with libcups: one http_t connection per printer object, IPP requests on it.
#include "hallpass/kiosk/cups_printer.hpp"

#include <cups/cups.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

namespace hallpass::kiosk {

namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

// Pauses between two looks at a job in wait(): short at first (a small job ends within a
// second), then longer so that a long wait costs the scheduler little.
constexpr milliseconds first_poll{50};
constexpr milliseconds longest_poll{500};
// Bytes per write of the document to the scheduler.
constexpr std::size_t write_chunk = 64 * 1024;

struct messages {
  const char* zh;
  const char* en;
};

messages messages_of(cups_code code) {
  switch (code) {
    case cups_code::accepted: return {"已提交打印，请稍候", "Sent to the printer; please wait."};
    case cups_code::completed: return {"打印完成，请取走回执", "Printing finished; please take your receipt."};
    case cups_code::aborted: return {"打印失败，请联系工作人员", "Printing failed; please ask the staff."};
    case cups_code::canceled: return {"打印已取消", "Printing was canceled."};
    case cups_code::held: return {"打印任务已暂缓，请联系工作人员", "The print job is on hold; please ask the staff."};
    case cups_code::printer_stopped: return {"打印机已暂停，请联系工作人员", "The printer is paused; please ask the staff."};
    case cups_code::printer_not_found: return {"打印机未找到，请联系工作人员", "Printer not found; please ask the staff."};
    case cups_code::printer_not_accepting:
      return {"打印机暂不接受打印任务，请联系工作人员", "The printer is not accepting jobs; please ask the staff."};
    case cups_code::server_unreachable:
      return {"无法连接打印服务，请联系工作人员", "The print service cannot be reached; please ask the staff."};
    case cups_code::job_not_found: return {"找不到该打印任务", "The print job was not found."};
    case cups_code::job_finished: return {"打印任务已结束，无法取消", "The print job has already ended and cannot be canceled."};
    case cups_code::not_permitted: return {"无权操作该打印任务，请联系工作人员", "Not permitted to do this; please ask the staff."};
    case cups_code::invalid_document: return {"文件无法打印，请联系工作人员", "The document cannot be printed; please ask the staff."};
    case cups_code::timeout: return {"打印超时，请联系工作人员", "Printing did not finish in time; please ask the staff."};
    case cups_code::failed: break;
  }
  return {"打印出错，请联系工作人员", "Printing failed; please ask the staff."};
}

cups_outcome outcome(cups_code code, std::string detail = {}, int job_id = 0) {
  cups_outcome o;
  o.code = code;
  const auto m = messages_of(code);
  o.message_zh = m.zh;
  o.message_en = m.en;
  o.detail = std::move(detail);
  o.job_id = job_id;
  o.ok = code == cups_code::accepted || code == cups_code::completed;
  return o;
}

// What the last IPP status of this thread means. `about_job`: the request named a job, so
// "not found" is the job's (otherwise the printer's).
cups_outcome from_last_error(bool about_job, int job_id = 0) {
  const ipp_status_t status = cupsLastError();
  std::string detail = ippErrorString(status);
  if (const char* text = cupsLastErrorString(); text != nullptr && *text != '\0') detail += std::string(": ") + text;
  cups_code code = cups_code::failed;
  switch (status) {
    case IPP_STATUS_ERROR_NOT_FOUND: code = about_job ? cups_code::job_not_found : cups_code::printer_not_found; break;
    case IPP_STATUS_ERROR_NOT_ACCEPTING_JOBS: code = cups_code::printer_not_accepting; break;
    case IPP_STATUS_ERROR_NOT_POSSIBLE: code = about_job ? cups_code::job_finished : cups_code::failed; break;
    case IPP_STATUS_ERROR_FORBIDDEN:
    case IPP_STATUS_ERROR_NOT_AUTHENTICATED:
    case IPP_STATUS_ERROR_NOT_AUTHORIZED:
    case IPP_STATUS_ERROR_CUPS_AUTHENTICATION_CANCELED: code = cups_code::not_permitted; break;
    case IPP_STATUS_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED:
    case IPP_STATUS_ERROR_DOCUMENT_FORMAT_ERROR: code = cups_code::invalid_document; break;
    case IPP_STATUS_ERROR_SERVICE_UNAVAILABLE: code = cups_code::server_unreachable; break;
    case IPP_STATUS_ERROR_TIMEOUT: code = cups_code::timeout; break;
    default: break;
  }
  return outcome(code, std::move(detail), job_id);
}

// A kiosk has no one to type a password: libcups must never prompt on the terminal for one.
// (The callback is libcups' per-thread state; there is no per-connection one.)
const char* no_password(const char*, http_t*, const char*, const char*, void*) { return nullptr; }

// Gives up a blocked exchange once httpSetTimeout's time has passed.
int give_up(http_t*, void*) { return 0; }

std::vector<std::string> strings_of(ipp_t* response, const char* name) {
  std::vector<std::string> out;
  if (ipp_attribute_t* attr = ippFindAttribute(response, name, IPP_TAG_ZERO)) {
    for (int i = 0; i < ippGetCount(attr); ++i) {
      if (const char* s = ippGetString(attr, i, nullptr)) out.emplace_back(s);
    }
  }
  return out;
}

std::string string_of(ipp_t* response, const char* name) {
  const auto all = strings_of(response, name);
  return all.empty() ? std::string() : all.front();
}

struct ipp_deleter {
  void operator()(ipp_t* p) const { ippDelete(p); }
};
using ipp_ptr = std::unique_ptr<ipp_t, ipp_deleter>;

// Where to connect: a socket path, or host and port from "HOST", "HOST:PORT", "[V6]:PORT".
struct endpoint {
  std::string host;
  int port = 631;
};

endpoint endpoint_of(const std::string& server) {
  if (server.empty()) return {cupsServer(), ippPort()};  // CUPS_SERVER, client.conf, or the local socket
  if (server.front() == '/') return {server, 0};
  endpoint e{server, 631};
  const auto colon = server.rfind(':');
  const bool bracketed = server.front() == '[';
  const bool has_port = colon != std::string::npos &&
                        (bracketed ? colon > 0 && server[colon - 1] == ']' : server.find(':') == colon);
  if (has_port) {
    e.host = server.substr(0, colon);
    e.port = std::atoi(server.c_str() + colon + 1);
  }
  if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']') e.host = e.host.substr(1, e.host.size() - 2);
  return e;
}

}  // namespace

std::string_view cups_code_name(cups_code code) noexcept {
  switch (code) {
    case cups_code::accepted: return "accepted";
    case cups_code::completed: return "completed";
    case cups_code::aborted: return "aborted";
    case cups_code::canceled: return "canceled";
    case cups_code::held: return "held";
    case cups_code::printer_stopped: return "printer_stopped";
    case cups_code::printer_not_found: return "printer_not_found";
    case cups_code::printer_not_accepting: return "printer_not_accepting";
    case cups_code::server_unreachable: return "server_unreachable";
    case cups_code::job_not_found: return "job_not_found";
    case cups_code::job_finished: return "job_finished";
    case cups_code::not_permitted: return "not_permitted";
    case cups_code::invalid_document: return "invalid_document";
    case cups_code::timeout: return "timeout";
    case cups_code::failed: return "failed";
  }
  return "failed";
}

struct cups_printer::state {
  std::string destination;
  std::string server;
  milliseconds io_timeout;
  http_t* http = nullptr;

  ~state() { disconnect(); }

  void disconnect() {
    if (http != nullptr) httpClose(http);
    http = nullptr;
  }

  // The connection, made on first use and after a failure; nullopt when it is there.
  std::optional<cups_outcome> connect() {
    cupsSetPasswordCB2(no_password, nullptr);
    if (http != nullptr) return std::nullopt;
    const endpoint to = endpoint_of(server);
    const int msec = static_cast<int>(std::max<milliseconds::rep>(io_timeout.count(), 1));
    http = httpConnect2(to.host.c_str(), to.port, nullptr, AF_UNSPEC, cupsEncryption(), 1, msec, nullptr);
    if (http == nullptr) {
      // libcups says why in its last error (errno is gone by now).
      std::string detail = "cannot connect to " + to.host;
      if (to.host.empty() || to.host.front() != '/') detail.append(":").append(std::to_string(to.port));
      const char* why = cupsLastErrorString();
      detail.append(": ").append(why != nullptr ? why : ippErrorString(cupsLastError()));
      return outcome(cups_code::server_unreachable, std::move(detail));
    }
    httpSetTimeout(http, static_cast<double>(msec) / 1000.0, give_up, nullptr);
    return std::nullopt;
  }

  // The outcome of the last failed request; a broken connection is dropped, to be made again.
  cups_outcome failure(bool about_job, int job_id = 0) {
    auto o = from_last_error(about_job, job_id);
    const bool broken = http == nullptr || httpError(http) != 0;
    if (o.code == cups_code::server_unreachable || broken) {
      o = outcome(cups_code::server_unreachable, o.detail, job_id);
      disconnect();
    }
    return o;
  }

  std::string printer_uri() const { return "ipp://localhost/printers/" + destination; }

  ipp_ptr request(ipp_op_t op, int job_id = 0) const {
    ipp_t* r = ippNewRequest(op);
    ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, printer_uri().c_str());
    if (job_id > 0) ippAddInteger(r, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", job_id);
    ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, cupsUser());
    return ipp_ptr(r);
  }

  // Sends `r`; the response, or nullptr with cupsLastError() set.
  ipp_ptr exchange(ipp_ptr r, const std::string& resource = "/") {
    ipp_ptr response(cupsDoRequest(http, r.release(), resource.c_str()));
    if (response && cupsLastError() > IPP_STATUS_OK_EVENTS_COMPLETE) response.reset();
    return response;
  }
};

cups_printer::cups_printer(std::string destination, std::string server, milliseconds io_timeout)
    : state_(std::make_unique<state>()) {
  state_->destination = std::move(destination);
  state_->server = std::move(server);
  state_->io_timeout = io_timeout;
}

cups_printer::~cups_printer() = default;
cups_printer::cups_printer(cups_printer&&) noexcept = default;
cups_printer& cups_printer::operator=(cups_printer&&) noexcept = default;

const std::string& cups_printer::destination() const noexcept { return state_->destination; }

cups_outcome cups_printer::submit(std::span<const std::uint8_t> pdf, std::string_view title,
                                  const cups_job_options& options) {
  if (pdf.empty()) return outcome(cups_code::invalid_document, "empty document");
  if (auto refused = state_->connect()) return *refused;
  http_t* http = state_->http;
  const char* dest = state_->destination.c_str();
  const std::string name(title);

  // Create-Job is sent by hand on this connection: cupsCreateJob would look the destination up
  // again (lpoptions files, then a query of the printer-uri the server advertises, possibly on a
  // connection of its own to another spelling of the host) and reports an unknown queue as an
  // internal error.
  auto create = state_->request(IPP_OP_CREATE_JOB);
  ippAddString(create.get(), IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", nullptr, name.c_str());
  cups_option_t* job_options = nullptr;
  int count = 0;
  if (options.copies > 1) count = cupsAddOption("copies", std::to_string(options.copies).c_str(), count, &job_options);
  if (options.hold) count = cupsAddOption("job-hold-until", "indefinite", count, &job_options);
  cupsEncodeOptions2(create.get(), count, job_options, IPP_TAG_OPERATION);
  cupsEncodeOptions2(create.get(), count, job_options, IPP_TAG_JOB);
  cupsFreeOptions(count, job_options);
  const ipp_ptr created = state_->exchange(std::move(create), "/printers/" + state_->destination);
  if (!created) return state_->failure(false);
  const int job_id = ippGetInteger(ippFindAttribute(created.get(), "job-id", IPP_TAG_INTEGER), 0);
  if (job_id <= 0) return outcome(cups_code::failed, "no job-id in the Create-Job answer");

  // From here on a failure leaves a job without its document: cancel it so it does not wait.
  auto abandon = [&](cups_outcome why) {
    if (state_->http != nullptr) cupsCancelJob2(state_->http, dest, job_id, 0);
    why.job_id = job_id;
    return why;
  };
  // No document-name: cupsd 2.4.2-3+deb12u10 (Debian 12) runs off the end of a document name with a
  // space or non-ASCII text in it and crashes; the job's name already says what it is.
  if (cupsStartDocument(http, dest, job_id, nullptr, CUPS_FORMAT_PDF, 1) != HTTP_STATUS_CONTINUE) {
    return abandon(state_->failure(false));
  }
  for (std::size_t at = 0; at < pdf.size(); at += write_chunk) {
    const std::size_t n = std::min(write_chunk, pdf.size() - at);
    if (cupsWriteRequestData(http, reinterpret_cast<const char*>(pdf.data() + at), n) != HTTP_STATUS_CONTINUE) {
      cupsFinishDocument(http, dest);  // reads the server's answer, which says why
      return abandon(state_->failure(false));
    }
  }
  if (cupsFinishDocument(http, dest) > IPP_STATUS_OK_EVENTS_COMPLETE) return abandon(state_->failure(false));
  return outcome(cups_code::accepted, {}, job_id);
}

cups_outcome cups_printer::wait(int job_id, milliseconds timeout) {
  const auto deadline = steady::now() + timeout;
  milliseconds pause = first_poll;
  for (;;) {
    if (auto refused = state_->connect()) {
      refused->job_id = job_id;
      return *refused;
    }
    auto r = state_->request(IPP_OP_GET_JOB_ATTRIBUTES, job_id);
    static const char* const wanted[] = {"job-state", "job-state-reasons", "job-printer-state-message"};
    ippAddStrings(r.get(), IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 3, nullptr, wanted);
    const ipp_ptr job = state_->exchange(std::move(r));
    if (!job) return state_->failure(true, job_id);

    ipp_attribute_t* state_attr = ippFindAttribute(job.get(), "job-state", IPP_TAG_ENUM);
    if (state_attr == nullptr) return outcome(cups_code::failed, "no job-state in the answer", job_id);
    const auto job_state = static_cast<ipp_jstate_t>(ippGetInteger(state_attr, 0));
    auto report = [&](cups_code code, std::string detail) {
      cups_outcome o = outcome(code, std::move(detail), job_id);
      o.job_state = ippEnumString("job-state", job_state);
      o.job_state_reasons = strings_of(job.get(), "job-state-reasons");
      return o;
    };
    const std::string printer_message = string_of(job.get(), "job-printer-state-message");
    switch (job_state) {
      case IPP_JSTATE_COMPLETED: return report(cups_code::completed, printer_message);
      case IPP_JSTATE_ABORTED: return report(cups_code::aborted, printer_message);
      case IPP_JSTATE_CANCELED: return report(cups_code::canceled, printer_message);
      case IPP_JSTATE_HELD: return report(cups_code::held, printer_message);
      case IPP_JSTATE_STOPPED: return report(cups_code::printer_stopped, printer_message);
      case IPP_JSTATE_PENDING: {
        // A paused printer leaves its jobs pending with no reason of their own: ask the printer.
        auto p = state_->request(IPP_OP_GET_PRINTER_ATTRIBUTES);
        static const char* const printer_wanted[] = {"printer-state", "printer-state-reasons", "printer-state-message"};
        ippAddStrings(p.get(), IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 3, nullptr, printer_wanted);
        const ipp_ptr printer = state_->exchange(std::move(p));
        if (!printer) return state_->failure(false, job_id);
        if (ippGetInteger(ippFindAttribute(printer.get(), "printer-state", IPP_TAG_ENUM), 0) == IPP_PSTATE_STOPPED) {
          cups_outcome o = report(cups_code::printer_stopped, string_of(printer.get(), "printer-state-message"));
          o.printer_state_reasons = strings_of(printer.get(), "printer-state-reasons");
          return o;
        }
        break;
      }
      default: break;  // processing: keep following it
    }
    const auto now = steady::now();
    if (now >= deadline) return report(cups_code::timeout, printer_message);
    std::this_thread::sleep_for(std::min<steady::duration>(pause, deadline - now));
    pause = std::min(pause * 2, longest_poll);
  }
}

cups_outcome cups_printer::cancel(int job_id) {
  if (auto refused = state_->connect()) {
    refused->job_id = job_id;
    return *refused;
  }
  if (cupsCancelJob2(state_->http, state_->destination.c_str(), job_id, 0) > IPP_STATUS_OK_EVENTS_COMPLETE) {
    return state_->failure(true, job_id);
  }
  cups_outcome o = outcome(cups_code::canceled, {}, job_id);
  o.ok = true;
  return o;
}

cups_outcome cups_printer::cancel_all_mine() {
  if (auto refused = state_->connect()) return *refused;
  // This user's jobs on this destination that have not ended, then Cancel-My-Jobs on exactly
  // those: the ids reported are the jobs canceled, not a guess.
  cups_job_t* jobs = nullptr;
  const int count = cupsGetJobs2(state_->http, &jobs, state_->destination.c_str(), 1, CUPS_WHICHJOBS_ACTIVE);
  if (count < 0) return state_->failure(false);
  std::vector<int> ids;
  for (int i = 0; i < count; ++i) ids.push_back(jobs[i].id);
  cupsFreeJobs(count, jobs);

  cups_outcome o = outcome(cups_code::canceled, ids.empty() ? "no job to cancel" : "");
  if (!ids.empty()) {
    auto r = state_->request(IPP_OP_CANCEL_MY_JOBS);
    ippAddIntegers(r.get(), IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-ids", static_cast<int>(ids.size()), ids.data());
    if (!state_->exchange(std::move(r))) return state_->failure(false);
  }
  o.canceled_jobs = std::move(ids);
  o.ok = true;
  return o;
}

}  // namespace hallpass::kiosk
