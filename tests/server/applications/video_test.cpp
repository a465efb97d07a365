// A video material (the Jilin agency's premises video, 003 须知 10) from the portal: sent in pieces
// that may be resumed where they stopped, its type sniffed on the first piece, its size refused
// before anything is kept, stored piece by piece and read back by byte range with the SHA-256 of
// the whole file; a video cut off mid-upload makes no page. The page is made after the last piece
// is kept, so an upload complete without its page (the server stopped in between) is finished by
// the next request on it.
#include <gtest/gtest.h>

#include <future>
#include <random>

#include "app_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;

namespace {

constexpr const char* service = "hr_agency_setup";
constexpr const char* material = "premises_video";

// An ISO base media file as a phone saves an mp4: an `ftyp` box of brand isom, then `mdat`.
std::string mp4_bytes(std::size_t size, unsigned seed = 7) {
  std::string head("\0\0\0\x18" "ftypisom\0\0\x02\0" "isomiso2", 24);
  head += std::string("\0\0\0\0mdat", 8);
  std::string out = head;
  std::mt19937 gen(seed);
  while (out.size() < size) out += static_cast<char>(gen());
  return out;
}

std::string target(const std::string& id, const std::string& key, const std::string& m = material) {
  return "/api/v1/applications/" + id + "/materials/" + m + "/video-uploads/" + key;
}

http_reply piece(const running_server& s, const std::string& token, const std::string& id, const std::string& key,
                 const std::string& whole, std::size_t from, std::size_t length, const std::string& m = material) {
  return http_call(s.port(), "PATCH", target(id, key, m), whole.substr(from, length),
                   {{"Authorization", "Bearer " + token},
                    {"Content-Type", "application/octet-stream"},
                    {"Upload-Length", std::to_string(whole.size())},
                    {"Upload-Offset", std::to_string(from)}});
}

std::string uploads_of(const running_server& s, const std::string& id) {
  return sql_one(s.conninfo(), "SELECT count(*) FROM video_uploads WHERE application_id = " + id);
}

// Hex digits of bytes, for SQL's decode(..., 'hex').
std::string hex_of(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// The state a server leaves when it stops between keeping the last piece and making the page:
// every piece but the last sent over HTTP, the last one stored by SQL as the piece's transaction
// stores it. Returns the upload's key.
std::string complete_without_page(const running_server& s, const std::string& token, const std::string& id,
                                  const std::string& video, std::size_t last_from) {
  const std::string key = "stopped-" + id;
  EXPECT_EQ(piece(s, token, id, key, video, 0, last_from).status, 200);
  sql_one(s.conninfo(), "WITH moved AS (UPDATE video_uploads SET received_bytes = total_bytes WHERE application_id = " +
                            id + " AND idempotency_key = '" + key + "' RETURNING id) "
                            "INSERT INTO video_chunks (upload_id, offset_bytes, bytes) SELECT id, " +
                            std::to_string(last_from) + ", decode('" + hex_of(video.substr(last_from)) +
                            "', 'hex') FROM moved RETURNING upload_id");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT received_bytes = total_bytes FROM video_uploads WHERE idempotency_key = '" + key + "'"),
            "t");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM pages WHERE application_id = " + id), "0");
  return key;
}

}  // namespace

TEST(Video, PiecesMakeOnePageWithTheWholeFilesHashAndAreReadBackByRange) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = start_id(s, wang, service);
  auto video = mp4_bytes(3 * 1024 * 1024 + 5);
  const std::size_t step = 1024 * 1024;
  for (std::size_t at = 0; at < video.size(); at += step) {
    auto r = piece(s, wang, id, "v1", video, at, step);
    bool last = at + step >= video.size();
    ASSERT_EQ(r.status, last ? 201 : 200) << r.body;
    EXPECT_EQ(r.json().at("received").as_int64(), static_cast<std::int64_t>(std::min(video.size(), at + step)));
    EXPECT_EQ(r.json().at("complete").as_bool(), last);
    if (!last) continue;
    auto page = r.json().at("page").as_object();
    EXPECT_EQ(str_at(page, "sha256"), sha256_hex(video));
    EXPECT_EQ(str_at(page, "content_type"), "video/mp4");
    EXPECT_EQ(page.at("bytes").as_int64(), static_cast<std::int64_t>(video.size()));
  }
  // Stored in pieces, not as one value.
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM video_chunks"), "4");
  auto shown = s.call_as(wang, "GET", "/api/v1/applications/" + id).json().as_object();
  std::string page_id;
  for (auto& m : shown.at("materials").as_array())
    if (str_at(m, "code") == material) {
      EXPECT_EQ(str_at(m, "status"), "uploaded");
      EXPECT_EQ(str_at(m, "kind"), "video");
      page_id = str_at(m.at("pages").as_array()[0], "id");
    }
  ASSERT_FALSE(page_id.empty());
  // A range across a piece boundary, and the whole (under the per-answer cap) without a range.
  auto auth = header_list{{"Authorization", "Bearer " + wang}};
  auto across = http_call(s.port(), "GET", "/api/v1/pages/" + page_id + "/image", "",
                          {{"Authorization", "Bearer " + wang}, {"Range", "bytes=1048570-1048589"}});
  ASSERT_EQ(across.status, 206) << across.body;
  EXPECT_EQ(across.body, video.substr(1048570, 20));
  EXPECT_EQ(across.headers["content-range"], "bytes 1048570-1048589/" + std::to_string(video.size()));
  auto whole = http_call(s.port(), "GET", "/api/v1/pages/" + page_id + "/image", "", auth);
  ASSERT_EQ(whole.status, 200);
  EXPECT_EQ(sha256_hex(whole.body), sha256_hex(video));
  EXPECT_EQ(whole.headers["accept-ranges"], "bytes");
  auto beyond = http_call(s.port(), "GET", "/api/v1/pages/" + page_id + "/image", "",
                          {{"Authorization", "Bearer " + wang}, {"Range", "bytes=99999999-"}});
  EXPECT_EQ(beyond.status, 416);
  // The last piece sent again: the same page, nothing added.
  auto again = piece(s, wang, id, "v1", video, 3 * step, step);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(str_at(again.json().at("page"), "id"), page_id);
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM pages WHERE application_id = " + id), "1");
}

TEST(Video, ACutOffUploadMakesNoPageAndResumesWhereItStopped) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = start_id(s, wang, service);
  auto video = mp4_bytes(2 * 1024 * 1024);
  ASSERT_EQ(piece(s, wang, id, "v2", video, 0, 700000).status, 200);
  // The connection dropped here: the material has no page, and submission would list it.
  auto status = s.call_as(wang, "GET", target(id, "v2"));
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_EQ(status.json().at("received").as_int64(), 700000);
  EXPECT_FALSE(status.json().at("complete").as_bool());
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM pages WHERE application_id = " + id), "0");
  // A piece from the wrong place is refused and changes nothing.
  auto wrong = piece(s, wang, id, "v2", video, 800000, 1000);
  EXPECT_EQ(wrong.status, 409);
  EXPECT_EQ(wrong.error_code(), "upload_offset_mismatch");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT received_bytes FROM video_uploads WHERE idempotency_key = 'v2'"), "700000");
  // Resumed from the byte it stopped at.
  auto rest = piece(s, wang, id, "v2", video, 700000, video.size() - 700000);
  ASSERT_EQ(rest.status, 201) << rest.body;
  EXPECT_EQ(str_at(rest.json().at("page"), "sha256"), sha256_hex(video));
  EXPECT_EQ(s.call_as(wang, "GET", target(id, "unknown")).error_code(), "video_upload_not_found");
}

TEST(Video, TooLargeWrongTypeAndWrongMaterialAreRefusedBeforeAnythingIsKept) {
  auto cfg = test_config();
  cfg.video_max_mb = 1;
  running_server s(cfg);
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = start_id(s, wang, service);
  auto big = mp4_bytes(2 * 1024 * 1024);
  auto r = piece(s, wang, id, "big", big, 0, 1000);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.error_code(), "video_too_large");
  // A piece over the per-request limit is refused before it is read.
  auto huge = std::string(9 * 1024 * 1024, 'x');
  auto over = http_call(s.port(), "PATCH", target(id, "huge"), huge,
                        {{"Authorization", "Bearer " + wang}, {"Upload-Length", "1000"}, {"Upload-Offset", "0"}});
  EXPECT_EQ(over.status, 413);
  // Not a video: a JPEG photo sent as the first piece.
  auto photo = accepted_jpeg();
  auto jpeg = http_call(s.port(), "PATCH", target(id, "jpeg"), photo.substr(0, 1000),
                        {{"Authorization", "Bearer " + wang}, {"Upload-Length", "1000"}, {"Upload-Offset", "0"}});
  EXPECT_EQ(jpeg.status, 415);
  EXPECT_EQ(jpeg.error_code(), "unsupported_media_type");
  // A video to a paper material, and a photo to the video material.
  auto small = mp4_bytes(1000);
  EXPECT_EQ(piece(s, wang, id, "paper", small, 0, 1000, "charter").error_code(), "unsupported_media_type");
  auto as_photo = http_call(s.port(), "POST", "/api/v1/applications/" + id + "/materials/" + material + "/pages", photo,
                            {{"Authorization", "Bearer " + wang}, {"Content-Type", "image/jpeg"}});
  EXPECT_EQ(as_photo.status, 415);
  EXPECT_EQ(as_photo.error_code(), "video_needs_resumable_upload");
  // Missing or malformed lengths.
  auto no_length = http_call(s.port(), "PATCH", target(id, "x"), small, {{"Authorization", "Bearer " + wang}, {"Upload-Offset", "0"}});
  EXPECT_EQ(no_length.status, 400);
  EXPECT_EQ(no_length.error_code(), "invalid_upload_range");
  EXPECT_EQ(uploads_of(s, id), "0");
  // The same key with another length is another file: refused.
  ASSERT_EQ(piece(s, wang, id, "k", small, 0, 500).status, 200);
  auto other = mp4_bytes(1200);
  EXPECT_EQ(piece(s, wang, id, "k", other, 500, 700).error_code(), "idempotency_key_reused");
}

TEST(Video, TheLastPieceSentTwiceAtOnceMakesOnePage) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = start_id(s, wang, service);
  // 12 MiB: the whole file is read back in two ranges while the other copy of the piece arrives.
  auto video = mp4_bytes(12 * 1024 * 1024, 11);
  const std::size_t step = 4 * 1024 * 1024;
  ASSERT_EQ(piece(s, wang, id, "twice", video, 0, step).status, 200);
  ASSERT_EQ(piece(s, wang, id, "twice", video, step, step).status, 200);
  auto send_last = [&] { return piece(s, wang, id, "twice", video, 2 * step, step); };
  auto first = std::async(std::launch::async, send_last);
  auto second = std::async(std::launch::async, send_last);
  auto a = first.get(), b = second.get();
  // One request made the page (201); the other had the same page as answer (200).
  ASSERT_EQ(std::min(a.status, b.status), 200) << a.body << b.body;
  ASSERT_EQ(std::max(a.status, b.status), 201) << a.body << b.body;
  for (auto* r : {&a, &b}) {
    EXPECT_TRUE(r->json().at("complete").as_bool());
    EXPECT_EQ(str_at(r->json().at("page"), "sha256"), sha256_hex(video));
  }
  EXPECT_EQ(str_at(a.json().at("page"), "id"), str_at(b.json().at("page"), "id"));
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM pages WHERE application_id = " + id), "1");
}

TEST(Video, AnUploadCompleteWithoutItsPageIsFinishedByTheNextRequest) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto video = mp4_bytes(300000, 5);
  const std::size_t last_from = 200000;

  // A status query finds it complete and makes the page; a second query answers the same page.
  auto queried = start_id(s, wang, service);
  auto key = complete_without_page(s, wang, queried, video, last_from);
  auto status = s.call_as(wang, "GET", target(queried, key));
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_TRUE(status.json().at("complete").as_bool());
  EXPECT_EQ(status.json().at("received").as_int64(), static_cast<std::int64_t>(video.size()));
  EXPECT_EQ(str_at(status.json().at("page"), "sha256"), sha256_hex(video));
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM pages WHERE application_id = " + queried), "1");
  auto again = s.call_as(wang, "GET", target(queried, key));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(str_at(again.json().at("page"), "id"), str_at(status.json().at("page"), "id"));

  // A replay of any piece (here the first) does the same, and the page serves the whole file.
  auto replayed = start_id(s, wang, service);
  key = complete_without_page(s, wang, replayed, video, last_from);
  auto r = piece(s, wang, replayed, key, video, 0, last_from);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.json().at("complete").as_bool());
  EXPECT_EQ(str_at(r.json().at("page"), "sha256"), sha256_hex(video));
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM pages WHERE application_id = " + replayed), "1");
  auto page_id = str_at(r.json().at("page"), "id");
  auto whole = http_call(s.port(), "GET", "/api/v1/pages/" + page_id + "/image", "", {{"Authorization", "Bearer " + wang}});
  ASSERT_EQ(whole.status, 200);
  EXPECT_EQ(sha256_hex(whole.body), sha256_hex(video));
}
