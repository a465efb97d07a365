#pragma once
// The kiosk's printer, whichever it is: an A4 printer through CUPS, a thermal receipt printer
// speaking ESC/POS, or a folder of PDF files for development. A job is one document of an
// application, as the server made it: the PDF (for A4) and what it says (for a receipt layout).
#include <memory>
#include <string>

#include <boost/json/object.hpp>

namespace hallpass::kiosk {

struct document_to_print {
  std::string pdf;               // the server's PDF, signed QR code on it
  boost::json::object content;   // the same document as data (title, fields, qr_text, …)
  std::string name;              // e.g. receipt-12
};

struct printed {
  bool ok = false;
  std::string code;                    // printed, completed, paper_out, printer_not_found, …
  std::string message_zh, message_en;  // for the screen
  double seconds_to_accept = 0;        // from the press to the printer (or CUPS) taking the job
};

class printer {
 public:
  virtual ~printer() = default;
  virtual printed print(const document_to_print& doc) = 0;
  virtual bool needs_pdf() const = 0;  // false: a receipt printer lays the content out itself
  // The person leaves: jobs not yet printed are cancelled (where the printer keeps a queue).
  virtual int cancel_pending() { return 0; }
  virtual std::string description() const = 0;
};

struct printer_settings {
  std::string target;       // cups:QUEUE | escpos:tcp://HOST:PORT | escpos:file:PATH | pdf:DIR
  std::string cups_server;  // for cups:
  int paper_mm = 80;        // for escpos:
};
// std::invalid_argument for a target of no known kind.
std::unique_ptr<printer> make_printer(const printer_settings& s);

}  // namespace hallpass::kiosk
