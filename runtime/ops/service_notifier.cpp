#include "runtime/ops/service_notifier.hpp"

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace troupe::ops {

result<service_notifier> service_notifier::for_address(const char* address) {
  service_notifier notifier;
  if (address == nullptr || *address == '\0') return notifier;
  const std::string name(address);
  const bool abstract = name.front() == '@';
  if (!abstract && name.front() != '/') {
    return error{"NOTIFY_SOCKET " + name +
                 ": not a unix socket path (nor an abstract name starting with @)"};
  }
  // An abstract name has no terminating NUL: its length says where it ends.
  if (name.size() + (abstract ? 0 : 1) > sizeof notifier.address_.sun_path) {
    return error{"NOTIFY_SOCKET " + name + ": longer than a unix socket address allows"};
  }
  notifier.address_.sun_family = AF_UNIX;
  std::memcpy(notifier.address_.sun_path, name.data(), name.size());
  if (abstract) notifier.address_.sun_path[0] = '\0';
  notifier.address_length_ =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + (abstract ? 0 : 1));
  notifier.socket_ = driver::unique_fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!notifier.socket_.valid())
    return error{std::string("cannot make a socket for NOTIFY_SOCKET: ") + std::strerror(errno)};
  return notifier;
}

status service_notifier::notify(const std::string& message) const {
  if (!enabled()) return {};
  const auto sent = ::sendto(socket_.get(), message.data(), message.size(), MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(&address_), address_length_);
  if (sent < 0) return error{std::string("sd_notify: ") + std::strerror(errno)};
  if (static_cast<std::size_t>(sent) != message.size())
    return error{"sd_notify: the message was cut short"};
  return {};
}

}  // namespace troupe::ops
