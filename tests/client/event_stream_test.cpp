// Server-Sent Events: the decoder's rules, and streams from a local server delivered in order,
// to next() or a callback, stoppable from another thread.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "hallpass/client/event_stream.hpp"
#include "hallpass/client/stream_group.hpp"
#include "local_server.hpp"

using namespace hallpass::client;
using hallpass::client::testing::local_server;
using namespace std::chrono_literals;

TEST(EventDecoder, SplitsEventsAcrossPiecesAndLineEndings) {
  event_decoder d;
  auto a = d.feed("id: 7\nevent: sta");
  EXPECT_TRUE(a.empty());
  auto b = d.feed("te\ndata: one\r\ndata:two\r\r: comment\n\ndata: three\n");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].name, "state");
  EXPECT_EQ(b[0].data, "one\ntwo");
  EXPECT_EQ(b[0].id, "7");
  auto c = d.feed("\nevent: ping\n\n");  // an event without data is not dispatched
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].name, "message");
  EXPECT_EQ(c[0].data, "three");
  EXPECT_EQ(c[0].id, "7");  // the last id carries over
}

TEST(EventStream, DeliversEventsInOrderThenEnds) {
  local_server server;
  event_stream events(loopback(server.port()), {.target = "/events"});
  auto first = events.next(3s);
  ASSERT_TRUE(first);
  EXPECT_EQ(events.status(), 200);
  EXPECT_EQ(first->name, "state");
  EXPECT_EQ(first->data, "{\"state\":\"pending\"}");
  EXPECT_EQ(first->id, "1");
  auto second = events.next(3s);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->name, "message");
  EXPECT_EQ(second->data, "line one\nline two");
  EXPECT_EQ(second->id, "2");
  auto third = events.next(3s);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->name, "end");
  EXPECT_FALSE(events.next(3s));
  EXPECT_EQ(events.ended(), stream_end::complete);
}

TEST(EventStream, CallsBackOnItsThread) {
  local_server server;
  std::vector<std::string> names;
  {
    event_stream events(loopback(server.port()), {.target = "/events"}, {},
                        [&](const event& e) { names.push_back(e.name); });
    for (int i = 0; i < 300 && events.ended() == stream_end::running; ++i) std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"state", "message", "end"}));
}

TEST(EventStream, StopsFromAnotherThreadWhileWaiting) {
  local_server server;
  event_stream events(loopback(server.port()), {.target = "/events-held"});
  ASSERT_TRUE(events.next(3s));
  auto started = std::chrono::steady_clock::now();
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    events.stop();
  });
  EXPECT_FALSE(events.next(10s));
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(events.ended(), stream_end::stopped);
}

TEST(EventStream, EndsWithTheRequestTimeout) {
  local_server server;
  event_stream events(loopback(server.port()), {.target = "/events-held", .timeout = 300ms});
  ASSERT_TRUE(events.next(3s));
  EXPECT_FALSE(events.next(5s));
  EXPECT_EQ(events.ended(), stream_end::timeout);
}

TEST(ResponseStream, HandsOverTheHeadThenTheBody) {
  local_server server;
  int status = 0;
  std::string body;
  response_stream s(loopback(server.port()), {.method = "POST", .target = "/echo", .body = "streamed"},
                    {.on_head = [&](const response& r) { status = r.status; },
                     .on_data = [&](std::string_view piece) { body += piece; }});
  EXPECT_EQ(s.wait(3s), stream_end::complete);
  EXPECT_EQ(status, 200);
  EXPECT_NE(body.find("streamed"), std::string::npos);
}

TEST(StreamGroup, RunsManyStreamsOnOneThreadAndStopsThemAll) {
  local_server server;
  std::mutex m;
  std::map<std::string, int> ends;
  int pieces = 0;
  auto count_end = [&](stream_end how, const std::string&) {
    std::lock_guard lock(m);
    ++ends[how == stream_end::complete ? "complete" : how == stream_end::stopped ? "stopped" : "other"];
  };
  stream_group group;
  for (int i = 0; i < 20; ++i)
    group.add(loopback(server.port()), {.target = i % 2 ? "/events" : "/events-held"},
              {.on_data = [&](std::string_view) { std::lock_guard lock(m); ++pieces; }, .on_end = count_end});
  for (int i = 0; i < 300 && group.running() > 10; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(group.running(), 10u);  // the held ones
  group.stop();
  for (int i = 0; i < 300 && group.running() > 0; ++i) std::this_thread::sleep_for(10ms);
  std::lock_guard lock(m);
  EXPECT_EQ(ends["complete"], 10);
  EXPECT_EQ(ends["stopped"], 10);
  EXPECT_EQ(ends["other"], 0);
  EXPECT_GE(pieces, 20);
  EXPECT_EQ(server.connections(), 20);
}
