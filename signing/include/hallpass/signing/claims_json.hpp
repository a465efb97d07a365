#pragma once
// A document code's signed claims as JSON, the same for the server's check and the kiosk's:
// type, serial, key_id, issued_at, expires_at (RFC 3339 UTC), office, reference, holder (masked),
// document_hash.
#include <boost/json/object.hpp>

#include "hallpass/signing/document_code.hpp"

namespace hallpass::signing {

boost::json::object claims_json(const document_claims& c);

}  // namespace hallpass::signing
