#include "services/orders/watch.h"

#include <deque>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/rpc/grpc_status.h"

namespace kepu {
namespace {

// Events a client may fall behind by before its watch ends.
constexpr size_t kMaxBacklog = 10'000;

template <typename Out>
class StreamReactor final : public grpc::ServerWriteReactor<Out> {
 public:
  StreamReactor(grpc::CallbackServerContext* context, std::string method,
                absl::Status valid, const ServiceEnv& env,
                StreamSubscriber<Out> subscriber)
      : context_(context),
        method_(std::move(method)),
        valid_(std::move(valid)),
        env_(env),
        subscriber_(std::move(subscriber)) {}

  // Admits the caller and subscribes, on the work pool (both read Redis).
  void Start() {
    {
      absl::MutexLock lock(&mu_);
      starting_ = true;
    }
    if (!env_.pool.TrySubmit([this] {
          Subscribe();
          Started();
        })) {
      Started();
      End(absl::ResourceExhaustedError("the server is busy: retry shortly"));
    }
  }

  void End(const absl::Status& status) {
    absl::MutexLock lock(&mu_);
    EndLocked(status);
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!backlog_.empty()) backlog_.pop_front();
    if (!ok) {
      EndLocked(absl::CancelledError("the client went away"));
      return;
    }
    WriteNextLocked();
  }

  void OnCancel() override {
    End(absl::CancelledError("the client cancelled"));
  }

  // The reactor is freed when the call is done and the start task has finished,
  // whichever comes last. (Finish waits for the start task, so OnDone, which
  // follows Finish, comes after it unless the task never ran.)
  void OnDone() override {
    std::shared_ptr<void> subscription;
    bool free;
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
      free = !starting_;
      subscription = std::move(subscription_);
    }
    subscription
        .reset();  // outside the lock: it waits for a delivery in progress
    if (free) delete this;
  }

 private:
  void Subscribe() {
    absl::StatusOr<Caller> caller = Admit(*context_, method_, env_, valid_);
    if (!caller.ok()) return End(caller.status());
    absl::StatusOr<std::shared_ptr<void>> subscription = subscriber_(
        *caller, [this](const Out* item, const absl::Status& status) {
          OnEvent(item, status);
        });
    if (!subscription.ok()) return End(subscription.status());
    absl::MutexLock lock(&mu_);
    if (done_) return;  // the call ended meanwhile: `subscription` goes now
    subscription_ = *std::move(subscription);
    if (finishing_) return;
    // The feed may have delivered events already (on its thread, since the
    // subscription above): they waited in the backlog, as a write must not
    // send the initial metadata before StartSendInitialMetadata does (gRPC
    // asserts that it is sent once).
    // Says the watch is open: a refusal (Finish before this) carries no
    // metadata, so the HTTP gateway can answer it with an HTTP error.
    context_->AddInitialMetadata("x-kepu-watch", "open");
    this->StartSendInitialMetadata();
    metadata_sent_ = true;
    WriteNextLocked();
  }

  void Started() {
    std::shared_ptr<void> subscription;
    bool free;
    {
      absl::MutexLock lock(&mu_);
      starting_ = false;
      free = done_;
      if (free) {
        subscription = std::move(subscription_);
      } else {
        WriteNextLocked();  // sends a Finish that waited for the start task
      }
    }
    if (free) {
      subscription.reset();
      delete this;
    }
  }

  // On the feed's thread: must not block.
  void OnEvent(const Out* event, const absl::Status& status) {
    absl::MutexLock lock(&mu_);
    if (!status.ok()) return EndLocked(status);
    if (finishing_) return;
    if (backlog_.size() >= kMaxBacklog) {
      return EndLocked(absl::ResourceExhaustedError(
          "the watch fell too far behind: reconnect with the last event id you "
          "have"));
    }
    backlog_.push_back(*event);
    WriteNextLocked();
  }

  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || done_) return;
    if (finishing_) {
      // Not while the start task runs: it reads the call's context, which
      // gRPC frees after OnDone, and OnDone follows Finish.
      if (!finished_ && !starting_) {
        finished_ = true;
        this->Finish(ToGrpcStatus(end_status_));
      }
      return;
    }
    if (!metadata_sent_ || backlog_.empty()) return;
    writing_ = true;
    this->StartWrite(&backlog_.front());
  }

  void EndLocked(const absl::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finishing_) return;
    finishing_ = true;
    end_status_ = status;
    backlog_.clear();  // a write in flight keeps its element until OnWriteDone
    WriteNextLocked();
  }

  grpc::CallbackServerContext* const context_;
  const std::string method_;
  // The request's validation status, judged after the token (Admit).
  const absl::Status valid_;
  const ServiceEnv& env_;
  const StreamSubscriber<Out> subscriber_;

  absl::Mutex mu_;
  std::shared_ptr<void> subscription_ ABSL_GUARDED_BY(mu_);
  bool starting_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<Out> backlog_ ABSL_GUARDED_BY(mu_);
  // StartSendInitialMetadata was called: events may be written.
  bool metadata_sent_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status end_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

template <typename Out>
grpc::ServerWriteReactor<Out>* StartStream(grpc::CallbackServerContext* context,
                                           absl::string_view method,
                                           const absl::Status& valid,
                                           const ServiceEnv& env,
                                           StreamSubscriber<Out> subscriber) {
  auto* reactor = new StreamReactor<Out>(context, std::string(method), valid,
                                         env, std::move(subscriber));
  reactor->Start();
  return reactor;
}

template grpc::ServerWriteReactor<v1::OrderEvent>* StartStream(
    grpc::CallbackServerContext*, absl::string_view, const absl::Status&,
    const ServiceEnv&, StreamSubscriber<v1::OrderEvent>);
template grpc::ServerWriteReactor<v1::Notification>* StartStream(
    grpc::CallbackServerContext*, absl::string_view, const absl::Status&,
    const ServiceEnv&, StreamSubscriber<v1::Notification>);

grpc::ServerWriteReactor<v1::OrderEvent>* StartWatch(
    grpc::CallbackServerContext* context, absl::string_view method,
    const absl::Status& valid, const std::string& after_event_id,
    const ServiceEnv& env, OrderDomains& orders, EventFeeds& feeds,
    WatchScope scope) {
  return StartStream<v1::OrderEvent>(
      context, method, valid, env,
      [&orders, &feeds, after_event_id, scope = std::move(scope)](
          const Caller& caller, StreamSink<v1::OrderEvent> sink)
          -> absl::StatusOr<std::shared_ptr<void>> {
        absl::StatusOr<OrderDomain*> domain =
            orders.Get(caller.principal.tenant());
        if (!domain.ok()) return domain.status();
        absl::StatusOr<RedisEventFeed::Filter> filter =
            scope((*domain)->workflow, caller);
        if (!filter.ok()) return filter.status();
        absl::StatusOr<RedisEventFeed*> feed =
            feeds.Get(caller.principal.tenant());
        if (!feed.ok()) return feed.status();
        absl::StatusOr<std::unique_ptr<RedisEventFeed::Subscription>>
            subscription = (*feed)->Subscribe(
                after_event_id, *std::move(filter), std::move(sink));
        if (!subscription.ok()) return subscription.status();
        return std::shared_ptr<void>(std::move(*subscription));
      });
}

}  // namespace kepu
