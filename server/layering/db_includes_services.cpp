// db must not see the services above it.
#include "hallpass/server/services/error.hpp"
