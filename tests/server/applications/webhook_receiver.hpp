#pragma once
// A stand-in for the hall's SMS platform in tests: it receives the outbox's webhook POSTs.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

namespace hallpass::test::apps {

// The SMS platform's side: a loopback HTTP receiver on a given port. With drop_first it drops
// the connection of the first request without answering (a lost answer, so the sender tries
// again); it answers 200 to the rest, and keeps each message once by its X-HallPass-Message-Id.
class webhook_receiver {
 public:
  struct delivery {
    std::string signature, body;
  };

  explicit webhook_receiver(unsigned short port, bool drop_first = true) : drop_first_(drop_first) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    thread_ = std::thread([this] { run(); });
  }
  ~webhook_receiver() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }

  std::map<std::string, delivery> received() const {
    std::lock_guard lock(mutex_);
    return by_id_;
  }
  int requests() const { return requests_; }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      handle(c);
      ::close(c);
    }
  }
  void handle(int c) {
    std::string data;
    char buf[4096];
    std::size_t head_end = std::string::npos, length = 0;
    while (head_end == std::string::npos || data.size() < head_end + 4 + length) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return;
      auto n = ::read(c, buf, sizeof buf);
      if (n <= 0) return;
      data.append(buf, static_cast<std::size_t>(n));
      if (head_end == std::string::npos && (head_end = data.find("\r\n\r\n")) != std::string::npos)
        length = std::stoul(header(data.substr(0, head_end), "content-length"));
    }
    auto head = data.substr(0, head_end);
    if (++requests_ == 1 && drop_first_) return;  // the answer is lost
    {
      std::lock_guard lock(mutex_);
      by_id_.try_emplace(header(head, "x-hallpass-message-id"),
                         delivery{header(head, "x-hallpass-signature"), data.substr(head_end + 4, length)});
    }
    std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    (void)!::write(c, ok.data(), ok.size());
  }
  static std::string header(const std::string& head, const std::string& name) {
    std::string lower;
    for (char ch : head) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto at = lower.find("\r\n" + name + ":");
    if (at == std::string::npos) return "0";
    auto start = head.find_first_not_of(' ', at + name.size() + 3);
    return head.substr(start, head.find("\r\n", start) - start);
  }

  bool drop_first_ = true;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mutex_;
  std::map<std::string, delivery> by_id_;
  std::thread thread_;
};

// The one-time codes the SMS platform got, oldest first: the six digits of each text of a
// delivery named code-<outbox id>.
inline std::vector<std::string> one_time_codes(const webhook_receiver& receiver) {
  std::vector<std::pair<long, std::string>> found;
  for (auto& [id, d] : receiver.received()) {
    std::smatch m;
    std::string text(boost::json::parse(d.body).at("text").as_string());
    if (id.rfind("code-", 0) == 0 && std::regex_search(text, m, std::regex("验证码 ([0-9]{6})")))
      found.emplace_back(std::stol(id.substr(5)), m[1]);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(f.second);
  return out;
}

}  // namespace hallpass::test::apps
