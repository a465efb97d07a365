// Pages of a material: delete renumbers, reorder takes every page once, frozen after submission.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "app_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;
namespace json = boost::json;

namespace {

std::string order_body(const std::vector<std::string>& ids) {
  json::array a;
  for (auto& id : ids) a.push_back(json::value(id));
  return json::serialize(json::object{{"page_ids", a}});
}

struct draft {
  std::string session, id;
};

draft with_pages(const running_server& s, int n) {
  draft d{s.login(demo::unit_a, demo::agent_all), ""};
  d.id = start_id(s, d.session, "labour_dispatch_licence_haicheng");
  for (int i = 0; i < n; ++i) seed_page(s.conninfo(), d.id, "dispatch_rules", i);
  return d;
}

}  // namespace

TEST(MaterialPages, DeleteRenumbersTheRest) {
  running_server s;
  auto d = with_pages(s, 4);
  auto ids = page_ids(s.conninfo(), d.id, "dispatch_rules");
  ASSERT_EQ(ids.size(), 4u);
  auto base = "/api/v1/applications/" + d.id + "/materials/dispatch_rules/pages/";
  auto r = s.call_as(d.session, "DELETE", base + ids[1]);
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(positions(s.conninfo(), d.id, "dispatch_rules"), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(page_ids(s.conninfo(), d.id, "dispatch_rules"), (std::vector<std::string>{ids[0], ids[2], ids[3]}));
  ASSERT_EQ(s.call_as(d.session, "DELETE", base + ids[0]).status, 204);
  EXPECT_EQ(positions(s.conninfo(), d.id, "dispatch_rules"), (std::vector<int>{1, 2}));
  EXPECT_EQ(page_ids(s.conninfo(), d.id, "dispatch_rules"), (std::vector<std::string>{ids[2], ids[3]}));

  // Gone already, or addressed through another material: not found, nothing changes.
  EXPECT_EQ(s.call_as(d.session, "DELETE", base + ids[1]).status, 404);
  auto wrong = s.call_as(d.session, "DELETE", "/api/v1/applications/" + d.id + "/materials/business_licence/pages/" + ids[2]);
  EXPECT_EQ(wrong.status, 404);
  // Another unit cannot delete it.
  auto zhao = s.login(demo::unit_b, demo::legal_rep_b);
  EXPECT_EQ(s.call_as(zhao, "DELETE", base + ids[2]).status, 404);
  EXPECT_EQ(page_ids(s.conninfo(), d.id, "dispatch_rules"), (std::vector<std::string>{ids[2], ids[3]}));
}

TEST(MaterialPages, ReorderNeedsEveryPageExactlyOnce) {
  running_server s;
  auto d = with_pages(s, 3);
  auto ids = page_ids(s.conninfo(), d.id, "dispatch_rules");
  auto other = seed_page(s.conninfo(), d.id, "business_licence");
  auto path = "/api/v1/applications/" + d.id + "/materials/dispatch_rules/page-order";

  auto ok = s.call_as(d.session, "PUT", path, order_body({ids[2], ids[0], ids[1]}));
  ASSERT_EQ(ok.status, 200) << ok.body;
  std::vector<std::string> want = {ids[2], ids[0], ids[1]};
  EXPECT_EQ(page_ids(s.conninfo(), d.id, "dispatch_rules"), want);
  EXPECT_EQ(positions(s.conninfo(), d.id, "dispatch_rules"), (std::vector<int>{1, 2, 3}));
  // The answer lists the pages in the new order.
  auto shown_app = ok.json();
  for (auto& m : shown_app.as_object().at("materials").as_array()) {
    if (str_at(m, "code") != "dispatch_rules") continue;
    std::vector<std::string> shown;
    for (auto& p : m.as_object().at("pages").as_array()) shown.push_back(str_at(p, "id"));
    EXPECT_EQ(shown, want);
  }

  for (auto& bad : std::vector<std::vector<std::string>>{{ids[0], ids[1]},
                                                         {ids[0], ids[1], ids[2], other},
                                                         {ids[0], ids[0], ids[1]},
                                                         {ids[0], ids[1], ids[2], ids[2]},
                                                         {}}) {
    auto r = s.call_as(d.session, "PUT", path, order_body(bad));
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(r.error_code(), "invalid_page_order");
  }
  EXPECT_EQ(s.call_as(d.session, "PUT", path, R"({"page_ids":[1,2,3]})").status, 400);
  EXPECT_EQ(page_ids(s.conninfo(), d.id, "dispatch_rules"), want);
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT position FROM pages WHERE id = " + other), "1");
}

TEST(MaterialPages, FrozenAfterSubmission) {
  running_server s;
  auto d = with_pages(s, 2);
  fill_form(s, d.session, d.id);
  for (auto m : {"business_licence", "premises_equipment", "application_form", "charter_capital"})
    seed_page(s.conninfo(), d.id, m);
  auto ids = page_ids(s.conninfo(), d.id, "dispatch_rules");
  ASSERT_EQ(s.call_as(d.session, "POST", "/api/v1/applications/" + d.id + "/submission", "{}").status, 200);

  auto base = "/api/v1/applications/" + d.id + "/materials/dispatch_rules";
  auto del = s.call_as(d.session, "DELETE", base + "/pages/" + ids[0]);
  EXPECT_EQ(del.status, 409) << del.body;
  EXPECT_EQ(del.error_code(), "application_not_draft");
  auto reorder = s.call_as(d.session, "PUT", base + "/page-order", order_body({ids[1], ids[0]}));
  EXPECT_EQ(reorder.status, 409) << reorder.body;
  EXPECT_EQ(reorder.error_code(), "application_not_draft");
  auto upload = s.call("POST", base + "/pages", blank_jpeg(),
                       {{"Authorization", "Bearer " + d.session}, {"Content-Type", "image/jpeg"}});
  EXPECT_EQ(upload.status, 409) << upload.body;
  EXPECT_EQ(upload.error_code(), "application_not_draft");
  auto form = s.call_as(d.session, "PATCH", "/api/v1/applications/" + d.id, R"({"step":"form"})");
  EXPECT_EQ(form.status, 409);
  EXPECT_EQ(page_ids(s.conninfo(), d.id, "dispatch_rules"), ids);
  EXPECT_EQ(page_count(s.conninfo(), d.id), 6);
}
