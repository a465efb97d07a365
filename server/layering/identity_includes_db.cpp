// identity is pure logic below the database.
#include "hallpass/server/db/database.hpp"
