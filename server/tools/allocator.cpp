// The allocator of hallpass-server, and of the benches that serve as it does (linked as
// hallpass_allocator in server/CMakeLists.txt).
//
// jemalloc's settings: a background thread returns pages unused for a few seconds to the system,
// so that a node shrinks back once a burst of load has passed instead of at its next allocation.
// Each of the node's threads keeps a cache of freed blocks that only its own allocations empty,
// and most threads sit idle once load stops: the caches are kept small (objects up to 1 KiB, 64
// of a size), which costs no measurable speed here.
extern "C" {
const char* malloc_conf =
    "background_thread:true,tcache_max:1024,tcache_nslots_small_max:64,tcache_nslots_large:4";
}
