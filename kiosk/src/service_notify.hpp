#pragma once
// systemd's notify protocol without libsystemd: READY=1 once serving, WATCHDOG=1 at half the
// watchdog interval (kiosk/systemd/hallpass-kiosk.service sets WatchdogSec). Nothing happens
// when the program does not run under systemd.
#include <chrono>
#include <optional>
#include <string>

namespace hallpass::kiosk {

bool notify_service(const std::string& state);  // false when not under systemd
// How often to send WATCHDOG=1, when systemd asked for it.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace hallpass::kiosk
