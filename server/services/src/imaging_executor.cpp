#include "hallpass/server/services/imaging_executor.hpp"

#include <algorithm>

namespace hallpass::server::services {

imaging_executor::imaging_executor(int threads, std::size_t max_queued) : max_queued_(max_queued) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

void imaging_executor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

bool imaging_executor::try_post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

std::size_t imaging_executor::load() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + running_;
}

void imaging_executor::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to do
      job = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    job();  // jobs catch their own exceptions and answer their callers
    std::lock_guard lock(mutex_);
    --running_;
  }
}

}  // namespace hallpass::server::services
