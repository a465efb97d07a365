#pragma once
// Masked display of personal data (PRODUCT.md §2, API.md "personal data"): what every
// response, page and log line shows of someone else's mobile, ID number or name.
//
// All functions count UTF-8 characters (code points), never bytes, so a multi-byte
// character is kept or hidden whole. A byte that is not well-formed UTF-8 counts as one
// character. The output never contains more than the kept characters of the input.
//
// Short input: when the input has no more characters than the parts that would be kept,
// the end is hidden as well and only the first floor(n/2) characters are kept, so at
// least half of it is always hidden (a 1-character input is shown as '*' only).
// Empty input gives an empty string.
//
// A unified social credit code identifies a unit, not a person: it is public (printed on
// every business licence) and is shown in full, so there is no mask for it.
#include <string>
#include <string_view>

namespace hallpass::server::identity {

// First character, seven '*', last two characters: "13812345682" -> "1*******82".
// The number of '*' is fixed (as on the hall's existing screens), so it does not tell the
// length of a number that is not a standard 11-digit one.
std::string mask_mobile(std::string_view mobile);

// First four and last four characters, one '*' per hidden character:
// "320481199001010932" -> "3204**********0932".
std::string mask_id_number(std::string_view id_number);

// First character and one '*' per remaining character: "张三" -> "张*", "欧阳娜娜" -> "欧***".
std::string mask_name(std::string_view name);

// A unit's name cut for a small space (a document's QR code): first four and last four
// characters around "****": "常州示范劳务派遣有限公司" -> "常州示范****有限公司".
std::string mask_unit_name(std::string_view name);

// An IP address with the host part hidden: IPv4 keeps its first three numbers (203.0.113.*),
// IPv6 its first three groups (2001:db8:85a3:*). Anything else becomes "*".
std::string mask_ip(std::string_view ip);

}  // namespace hallpass::server::identity
