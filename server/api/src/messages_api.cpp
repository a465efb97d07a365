// The applicant's message centre: messages about the caller's applications, newest first, their
// read state, and a stream of the unread count.
#include <charconv>

#include <boost/json.hpp>

#include "hallpass/server/api/api_error.hpp"
#include "hallpass/server/api/handlers.hpp"
#include "hallpass/server/api/json_io.hpp"
#include "hallpass/server/api/request_auth.hpp"
#include "hallpass/server/api/request_bodies.hpp"
#include "hallpass/server/api/views.hpp"
#include "hallpass/server/services/messages.hpp"

namespace hallpass::server::api {

namespace json = boost::json;

namespace {

constexpr int default_page = 20;

json::object message_json(const db::message_row& m) {
  return {{"id", std::to_string(m.id)}, {"application_id", std::to_string(m.application_id)}, {"kind", m.kind},
          {"title", m.title}, {"title_en", m.title_en},           {"body", m.body},
          {"body_en", m.body_en}, {"created_at", m.created_at},   {"read", m.read}};
}

}  // namespace

response list_messages(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  auto limit = positive_query_param(req, "limit").value_or(default_page);
  if (limit > services::messages::max_page)
    throw api_exception{errors::bad_request("invalid_query", "每页最多 100 条", "At most 100 messages a page")};
  auto page = ctx.messages.list(who, static_cast<int>(limit), positive_query_param(req, "before")).or_throw();
  json::array items;
  for (auto& m : page.items) items.push_back(message_json(m));
  json::object out{{"items", items}, {"unread", page.unread}};
  // The next page: messages older than the last one here.
  out["next_before"] = static_cast<int>(page.items.size()) == limit ? json::value(std::to_string(page.items.back().id))
                                                                     : json::value(nullptr);
  return json_response(out);
}

response read_message(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  empty_body(req);
  auto unread = ctx.messages.mark_read(who, path_id(req, "message_id")).or_throw();
  return json_response({{"unread", unread}});
}

response read_all_messages(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  empty_body(req);
  auto unread = ctx.messages.mark_read(who, std::nullopt).or_throw();
  return json_response({{"unread", unread}});
}

response message_events(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  auto slot = take_stream_slot(ctx, "session:" + std::to_string(who.session_id));
  auto later = std::make_shared<response_later>();
  auto* centre = &ctx.messages;
  auto sub = centre->watch(who, [later](std::int64_t unread) {
    later->push("event: changed\ndata: " + json::serialize(json::object{{"unread", unread}}) + "\n\n");
  });
  later->on_done([centre, sub, slot] { centre->unwatch(sub); });
  return event_stream_response(later);
}

}  // namespace hallpass::server::api
