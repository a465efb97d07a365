#include "app_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>

#include <boost/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "hallpass/server/db/database.hpp"
#include "hallpass/server/services/working_calendar.hpp"

namespace hallpass::test::apps {

namespace json = boost::json;

std::string doc_photo(const std::string& relative) {
  std::ifstream in(std::string(HALLPASS_TESTDATA_DIR) + "/photos/" + relative, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read test photo " << relative;
  return {std::istreambuf_iterator<char>(in), {}};
}

namespace {

cv::Mat decode(const std::string& bytes) {
  return cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data())),
                      cv::IMREAD_COLOR);
}

std::string encode_jpeg(const cv::Mat& m, int quality = 90) {
  std::vector<std::uint8_t> out;
  cv::imencode(".jpg", m, out, {cv::IMWRITE_JPEG_QUALITY, quality});
  return {out.begin(), out.end()};
}

const cv::Mat& card_photo() {
  static const cv::Mat m = decode(doc_photo("dynamsoft/webp/card-on-dark-background.webp"));
  return m;
}

}  // namespace

const std::string& accepted_jpeg() {
  static const std::string bytes = [] {
    cv::Mat small;
    cv::resize(decode(doc_photo("dynamsoft/a4-on-dark-background.jpg")), small, cv::Size(), 0.6, 0.6, cv::INTER_AREA);
    return encode_jpeg(small);
  }();
  return bytes;
}

std::string blurred_jpeg() {
  cv::Mat blurred;
  cv::GaussianBlur(card_photo(), blurred, cv::Size(0, 0), 25);
  return encode_jpeg(blurred);
}

std::string blank_jpeg() { return encode_jpeg(cv::Mat(1920, 1080, CV_8UC3, cv::Scalar(128, 128, 128))); }

std::string card_tiff() {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(cv::imencode(".tiff", card_photo(), out)) << "OpenCV cannot write TIFF";
  return {out.begin(), out.end()};
}

std::string synthetic_page_jpeg(int variant) {
  cv::Mat page(297 * 2, 210 * 2, CV_8UC3, cv::Scalar(250, 250, 250));
  for (int y = 40 + variant * 3; y < page.rows - 40; y += 24)
    cv::line(page, {30, y}, {page.cols - 30 - variant * 10, y}, cv::Scalar(30, 30, 30), 2);
  return encode_jpeg(page, 80);
}

std::string seed_page(const std::string& conninfo, const std::string& application_id, const std::string& material,
                      int variant) {
  auto content = synthetic_page_jpeg(variant);
  server::db::connection c(conninfo);
  auto r = c.exec(
      "INSERT INTO pages (application_id, material_code, position, content, content_type, sha256, thumbnail, width, "
      "height, dpi, source, request_sha256) SELECT $1, $2, coalesce(max(position), 0) + 1, $3, 'image/jpeg', $4, $3, "
      "420, 594, 50, 'portal', $4 FROM pages WHERE application_id = $1 AND material_code = $2 RETURNING id",
      {static_cast<std::int64_t>(std::stoll(application_id)), material, server::db::bytea{content}, sha256_hex(content)});
  return r.str(0, 0);
}

std::vector<int> positions(const std::string& conninfo, const std::string& application_id, const std::string& material) {
  std::vector<int> out;
  for (auto& p : sql(conninfo, "SELECT position FROM pages WHERE application_id = " + std::to_string(std::stoll(application_id)) +
                                   " AND material_code = '" + material + "' ORDER BY position"))
    out.push_back(std::stoi(p));
  return out;
}

std::vector<std::string> page_ids(const std::string& conninfo, const std::string& application_id,
                                  const std::string& material) {
  return sql(conninfo, "SELECT id FROM pages WHERE application_id = " + std::to_string(std::stoll(application_id)) +
                           " AND material_code = '" + material + "' ORDER BY position");
}

int page_count(const std::string& conninfo, const std::string& application_id) {
  return std::stoi(sql_one(conninfo, "SELECT count(*) FROM pages WHERE application_id = " +
                                         std::to_string(std::stoll(application_id))));
}

http_reply start(const running_server& s, const std::string& token, const std::string& service_code) {
  return s.call_as(token, "POST", "/api/v1/applications", json::serialize(json::object{{"service_code", service_code}}));
}

std::string start_id(const running_server& s, const std::string& token, const std::string& service_code) {
  auto r = start(s, token, service_code);
  EXPECT_EQ(r.status, 201) << r.body;
  return str_at(r.json(), "id");
}

http_reply fill_form(const running_server& s, const std::string& token, const std::string& id) {
  json::object body{{"form", {{"contact_name", "王芳"}, {"contact_mobile", "13812340003"}}}, {"step", "materials"}};
  auto r = s.call_as(token, "PATCH", "/api/v1/applications/" + id, json::serialize(body));
  EXPECT_EQ(r.status, 200) << r.body;
  return r;
}

upload_code create_code(const running_server& s, const std::string& session, const std::string& application_id,
                        const std::string& material) {
  upload_code c;
  c.reply = s.call_as(session, "POST", "/api/v1/applications/" + application_id + "/materials/" + material + "/upload-codes",
                      "{}");
  EXPECT_EQ(c.reply.status, 201) << c.reply.body;
  auto v = c.reply.json();
  c.id = str_at(v, "id");
  c.url = str_at(v, "url");
  auto slash = c.url.rfind('/');
  if (slash != std::string::npos) c.token = c.url.substr(slash + 1);
  return c;
}

http_reply phone_upload(unsigned short port, const std::string& code_token, const std::string& bytes,
                        const std::optional<std::string>& idempotency_key) {
  header_list h = {{"X-Upload-Code", code_token}, {"Content-Type", "image/jpeg"}};
  if (idempotency_key) h.push_back({"Idempotency-Key", *idempotency_key});
  return http_call(port, "POST", "/api/v1/upload-codes/current/pages", bytes, h);
}

http_reply describe_code(unsigned short port, const std::string& code_token) {
  return http_call(port, "GET", "/api/v1/upload-codes/current", "", {{"X-Upload-Code", code_token}});
}

http_reply portal_upload(const running_server& s, const std::string& session, const std::string& application_id,
                         const std::string& material, const std::string& bytes) {
  return s.call("POST", "/api/v1/applications/" + application_id + "/materials/" + material + "/pages", bytes,
                {{"Authorization", "Bearer " + session}, {"Content-Type", "image/jpeg"}});
}

imaging_hold::imaging_hold(server::services::imaging_executor& imaging) {
  using server::services::imaging_executor;
  auto running = std::make_shared<std::atomic<int>>(0);
  for (int i = 0; i < imaging.threads(); ++i) {
    EXPECT_TRUE(imaging.try_post([running, opened = opened_]() -> imaging_executor::continuation {
      ++*running;
      opened.wait();
      return {};
    }));
  }
  EXPECT_TRUE(wait_until([&] { return *running == imaging.threads(); }, std::chrono::seconds(30)))
      << "the imaging threads were not all held";
}

void imaging_hold::open() {
  if (!open_) release_.set_value();
  open_ = true;
}

namespace {

std::string iso(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace

std::string china_today() { return iso(std::time(nullptr) + 8 * 3600); }

namespace {

const server::services::working_calendar& shipped_calendar() {
  static const auto calendar =
      server::services::working_calendar::load(HALLPASS_SOURCE_DIR "/server/data/calendar-cn.txt");
  return calendar;
}

}  // namespace

std::string plus_working_days(const std::string& iso_date, int n) {
  return shipped_calendar().add_working_days(iso_date, n).date;
}

std::string shipped_calendar_name() { return shipped_calendar().name(); }

std::string staff_login(const running_server& s, const std::string& account, const std::string& office) {
  auto r = s.call("POST", "/api/v1/sessions",
                  boost::json::serialize(boost::json::object{{"office", office}, {"account", account},
                                                             {"password", "Demo@2026"}, {"channel", "app"}}),
                  {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 201) << r.body;
  return str_at(r.json(), "token");
}

std::string submitted(const running_server& s, const std::string& applicant, bool tolerate_charter) {
  auto id = start_id(s, applicant, "labour_dispatch_licence_haicheng");
  fill_form(s, applicant, id);
  for (auto m : {"dispatch_rules", "business_licence", "premises_equipment", "application_form", "charter_capital"})
    if (!(tolerate_charter && std::string(m) == "charter_capital")) seed_page(s.conninfo(), id, m);
  if (tolerate_charter) seed_page(s.conninfo(), id, "tolerance_pledge");  // 容缺 needs the pledge
  auto r = s.call_as(applicant, "POST", "/api/v1/applications/" + id + "/submission", "{}");
  EXPECT_EQ(r.status, 200) << r.body;
  return id;
}

http_reply act(const running_server& s, const std::string& staff, const std::string& id,
               const boost::json::object& body) {
  return s.call_as(staff, "POST", "/api/v1/staff/applications/" + id + "/actions", boost::json::serialize(body));
}

boost::json::object correction(const std::string& material, const std::string& deadline) {
  return {{"action", "request_correction"},
          {"materials", boost::json::array{boost::json::object{{"material", material}, {"comment", "请加盖公章后重新上传"}}}},
          {"deadline", deadline}};
}

}  // namespace hallpass::test::apps
