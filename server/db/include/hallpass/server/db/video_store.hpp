#pragma once
// SQL for video materials: an upload kept in pieces as they arrive, resumable at the byte it
// stopped at, and read back by byte range.
#include <cstdint>
#include <optional>
#include <string>

#include "hallpass/server/db/applications_store.hpp"
#include "hallpass/server/db/database.hpp"

namespace hallpass::server::db {

struct video_upload_row {
  std::int64_t id = 0;
  std::int64_t application_id = 0;
  std::string material_code;
  std::int64_t total_bytes = 0, received_bytes = 0;
  std::optional<std::int64_t> page_id;  // once complete
};

std::optional<video_upload_row> find_video_upload(connection& c, std::int64_t application_id, const std::string& key,
                                                  bool for_update = false);
video_upload_row insert_video_upload(connection& c, std::int64_t application_id, const std::string& material,
                                     const std::string& key, std::int64_t total_bytes, std::int64_t created_by);
// Appends the piece that starts where the upload stopped; false when `offset` is not that byte.
bool append_video_chunk(connection& c, std::int64_t upload_id, std::int64_t offset, std::string_view bytes);
// The page of a complete upload: the pieces stay where they are, the page points to them.
page_row insert_video_page(connection& c, const video_upload_row& upload, const std::string& sha256,
                           const std::string& key, const std::string& source);
// The bytes [from, to] of a video page's upload (to inclusive), read piece by piece.
std::string video_range(connection& c, std::int64_t upload_id, std::int64_t from, std::int64_t to);
// The upload id and size behind a video page.
std::optional<std::pair<std::int64_t, std::int64_t>> video_of_page(connection& c, std::int64_t page_id);

}  // namespace hallpass::server::db
