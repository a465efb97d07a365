// Fuzz target: every JSON (and OAuth form) request body, read by the same functions the handlers
// use (server/api request_bodies.hpp, json_io.hpp). The first byte picks the route's reader, the
// rest is the body. Bad input must end as an api_exception with a 400, never anything else.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <boost/json.hpp>

#include "hallpass/server/api/api_error.hpp"
#include "hallpass/server/api/json_io.hpp"
#include "hallpass/server/api/request_bodies.hpp"

using namespace hallpass::server;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  request req;
  req.method = "POST";
  req.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool form = data[0] % 17 == 9;
  req.headers.push_back({"content-type", form ? "application/x-www-form-urlencoded" : "application/json"});
  try {
    switch (data[0] % 17) {
      case 0: (void)api::login_body(req); break;
      case 1: (void)api::new_application_body(req); break;
      case 2: (void)api::application_update_body(req); break;
      case 3: (void)api::page_order_body(req); break;
      case 4: (void)api::new_grant_body(req); break;
      case 5: (void)api::grant_change_body(req); break;
      case 6: (void)api::ticket_scan_body(req); break;
      case 7: (void)api::ticket_confirmation_body(req); break;
      case 8: api::empty_body(req); break;
      case 9: (void)api::form_body(req); break;
      case 10: {  // the accessors on any object
        auto o = api::read_json(req, {"a", "b", "c"});
        for (auto key : {"a", "b", "c"}) {
          try { (void)api::need_string(o, key); } catch (const api::api_exception& e) { if (e.error.status != 400) std::abort(); }
          try { (void)api::opt_string_list(o, key); } catch (const api::api_exception& e) { if (e.error.status != 400) std::abort(); }
        }
        (void)api::json_response(o);
        break;
      }
      case 11: (void)api::staff_action_body(req); break;
      case 12: (void)api::rating_body(req); break;
      case 13: (void)api::identity_check_body(req); break;
      case 14: (void)api::registration_code_body(req); break;
      case 15: (void)api::person_registration_body(req); break;
      case 16: (void)api::unit_registration_body(req); break;
    }
  } catch (const api::api_exception& e) {
    if (e.error.status != 400) std::abort();
  } catch (const services::failure& f) {  // an unknown staff action: 422, nothing else
    if (f.err.code != services::errc::invalid_action) std::abort();
  }
  return 0;
}
