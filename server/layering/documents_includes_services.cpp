// documents only draw what they are given: no rules, no applications.
#include "hallpass/server/services/caller.hpp"
