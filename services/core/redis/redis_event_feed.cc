#include "services/core/redis/redis_event_feed.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/core/status_macros.h"

namespace kepu {
namespace {

// How long one blocking read waits; also how soon a new subscriber's catch-up
// starts.
constexpr int kBlockMillis = 200;
constexpr int kBatch = 256;

// The feed whose sinks this thread is running (a sink may end its own
// subscription).
thread_local const void* delivering = nullptr;

std::pair<uint64_t, uint64_t> ParseEventId(absl::string_view id) {
  const size_t dash = id.find('-');
  uint64_t millis = 0;
  uint64_t sequence = 0;
  (void)absl::SimpleAtoi(id.substr(0, dash), &millis);
  if (dash != absl::string_view::npos)
    (void)absl::SimpleAtoi(id.substr(dash + 1), &sequence);
  return {millis, sequence};
}

RedisOptions FeedOptions(RedisOptions options) {
  options.connections = 1;
  // A blocking read takes up to kBlockMillis by design.
  options.command_timeout =
      std::max(options.command_timeout, absl::Milliseconds(kBlockMillis * 5));
  return options;
}

}  // namespace

bool EventIdLess(absl::string_view a, absl::string_view b) {
  return ParseEventId(a) < ParseEventId(b);
}

template <typename Event>
RedisStreamFeed<Event>::Subscription::~Subscription() {
  feed_->Unsubscribe(id_);
}

template <typename Event>
RedisStreamFeed<Event>::RedisStreamFeed(const RedisOptions& options,
                                        absl::string_view tenant,
                                        std::string stream_key)
    : redis_(FeedOptions(options)),
      stream_key_(stream_key.empty() ? RedisKeys(tenant).Events()
                                     : std::move(stream_key)) {
  thread_ = std::thread([this] { Run(); });
}

template <typename Event>
RedisStreamFeed<Event>::~RedisStreamFeed() {
  std::vector<std::pair<int64_t, Subscriber>> left;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
  {
    absl::MutexLock lock(&mu_);
    left.swap(subscribers_);
  }
  for (auto& [id, subscriber] : left) {
    subscriber.sink(nullptr, absl::UnavailableError("the event feed stopped"));
  }
}

template <typename Event>
absl::StatusOr<std::unique_ptr<typename RedisStreamFeed<Event>::Subscription>>
RedisStreamFeed<Event>::Subscribe(absl::string_view after_event_id,
                                  Filter filter, Sink sink) {
  const std::string& key = stream_key_;
  std::string cursor(after_event_id);
  // Where the stream is: its last id (for "from now on"), and the last id it
  // trimmed away.
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies,
                   redis_.Pipeline({{"XREVRANGE", key, "+", "-", "COUNT", "1"},
                                    {"XINFO", "STREAM", key}}));
  if (cursor.empty()) {
    cursor =
        replies[0].Size() > 0 ? std::string(replies[0][0][0].Str()) : "0-0";
  } else if (replies[1].IsArray()) {
    const RedisReply& info = replies[1];
    for (size_t i = 0; i + 1 < info.Size(); i += 2) {
      if (info[i].Str() == "max-deleted-entry-id" && info[i + 1].IsString() &&
          !EventIdLess(info[i + 1].Str(), cursor) &&
          info[i + 1].Str() != cursor && info[i + 1].Str() != "0-0") {
        return absl::OutOfRangeError(
            absl::StrCat("events after ", cursor,
                         " are no longer kept: reload and watch from now on"));
      }
    }
  }
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the event feed stopped");
  const int64_t id = next_id_++;
  subscribers_.emplace_back(
      id, Subscriber{std::move(cursor), std::move(filter), std::move(sink)});
  return std::unique_ptr<Subscription>(new Subscription(this, id));
}

template <typename Event>
void RedisStreamFeed<Event>::Unsubscribe(int64_t id) {
  if (delivering == this) {
    // From a sink, on the feed's thread, which holds the locks: ReadOnce drops
    // it after the batch.
    EndFromSink(id);
    return;
  }
  absl::MutexLock deliver(&deliver_mu_);
  absl::MutexLock lock(&mu_);
  subscribers_.erase(
      std::remove_if(subscribers_.begin(), subscribers_.end(),
                     [id](const auto& s) { return s.first == id; }),
      subscribers_.end());
}

template <typename Event>
void RedisStreamFeed<Event>::EndFromSink(int64_t id)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  for (auto& [subscriber_id, subscriber] : subscribers_) {
    if (subscriber_id == id) subscriber.ended = true;
  }
}

template <typename Event>
void RedisStreamFeed<Event>::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      if (subscribers_.empty()) {
        // Nothing to read for: sleep until a subscriber comes or the feed
        // stops.
        auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ || !subscribers_.empty();
        };
        mu_.AwaitWithTimeout(absl::Condition(&wake),
                             absl::Milliseconds(kBlockMillis));
        continue;
      }
    }
    if (absl::Status read = ReadOnce(); !read.ok()) {
      // Redis is away: the client fails fast; pause briefly instead of
      // spinning.
      absl::MutexLock lock(&mu_);
      auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_;
      };
      mu_.AwaitWithTimeout(absl::Condition(&stopping),
                           absl::Milliseconds(kBlockMillis));
    }
  }
}

template <typename Event>
absl::Status RedisStreamFeed<Event>::ReadOnce() {
  std::string from;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, subscriber] : subscribers_) {
      if (from.empty() || EventIdLess(subscriber.cursor, from))
        from = subscriber.cursor;
    }
  }
  const std::string& key = stream_key_;
  const std::string block = absl::StrCat(kBlockMillis);
  const std::string count = absl::StrCat(kBatch);
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Command({"XREAD", "COUNT", count, "BLOCK", block,
                                   "STREAMS", key, from}));
  // An error reply (say, a cursor Redis refuses) would come back at once on
  // every try: report it, so Run pauses instead of spinning.
  if (reply.IsError())
    return absl::InternalError(absl::StrCat("XREAD: ", reply.Str()));
  if (reply.IsNil() || !reply.IsArray() || reply.Size() == 0)
    return absl::OkStatus();
  const RedisReply entries = reply[0][1];
  absl::MutexLock deliver(&deliver_mu_);
  absl::MutexLock lock(&mu_);
  delivering = this;
  for (size_t i = 0; i < entries.Size(); ++i) {
    const RedisReply entry = entries[i];
    const absl::string_view event_id = entry[0].Str();
    const RedisReply fields = entry[1];
    absl::string_view bytes;
    for (size_t f = 0; f + 1 < fields.Size(); f += 2) {
      if (fields[f].Str() == "e") bytes = fields[f + 1].Str();
    }
    Event event;
    if (!event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      continue;
    event.set_event_id(std::string(event_id));
    for (auto& [id, subscriber] : subscribers_) {
      // A subscriber that came during the read with an older cursor is not
      // served from this batch: it starts after `from`, and the events between
      // its cursor and `from` would be skipped. The next read starts from it.
      if (subscriber.ended || EventIdLess(subscriber.cursor, from) ||
          !EventIdLess(subscriber.cursor, event_id))
        continue;
      subscriber.cursor = std::string(event_id);
      if (subscriber.filter(event)) subscriber.sink(&event, absl::OkStatus());
    }
  }
  delivering = nullptr;
  subscribers_.erase(
      std::remove_if(subscribers_.begin(), subscribers_.end(),
                     [](const auto& s) { return s.second.ended; }),
      subscribers_.end());
  return absl::OkStatus();
}

template class RedisStreamFeed<v1::OrderEvent>;
template class RedisStreamFeed<v1::InboxItem>;

}  // namespace kepu
