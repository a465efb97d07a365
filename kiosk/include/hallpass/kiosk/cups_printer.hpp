#pragma once
// Prints PDF documents (the 受理回执 with its signed QR code) on the kiosk's A4 printer through
// CUPS, and follows, holds back or cancels the jobs. Standard types only: libcups stays in the
// .cpp file.
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hallpass::kiosk {

// What happened, as a stable machine code (cups_code_name gives its text).
enum class cups_code {
  accepted,               // submit: the scheduler holds the whole document (job_id set)
  completed,              // the job has been printed
  aborted,                // the job failed in the printer's filters or backend
  canceled,               // the job was canceled (by us, the staff or the scheduler)
  held,                   // the job waits to be released (job-hold-until)
  printer_stopped,        // the printer is paused (disabled): the job waits for the staff
  printer_not_found,      // no such destination on the server
  printer_not_accepting,  // the destination refuses new jobs (cupsreject)
  server_unreachable,     // no CUPS server answers at the configured address
  job_not_found,          // no such job on the server
  job_finished,           // cancel: the job had already ended
  not_permitted,          // the server refused the operation to this user
  invalid_document,       // the document is empty or the printer does not take PDF
  timeout,                // wait: the job had not ended when the time was up
  failed,                 // anything else (detail says what)
};

// "accepted", "completed", "aborted", "canceled", "held", "printer_stopped", ...
std::string_view cups_code_name(cups_code code) noexcept;

struct cups_outcome {
  cups_code code = cups_code::failed;
  std::string message_zh;  // for the person at the kiosk
  std::string message_en;
  // For the log: the server's status text, the printer's message; never shown to the person.
  std::string detail;
  int job_id = 0;  // the job concerned, when there is one
  // Last state seen (IPP keywords: pending, pending-held, processing, processing-stopped,
  // canceled, aborted, completed), or "" when the job was not read.
  std::string job_state;
  std::vector<std::string> job_state_reasons;      // e.g. job-hold-until-specified
  std::vector<std::string> printer_state_reasons;  // read when the printer is stopped: e.g. paused
  std::vector<int> canceled_jobs;                  // cancel_all_mine: the jobs it canceled

  // True for accepted and completed, and for canceled after cancel / cancel_all_mine.
  bool ok = false;
  // "打印机未找到 / Printer not found": both languages, Chinese first, for the kiosk screen.
  std::string screen_text() const { return message_zh + " / " + message_en; }
};

struct cups_job_options {
  int copies = 1;
  // The job waits on the server (held) until released or canceled, instead of printing.
  bool hold = false;
};

// One CUPS destination on one server, with its own connection: two printers on two servers can
// live in one process. Not thread-safe: one thread uses an instance at a time. Never throws for
// a printer or server failure: every failure is a cups_outcome. A moved-from printer may only be
// destroyed or assigned to.
class cups_printer {
public:
  // `destination`: the queue name. `server`: "HOST", "HOST:PORT", "[IPv6]:PORT" or the path of
  // the scheduler's socket ("/run/cups/cups.sock"); empty for the default of this machine
  // (CUPS_SERVER, then client.conf). `io_timeout` bounds the connection and each exchange.
  explicit cups_printer(std::string destination, std::string server = {},
                        std::chrono::milliseconds io_timeout = std::chrono::seconds(10));
  ~cups_printer();
  cups_printer(cups_printer&&) noexcept;
  cups_printer& operator=(cups_printer&&) noexcept;
  cups_printer(const cups_printer&) = delete;
  cups_printer& operator=(const cups_printer&) = delete;

  const std::string& destination() const noexcept;

  // Sends `pdf` as one job named `title` (Create-Job, then the document as application/pdf).
  // accepted with job_id, or the reason: printer_not_found, printer_not_accepting,
  // server_unreachable, not_permitted, invalid_document, failed. A job created but not
  // completely sent is canceled.
  cups_outcome submit(std::span<const std::uint8_t> pdf, std::string_view title,
                      const cups_job_options& options = {});

  // Follows the job (Get-Job-Attributes: job-state, job-state-reasons) until it ends or cannot
  // go on by itself: completed, aborted, canceled, held, printer_stopped (the job is pending
  // and the printer paused, or the job stopped while printing), or timeout (still pending or
  // printing); job_not_found, server_unreachable, failed when it cannot be read. Returns as soon
  // as one of these is known; checks at least once even with a zero timeout.
  cups_outcome wait(int job_id, std::chrono::milliseconds timeout);

  // Cancels one job: canceled (ok), job_finished, job_not_found, not_permitted, ...
  cups_outcome cancel(int job_id);

  // Cancels every job of this user (the kiosk's) on this destination that has not ended - the
  // person has walked away. canceled (ok, possibly with no job) and the ids in canceled_jobs.
  cups_outcome cancel_all_mine();

private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace hallpass::kiosk
