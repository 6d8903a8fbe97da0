// RedisOrderStore's listings: an index's orders in given states, a
// resident's orders.
#include <algorithm>

#include "services/core/redis/redis_order_store.h"
#include "services/core/redis/redis_paging.h"
#include "services/core/status_macros.h"

namespace kepu {
namespace {

// A resident's orders (few): the index walked in batches, filtered by state,
// until the page is full.
absl::StatusOr<OrderPage> ListResident(RedisClient& redis,
                                       const RedisKeys& keys,
                                       const OrderQuery& query,
                                       std::optional<Cursor> cursor) {
  constexpr int kBatch = 100;
  const std::vector<IndexRange> ranges = {
      {keys.ResidentIndex(query.scope_id), 0}};
  OrderPage page;
  while (true) {
    ASSIGN_OR_RETURN(RangePage batch, ReadRanges(redis, ranges, cursor,
                                                 query.newest_first, kBatch));
    page.total = batch.total;
    ASSIGN_OR_RETURN(std::vector<std::optional<v1::Order>> orders,
                     ReadOrders(redis, keys, batch.hits));
    for (size_t i = 0; i < orders.size(); ++i) {
      cursor = batch.hits[i];
      if (!orders[i].has_value()) continue;
      const bool wanted = query.states.empty() ||
                          std::find(query.states.begin(), query.states.end(),
                                    orders[i]->state()) != query.states.end();
      if (!wanted) continue;
      page.orders.push_back(*std::move(orders[i]));
      if (static_cast<int>(page.orders.size()) == query.limit) {
        if (i + 1 < orders.size() || batch.more) {
          page.next_cursor = EncodeCursor(*cursor);
        }
        return page;
      }
    }
    if (!batch.more) return page;
  }
}

}  // namespace

absl::StatusOr<OrderPage> RedisOrderStore::List(const OrderQuery& query) {
  if (query.limit < 1 || query.limit > 100) {
    return absl::InvalidArgumentError("page.page_size: must be 1 to 100");
  }
  ASSIGN_OR_RETURN(std::optional<Cursor> cursor, DecodeCursor(query.cursor));
  if (query.index == OrderIndex::kResident) {
    return ListResident(redis_, keys_, query, cursor);
  }
  if (query.states.empty()) {
    return absl::InvalidArgumentError("states: is required");
  }
  std::string key;
  switch (query.index) {
    case OrderIndex::kCommunity:
      key = keys_.CommunityIndex(query.scope_id);
      break;
    case OrderIndex::kDepartment:
      key = keys_.DepartmentIndex(query.scope_id);
      break;
    case OrderIndex::kTeam:
    case OrderIndex::kResident:
      key = keys_.TeamIndex(query.scope_id);
      break;
  }
  std::vector<IndexRange> ranges;
  for (v1::OrderState state : query.states) {
    const IndexRange range{key, IndexScore(state, 0)};
    if (std::none_of(ranges.begin(), ranges.end(), [&](const IndexRange& r) {
          return r.offset == range.offset;
        })) {
      ranges.push_back(range);
    }
  }
  ASSIGN_OR_RETURN(
      RangePage range_page,
      ReadRanges(redis_, ranges, cursor, query.newest_first, query.limit));
  ASSIGN_OR_RETURN(std::vector<std::optional<v1::Order>> orders,
                   ReadOrders(redis_, keys_, range_page.hits));
  OrderPage page;
  page.total = range_page.total;
  for (std::optional<v1::Order>& order : orders) {
    if (order.has_value()) page.orders.push_back(*std::move(order));
  }
  if (range_page.more && !range_page.hits.empty()) {
    page.next_cursor = EncodeCursor(range_page.hits.back());
  }
  return page;
}

}  // namespace kepu
