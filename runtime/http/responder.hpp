// The way an asynchronous handler answers: a copyable handle that sends one
// response for one request. Thread-safe: any copy may be called from any
// thread (an actor's thread, a timer); only the first call sends, later calls
// are ignored. When the last copy is destroyed and nobody answered, the
// client gets a 500, so a dropped request never hangs its connection.
#pragma once

#include <functional>
#include <memory>

#include "runtime/http/message.hpp"

namespace troupe::http {

class responder {
 public:
  // `deliver` takes the response to the client; it is called exactly once,
  // on the thread of the first call (or of the last copy's destruction).
  explicit responder(std::function<void(response)> deliver);

  // Sends `reply` unless this request was already answered; returns true iff
  // this call sent it.
  bool operator()(response reply) const;

  // Returns true iff a response was sent (by any copy).
  bool answered() const;

 private:
  struct shared_state;  // the delivery function and the answered flag, shared by every copy
  std::shared_ptr<shared_state> state_;
};

}  // namespace troupe::http
