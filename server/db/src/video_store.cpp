#include "hallpass/server/db/video_store.hpp"

namespace hallpass::server::db {

namespace {

constexpr const char* upload_columns =
    "v.id, v.application_id, v.material_code, v.total_bytes, v.received_bytes, "
    "(SELECT p.id FROM pages p WHERE p.video_upload_id = v.id)";

video_upload_row read_upload(const rows& r) {
  video_upload_row v{r.int64(0, 0), r.int64(0, 1), r.str(0, 2), r.int64(0, 3), r.int64(0, 4)};
  if (!r.is_null(0, 5)) v.page_id = r.int64(0, 5);
  return v;
}

}  // namespace

std::optional<video_upload_row> find_video_upload(connection& c, std::int64_t application_id, const std::string& key,
                                                  bool for_update) {
  auto r = c.exec(std::string("SELECT ") + upload_columns +
                      " FROM video_uploads v WHERE v.application_id = $1 AND v.idempotency_key = $2" +
                      (for_update ? " FOR UPDATE OF v" : ""),
                  {application_id, key});
  if (r.empty()) return std::nullopt;
  return read_upload(r);
}

video_upload_row insert_video_upload(connection& c, std::int64_t application_id, const std::string& material,
                                     const std::string& key, std::int64_t total_bytes, std::int64_t created_by) {
  auto r = c.exec(std::string("INSERT INTO video_uploads AS v (application_id, material_code, idempotency_key, total_bytes, "
                              "created_by) VALUES ($1, $2, $3, $4, $5) RETURNING ") +
                      upload_columns,
                  {application_id, material, key, total_bytes, created_by});
  return read_upload(r);
}

bool append_video_chunk(connection& c, std::int64_t upload_id, std::int64_t offset, std::string_view bytes) {
  auto moved = c.exec("UPDATE video_uploads SET received_bytes = received_bytes + $3, updated_at = now() "
                      "WHERE id = $1 AND received_bytes = $2 AND received_bytes + $3 <= total_bytes",
                      {upload_id, offset, static_cast<std::int64_t>(bytes.size())});
  if (moved.affected() == 0) return false;
  c.exec("INSERT INTO video_chunks (upload_id, offset_bytes, bytes) VALUES ($1, $2, $3)", {upload_id, offset, bytea{bytes}});
  return true;
}

page_row insert_video_page(connection& c, const video_upload_row& upload, const std::string& sha256,
                           const std::string& key, const std::string& source) {
  new_page p;
  p.application_id = upload.application_id;
  p.material_code = upload.material_code;
  p.content_type = "video/mp4";
  p.sha256 = p.request_sha256 = sha256;
  p.source = source;
  p.idempotency_key = key;
  auto page = insert_page(c, p);
  c.exec("UPDATE pages SET video_upload_id = $2 WHERE id = $1", {page.id, upload.id});
  page.bytes = upload.total_bytes;
  return page;
}

std::string video_range(connection& c, std::int64_t upload_id, std::int64_t from, std::int64_t to) {
  // Only the pieces that overlap, each cut in SQL to the part asked for.
  auto r = c.exec("SELECT substring(bytes FROM greatest($2 - offset_bytes, 0)::int + 1 "
                  "FOR (least($3, offset_bytes + length(bytes) - 1) - greatest($2, offset_bytes) + 1)::int) "
                  "FROM video_chunks WHERE upload_id = $1 AND offset_bytes <= $3 AND offset_bytes + length(bytes) > $2 "
                  "ORDER BY offset_bytes",
                  {upload_id, from, to});
  std::string out;
  for (int i = 0; i < r.size(); ++i) out += r.bytes(i, 0);
  return out;
}

std::optional<std::pair<std::int64_t, std::int64_t>> video_of_page(connection& c, std::int64_t page_id) {
  auto r = c.exec("SELECT v.id, v.total_bytes FROM pages p JOIN video_uploads v ON v.id = p.video_upload_id WHERE p.id = $1",
                  {page_id});
  if (r.empty()) return std::nullopt;
  return std::make_pair(r.int64(0, 0), r.int64(0, 1));
}

}  // namespace hallpass::server::db
