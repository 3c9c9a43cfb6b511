#include "runtime/http/responder.hpp"

#include <atomic>
#include <utility>

namespace troupe::http {

struct responder::shared_state {
  std::function<void(response)> deliver;
  std::atomic<bool> answered{false};

  explicit shared_state(std::function<void(response)> deliver_to)
      : deliver(std::move(deliver_to)) {}
  shared_state(const shared_state&) = delete;
  shared_state& operator=(const shared_state&) = delete;

  ~shared_state() {
    if (answered.exchange(true)) return;
    try {
      deliver(error_response(500, "the request handler finished without answering"));
    } catch (...) {
      // A destructor must not throw, and there is no one left to tell.
    }
  }
};

responder::responder(std::function<void(response)> deliver)
    : state_(std::make_shared<shared_state>(std::move(deliver))) {}

bool responder::operator()(response reply) const {
  if (state_->answered.exchange(true)) return false;
  state_->deliver(std::move(reply));
  return true;
}

bool responder::answered() const { return state_->answered.load(); }

}  // namespace troupe::http
