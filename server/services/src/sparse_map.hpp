#pragma once
// Erasing from a std::unordered_map keeps its bucket array at the largest size it ever had: after
// a burst of half a million login tickets, megabytes of empty buckets that never go back to the
// system. Rehashing to fit gives them back once most entries are gone.
namespace hallpass::server::services {

template <class Map>
void shrink_when_sparse(Map& map) {
  if (map.bucket_count() > 4096 && map.bucket_count() > 8 * map.size()) map.rehash(0);
}

}  // namespace hallpass::server::services
