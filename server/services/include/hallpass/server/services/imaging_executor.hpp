#pragma once
// Photos are processed on their own bounded pool of threads (one per core by default), so HTTP
// workers never wait on image work: a job is queued, and its owner is called back when done.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hallpass::server::services {

class imaging_executor {
 public:
  // threads <= 0: one per core. At most max_queued jobs wait beyond those running.
  explicit imaging_executor(int threads = 0, std::size_t max_queued = 64);
  ~imaging_executor() { stop(); }
  // Refuses new jobs, runs those already queued, joins the threads. Idempotent.
  void stop();
  imaging_executor(const imaging_executor&) = delete;
  imaging_executor& operator=(const imaging_executor&) = delete;

  // Queues a job; false (and nothing queued) when the queue is full.
  bool try_post(std::function<void()> job);
  int threads() const { return static_cast<int>(threads_.size()); }
  // Jobs waiting or running now.
  std::size_t load() const;

 private:
  void run();

  std::size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace hallpass::server::services
