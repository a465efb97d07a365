#pragma once
// Photos are processed on their own bounded pool of threads (one per core by default), so HTTP
// workers never wait on image work. A job does the CPU work and returns what is left to do
// (committing the page, answering the client), which runs on a second set of threads so that a
// CPU thread never waits on the database.
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
  using continuation = std::function<void()>;
  using job = std::function<continuation()>;

  // threads <= 0: one per core. At most max_queued jobs wait beyond those running.
  explicit imaging_executor(int threads = 0, std::size_t max_queued = 64);
  ~imaging_executor() { stop(); }
  imaging_executor(const imaging_executor&) = delete;
  imaging_executor& operator=(const imaging_executor&) = delete;

  // Queues a job; false (and nothing queued) when the queue is full or the executor stopped.
  bool try_post(job j);
  // Refuses new jobs, runs those already queued and their continuations, joins. Idempotent.
  void stop();
  int threads() const { return static_cast<int>(cpu_threads_.size()); }
  // Jobs waiting or running now (continuations included).
  std::size_t load() const;

 private:
  void run_jobs();
  void run_continuations();

  std::size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable jobs_cv_, continuations_cv_;
  std::deque<job> jobs_;
  std::deque<continuation> continuations_;
  std::size_t busy_ = 0;  // jobs and continuations running
  int cpu_running_ = 0;   // CPU threads still alive
  bool stopping_ = false;
  std::vector<std::thread> cpu_threads_, finish_threads_;
};

}  // namespace hallpass::server::services
