#pragma once
// Server-Sent Events (text/event-stream): a GET kept open, delivering each event.
//
//   hallpass::client::event_stream events(where, {.target = "/api/v1/login-tickets/7/events",
//                                                 .headers = {{"X-Poll-Secret", secret}}});
//   while (auto e = events.next(std::chrono::seconds(5))) use(e->name, e->data, e->id);
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hallpass/client/http.hpp"
#include "hallpass/client/response_stream.hpp"
#include "hallpass/client/url.hpp"

namespace hallpass::client {

struct event {
  std::string name = "message";  // the `event:` field, "message" when absent
  std::string data;              // `data:` lines joined by "\n"
  std::string id;                // the last `id:` seen on the stream (it carries over)
};

// Splits event-stream text into events, as the WHATWG rules say: lines end in \n, \r\n or \r;
// a blank line dispatches; ":" starts a comment; an event with no data is not dispatched.
class event_decoder {
 public:
  // Feeds more text; returns the events completed by it.
  std::vector<event> feed(std::string_view text);

 private:
  std::string line_;
  event pending_;
  bool has_data_ = false;
  bool after_cr_ = false;
  std::string last_id_;
  void take_line(std::vector<event>& out);
};

class event_stream {
 public:
  // Opens `req` (method GET unless set; Accept: text/event-stream added) on a thread of its own.
  // The request's timeout bounds the whole stream (zero: one hour). With `on_event`, events go
  // to it on that thread; otherwise they queue for next().
  event_stream(const endpoint& where, request req, options opts = {},
               std::function<void(const event&)> on_event = {});
  ~event_stream();  // stops and waits for the thread
  event_stream(const event_stream&) = delete;
  event_stream& operator=(const event_stream&) = delete;

  // The next event, waiting up to `timeout`; nullopt when none came in time or the stream ended
  // with nothing left queued (see ended()).
  std::optional<event> next(std::chrono::milliseconds timeout);
  // Ends the stream; callable from any thread. A blocked next() returns nullopt.
  void stop();
  // The response's status once the head arrived (0 before; 200 for a working stream).
  int status() const;
  // How the stream ended (running while it is open).
  stream_end ended() const;
  // Why it failed (empty unless ended() is failed).
  std::string failure() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace hallpass::client
