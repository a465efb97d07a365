// The imaging executor: bounded, CPU work and its continuation on different threads, drained on stop.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "hallpass/server/services/imaging_executor.hpp"

using hallpass::server::services::imaging_executor;

TEST(ImagingExecutor, ContinuationRunsOffTheCpuThread) {
  imaging_executor ex(1, 4);
  std::promise<std::pair<std::thread::id, std::thread::id>> ids;
  ASSERT_TRUE(ex.try_post([&]() -> imaging_executor::continuation {
    auto cpu = std::this_thread::get_id();
    return [&, cpu] { ids.set_value({cpu, std::this_thread::get_id()}); };
  }));
  auto f = ids.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto [cpu, finish] = f.get();
  EXPECT_NE(cpu, finish);
  EXPECT_NE(cpu, std::this_thread::get_id());
}

TEST(ImagingExecutor, RefusesBeyondItsQueueAndDrainsOnStop) {
  imaging_executor ex(1, 2);
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::atomic<int> started{0}, finished{0};
  auto blocked = [&, gate]() -> imaging_executor::continuation {
    ++started;
    gate.wait();
    return [&] { ++finished; };
  };
  ASSERT_TRUE(ex.try_post(blocked));
  for (int i = 0; i < 1000 && started == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(started, 1);  // the only CPU thread is busy: what comes next waits in the queue
  EXPECT_TRUE(ex.try_post(blocked));
  EXPECT_TRUE(ex.try_post(blocked));
  EXPECT_FALSE(ex.try_post(blocked)) << "a third waiting job must be refused";
  EXPECT_EQ(ex.load(), 3u);
  release.set_value();
  ex.stop();
  EXPECT_EQ(finished, 3);
  EXPECT_FALSE(ex.try_post(blocked)) << "a stopped executor takes nothing";
}
