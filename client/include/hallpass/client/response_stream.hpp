#pragma once
// A request whose response is read as it arrives, on a thread of its own: for event streams,
// long-polls and large downloads. The head (status, headers) and then each piece of the body
// are handed to callbacks on that thread.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "hallpass/client/http.hpp"
#include "hallpass/client/url.hpp"

namespace hallpass::client {

// How a stream ended.
enum class stream_end {
  running,   // not yet
  complete,  // the whole response arrived (for a body without length: the server closed)
  stopped,   // stop() was called
  timeout,   // request.timeout (or options.timeout) passed first
  failed,    // could not connect, TLS refused, or the connection broke mid-response
};

struct stream_callbacks {
  std::function<void(const response&)> on_head;      // status and headers; body empty
  std::function<void(std::string_view)> on_data;     // each piece of the body, in order
  std::function<void(stream_end, const std::string&)> on_end;  // once, last; message when failed
};

class response_stream {
 public:
  // Starts connecting and sending at once. The request's timeout bounds the whole stream
  // (zero: options.timeout). The callbacks run on the stream's thread, never concurrently.
  response_stream(const endpoint& where, request req, stream_callbacks callbacks, options opts = {});
  // Stops and waits for the thread.
  ~response_stream();
  response_stream(const response_stream&) = delete;
  response_stream& operator=(const response_stream&) = delete;

  // Ends the reading soon; callable from any thread, also from a callback, more than once.
  void stop();
  // Waits until the stream ended (at most `within`); the way it ended (running after `within`).
  stream_end wait(std::chrono::milliseconds within = std::chrono::hours(24));
  stream_end state() const;
  // When it ended (valid once state() is not running).
  std::chrono::steady_clock::time_point ended_at() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace hallpass::client
