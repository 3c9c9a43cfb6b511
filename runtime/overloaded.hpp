// `overloaded{handlers...}`: one visitor for std::visit made of a lambda per
// alternative of a variant, so a visit reads as a table of cases.
#pragma once

namespace troupe {

template <class... Handlers>
struct overloaded : Handlers... {
  using Handlers::operator()...;
};
template <class... Handlers>
overloaded(Handlers...) -> overloaded<Handlers...>;

}  // namespace troupe
