// Services must not speak HTTP: the api layer above them maps their errors.
#include "hallpass/server/api/api_error.hpp"
