// Services must not see requests or responses.
#include "hallpass/server/net/http.hpp"
