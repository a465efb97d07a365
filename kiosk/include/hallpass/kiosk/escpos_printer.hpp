#pragma once
// Sends an ESC/POS job (escpos.hpp) to the kiosk's thermal receipt printer, over raw TCP (the
// printer's port 9100) or a device file (/dev/usb/lp0), asking first whether it has paper.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hallpass::kiosk {

// Where the printer is: "tcp://HOST[:PORT]" (port 9100 when omitted; an IPv6 address in
// brackets, "tcp://[::1]:9100") or "file:PATH" (a device such as /dev/usb/lp0, or any existing
// file; "file:///dev/usb/lp0" is read the same).
struct printer_target {
  enum class kind { tcp, file };
  kind type = kind::tcp;
  std::string host;           // tcp
  std::uint16_t port = 9100;  // tcp
  std::string path;           // file
};
// nullopt for any other form, an empty host or path, or a port outside 1..65535.
std::optional<printer_target> parse_printer_target(std::string_view text);

struct print_outcome {
  bool ok = false;
  // Stable machine code: printed, paper_out, unreachable, timeout, io_error, invalid_target.
  std::string code;
  std::string message_zh;  // for the person at the kiosk
  std::string message_en;
  bool paper_near_end = false;  // printed, but the roll is nearly used up: the staff should change it
  std::string detail;           // for the log (what failed, the system's error text); never shown
};

// Prints `escpos_bytes` on the printer at `target`.
//  - tcp: connects, sends DLE EOT 4 and reads the one-byte paper status; with the paper out it
//    sends nothing more (paper_out). Otherwise it sends the job and closes.
//  - file: opens the file for writing (never creates it: a missing device means the printer is
//    not connected). A character device is asked for its paper status too, briefly, since a
//    one-way printer never answers; a plain file is truncated and holds the job.
// `timeout` bounds each wait: the connection, the status answer, and each write making progress
// (a printer takes a long job as fast as it prints). Never throws for a printer failure.
print_outcome print_receipt(const std::string& target, const std::string& escpos_bytes,
                            std::chrono::milliseconds timeout);

}  // namespace hallpass::kiosk
