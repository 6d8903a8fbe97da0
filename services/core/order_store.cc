#include "services/core/order_store.h"

namespace kepu {

absl::string_view CounterName(TeamTally::Counter counter) {
  switch (counter) {
    case TeamTally::Counter::kOffers:
      return "offers";
    case TeamTally::Counter::kAccepted:
      return "accepted";
    case TeamTally::Counter::kDeclined:
      return "declined";
    case TeamTally::Counter::kLapsed:
      return "lapsed";
    case TeamTally::Counter::kWithdrawn:
      return "withdrawn";
    case TeamTally::Counter::kCompleted:
      return "completed";
    case TeamTally::Counter::kRatings:
      return "ratings";
    case TeamTally::Counter::kRatingSum:
      return "rating_sum";
  }
  return "unknown";
}

}  // namespace kepu
