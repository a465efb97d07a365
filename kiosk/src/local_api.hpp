#pragma once
// The kiosk's touch UI and local API, served on 127.0.0.1 only, at one origin: GET / is the
// screen (a browser in kiosk mode shows it), /static/ its script and stylesheet, /api/ what the
// screen asks of kiosk_app. The API answers only requests that carry this boot's token (put into
// the page it serves), name this kiosk's host (no DNS rebinding), and come from its own origin
// when a browser says where they come from.
#include <string>

#include "hallpass/server/net/http_server.hpp"
#include "kiosk_app.hpp"

namespace hallpass::kiosk {

class local_api final : public server::request_handler {
 public:
  local_api(kiosk_app& app, std::string web_dir, std::string boot_token);
  void set_port(unsigned short port) { port_ = port; }

  server::request_plan plan(std::string_view method, std::string_view path) const override;
  std::optional<server::response> admit(server::request& req, const server::request_plan& plan) override;
  server::response handle(server::request& req, const server::request_plan& plan) override;
  void observe(const server::request&, const server::request_plan&, int, double) override {}
  server::response error_response(int status, std::string_view code) override;

 private:
  server::response route(server::request& req);
  server::response page(const std::string& file, const std::string& type);
  bool own_host(const server::request& req) const;

  kiosk_app& app_;
  std::string web_dir_, token_;
  unsigned short port_ = 0;
};

}  // namespace hallpass::kiosk
