#pragma once
// Many streamed responses on one thread: for load tests that hold thousands of event streams or
// long-polls open at once, where response_stream would spend a thread on each.
#include <cstddef>
#include <memory>

#include "hallpass/client/http.hpp"
#include "hallpass/client/response_stream.hpp"
#include "hallpass/client/url.hpp"

namespace hallpass::client {

class stream_group {
 public:
  // Starts the group's thread. The options apply to every stream (TLS, default deadline).
  explicit stream_group(options opts = {});
  // Stops every stream and waits for the thread.
  ~stream_group();
  stream_group(const stream_group&) = delete;
  stream_group& operator=(const stream_group&) = delete;

  // Starts one more request, as response_stream does: connect, send, then the head and the
  // body's pieces to the callbacks, and on_end once (stopped, timeout, failed or complete).
  // All callbacks of all streams run on the group's one thread. Callable from any thread.
  void add(const endpoint& where, request req, stream_callbacks callbacks);
  // Ends every stream (their on_end says stopped); callable from any thread.
  void stop();
  // Streams not yet ended.
  std::size_t running() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace hallpass::client
