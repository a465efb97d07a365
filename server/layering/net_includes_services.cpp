// The network layer knows nothing of the rules.
#include "hallpass/server/services/caller.hpp"
