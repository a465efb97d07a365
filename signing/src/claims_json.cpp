#include "hallpass/signing/claims_json.hpp"

#include <boost/json.hpp>

namespace hallpass::signing {

boost::json::object claims_json(const document_claims& c) {
  return {{"type", document_type_name(c.type)},
          {"serial", c.serial_hex()},
          {"key_id", c.key_id},
          {"issued_at", utc_time(c.issued_at)},
          {"expires_at", utc_time(c.expires_at())},
          {"office", c.office},
          {"reference", c.reference},
          {"holder", c.holder},
          {"document_hash", c.document_hash_hex()}};
}

}  // namespace hallpass::signing
