// Tells systemd how the service is doing by the sd_notify protocol, written
// by hand (no libsystemd): each message is one datagram of newline-separated
// NAME=VALUE assignments ("READY=1\nSTATUS=...") sent to the unix datagram
// socket systemd names in $NOTIFY_SOCKET: a file system path, or an abstract
// socket when the name starts with '@'. Without NOTIFY_SOCKET (the process
// was not started by systemd as Type=notify) the notifier is disabled and
// every notify() succeeds doing nothing. RAII: owns its socket. Thread-safe:
// notify() is one sendto() on a socket that never changes after construction.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <string>

#include "runtime/driver/unique_fd.hpp"
#include "runtime/result.hpp"

namespace troupe::ops {

class service_notifier {
 public:
  // A disabled notifier.
  service_notifier() = default;

  // The notifier for the socket named `address` ($NOTIFY_SOCKET's value;
  // nullptr or empty: disabled). An error when the name fits no unix socket
  // address (too long, or another family such as vsock:) or no socket can
  // be made.
  static result<service_notifier> for_address(const char* address);

  // Returns true iff messages go to a socket.
  bool enabled() const { return socket_.valid(); }

  // Sends `message` as one datagram; an error (errno's words) when it was
  // not sent, e.g. nobody listens on the socket any more.
  status notify(const std::string& message) const;

 private:
  driver::unique_fd socket_;
  sockaddr_un address_{};
  socklen_t address_length_ = 0;
};

}  // namespace troupe::ops
