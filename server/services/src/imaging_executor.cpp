#include "hallpass/server/services/imaging_executor.hpp"

#include <algorithm>

namespace hallpass::server::services {

imaging_executor::imaging_executor(int threads, std::size_t max_queued) : max_queued_(max_queued) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cpu_running_ = threads;
  for (int i = 0; i < threads; ++i) cpu_threads_.emplace_back([this] { run_jobs(); });
  for (int i = 0; i < threads; ++i) finish_threads_.emplace_back([this] { run_continuations(); });
}

void imaging_executor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  jobs_cv_.notify_all();
  for (auto& t : cpu_threads_)
    if (t.joinable()) t.join();
  continuations_cv_.notify_all();  // the CPU threads are gone: finish what they left, then end
  for (auto& t : finish_threads_)
    if (t.joinable()) t.join();
}

bool imaging_executor::try_post(job j) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() >= max_queued_) return false;
    jobs_.push_back(std::move(j));
  }
  jobs_cv_.notify_one();
  return true;
}

std::size_t imaging_executor::load() const {
  std::lock_guard lock(mutex_);
  return jobs_.size() + continuations_.size() + busy_;
}

void imaging_executor::run_jobs() {
  for (;;) {
    job j;
    {
      std::unique_lock lock(mutex_);
      jobs_cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) {  // stopping, and nothing left to do
        --cpu_running_;
        continuations_cv_.notify_all();
        return;
      }
      j = std::move(jobs_.front());
      jobs_.pop_front();
      ++busy_;
    }
    auto then = j();  // jobs catch their own exceptions
    std::lock_guard lock(mutex_);
    --busy_;
    if (then) {
      continuations_.push_back(std::move(then));
      continuations_cv_.notify_one();
    }
  }
}

void imaging_executor::run_continuations() {
  for (;;) {
    continuation c;
    {
      std::unique_lock lock(mutex_);
      continuations_cv_.wait(lock, [this] { return !continuations_.empty() || (stopping_ && cpu_running_ == 0); });
      if (continuations_.empty()) return;
      c = std::move(continuations_.front());
      continuations_.pop_front();
      ++busy_;
    }
    c();
    std::lock_guard lock(mutex_);
    --busy_;
  }
}

}  // namespace hallpass::server::services
