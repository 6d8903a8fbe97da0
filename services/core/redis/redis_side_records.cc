// RedisOrderStore's side records: volunteer hours, volunteers' sign-ins,
// follow-up visits and escalations (each a string holding the serialized
// record, listed by sorted sets scored by time), created by the order's moves
// and changed by compare-and-set writes.
#include "kepu/v1/order.pb.h"
#include "services/core/redis/record_write.h"
#include "services/core/redis/redis_order_store.h"
#include "services/core/redis/redis_paging.h"
#include "services/core/status_macros.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

// Applies `write` (a compare-and-set of one string record, with what the
// caller adds to it) and answers `result` as the write's outcome: as stored
// now, or as the first call left it.
template <typename Message>
absl::StatusOr<Message> ApplyCompareAndSet(RedisClient& redis,
                                           const RecordWrite& write,
                                           const std::string& result) {
  ASSIGN_OR_RETURN(WriteOutcome outcome, ApplyRecordWrite(redis, write));
  switch (outcome.refusal) {
    case WriteRefusal::kNone:
      break;
    case WriteRefusal::kRequestReused:
      return RequestReusedError();
    case WriteRefusal::kNotFound:
      return absl::NotFoundError("record not found");
    case WriteRefusal::kStale:
    case WriteRefusal::kExists:
      return absl::AbortedError(
          "the record changed meanwhile: read it again and retry");
    default:
      return absl::InternalError("unexpected refusal of a compare-and-set");
  }
  return ParseStored<Message>(outcome.replayed ? outcome.result : result,
                              "record");
}

// A write under `request`'s key.
RecordWrite WriteUnder(const RedisKeys& keys, const RequestKey& request,
                       absl::Duration request_ttl) {
  RecordWrite write;
  write.Request(keys.Request(request.actor_id, request.request_id),
                request.fingerprint, request_ttl);
  return write;
}

// Replaces the record at `key` if it still holds `before`, idempotently under
// `request`: one record write. Returns the record as stored after (or as the
// first call left it).
template <typename Message>
absl::StatusOr<Message> CompareAndSet(RedisClient& redis, const RedisKeys& keys,
                                      const std::string& key,
                                      const RequestKey& request,
                                      const Message& before,
                                      const Message& after,
                                      absl::Duration request_ttl) {
  RecordWrite write = WriteUnder(keys, request, request_ttl);
  const std::string stored = after.SerializeAsString();
  write.String(key, before.SerializeAsString(), stored);
  return ApplyCompareAndSet<Message>(redis, write, stored);
}

}  // namespace

absl::StatusOr<v1::VolunteerHours> RedisOrderStore::GetHours(
    absl::string_view hours_id) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Command({"GET", keys_.Hours(hours_id)}));
  return ParseRecordReply<v1::VolunteerHours>(reply, "hours", hours_id);
}

absl::StatusOr<HoursPage> RedisOrderStore::ListHours(const HoursQuery& query) {
  if (query.limit < 1 || query.limit > 100) {
    return absl::InvalidArgumentError("page.page_size: must be 1 to 100");
  }
  std::string index;
  if (!query.volunteer_id.empty()) {
    index = keys_.HoursByVolunteer(query.volunteer_id);
  } else if (!query.team_id.empty()) {
    index = keys_.HoursByTeam(query.team_id);
  } else {
    index = keys_.HoursByOrder(query.order_id);
  }
  ASSIGN_OR_RETURN(auto page,
                   ReadRecordPage<v1::VolunteerHours>(
                       redis_, index, query.limit, query.cursor,
                       [this](absl::string_view id) { return keys_.Hours(id); },
                       [](const v1::VolunteerHours&) { return true; }));
  return HoursPage{std::move(page.first), std::move(page.second)};
}

absl::StatusOr<v1::VolunteerHours> RedisOrderStore::UpdateHours(
    const RequestKey& request, const v1::VolunteerHours& before,
    const v1::VolunteerHours& after) {
  return CompareAndSet(redis_, keys_, keys_.Hours(before.id()), request, before,
                       after, options_.request_ttl);
}

absl::StatusOr<v1::VolunteerHours> RedisOrderStore::AppendHours(
    const RequestKey& request, const v1::VolunteerHours& before,
    const v1::VolunteerHours& after, const v1::VolunteerHours& entry) {
  RecordWrite write = WriteUnder(keys_, request, options_.request_ttl);
  const std::string stored = entry.SerializeAsString();
  const int64_t at = absl::ToUnixMillis(FromProto(entry.recorded_at()));
  write
      .String(keys_.Hours(before.id()), before.SerializeAsString(),
              after.SerializeAsString())
      .Set(keys_.Hours(entry.id()), stored)
      .ZAdd(keys_.HoursByVolunteer(entry.volunteer_id()), at, entry.id())
      .ZAdd(keys_.HoursByTeam(entry.team_id()), at, entry.id())
      .ZAdd(keys_.HoursByOrder(entry.order_id()), at, entry.id())
      .Result(stored);
  return ApplyCompareAndSet<v1::VolunteerHours>(redis_, write, stored);
}

absl::StatusOr<std::vector<v1::VolunteerSignIn>> RedisOrderStore::ListSignIns(
    absl::string_view order_id) {
  ASSIGN_OR_RETURN(
      RedisReply ids,
      redis_.Command({"ZRANGE", keys_.SignInsByOrder(order_id), "0", "-1"}));
  if (!ids.IsArray()) return UnexpectedReply("ZRANGE", ids);
  std::vector<std::string> keys;
  for (size_t i = 0; i < ids.Size(); ++i) {
    keys.push_back(keys_.SignIn(order_id, ids[i].Str()));
  }
  std::vector<std::vector<absl::string_view>> reads;
  for (const std::string& key : keys) reads.push_back({"GET", key});
  std::vector<v1::VolunteerSignIn> sign_ins;
  if (reads.empty()) return sign_ins;
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_.Pipeline(reads));
  for (size_t i = 0; i < replies.size(); ++i) {
    if (replies[i].IsNil()) continue;
    ASSIGN_OR_RETURN(v1::VolunteerSignIn sign_in,
                     ParseRecordReply<v1::VolunteerSignIn>(
                         replies[i], "sign-in", ids[i].Str()));
    sign_ins.push_back(std::move(sign_in));
  }
  return sign_ins;
}

absl::StatusOr<v1::VolunteerSignIn> RedisOrderStore::PutSignIn(
    const RequestKey& request, const std::optional<v1::VolunteerSignIn>& before,
    const v1::VolunteerSignIn& after) {
  RecordWrite write = WriteUnder(keys_, request, options_.request_ttl);
  const std::string stored = after.SerializeAsString();
  std::optional<std::string> expected;
  if (before.has_value()) expected = before->SerializeAsString();
  write.String(keys_.SignIn(after.order_id(), after.volunteer_id()), expected,
               stored);
  if (!before.has_value()) {
    write.ZAdd(keys_.SignInsByOrder(after.order_id()),
               absl::ToUnixMillis(FromProto(after.signed_in_at())),
               after.volunteer_id());
  }
  return ApplyCompareAndSet<v1::VolunteerSignIn>(redis_, write, stored);
}

absl::StatusOr<v1::FollowUp> RedisOrderStore::GetFollowUp(
    absl::string_view follow_up_id) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Command({"GET", keys_.FollowUp(follow_up_id)}));
  return ParseRecordReply<v1::FollowUp>(reply, "follow-up", follow_up_id);
}

absl::StatusOr<FollowUpPage> RedisOrderStore::ListFollowUps(
    absl::string_view community_id, bool include_done, int limit,
    absl::string_view cursor) {
  if (limit < 1 || limit > 100) {
    return absl::InvalidArgumentError("page.page_size: must be 1 to 100");
  }
  ASSIGN_OR_RETURN(
      auto page,
      ReadRecordPage<v1::FollowUp>(
          redis_, keys_.FollowUpsByCommunity(community_id), limit, cursor,
          [this](absl::string_view id) { return keys_.FollowUp(id); },
          [include_done](const v1::FollowUp& f) {
            return include_done || !f.done();
          }));
  return FollowUpPage{std::move(page.first), std::move(page.second)};
}

absl::StatusOr<v1::FollowUp> RedisOrderStore::UpdateFollowUp(
    const RequestKey& request, const v1::FollowUp& before,
    const v1::FollowUp& after) {
  return CompareAndSet(redis_, keys_, keys_.FollowUp(before.id()), request,
                       before, after, options_.request_ttl);
}

absl::StatusOr<v1::Escalation> RedisOrderStore::GetEscalation(
    absl::string_view escalation_id) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Command({"GET", keys_.Escalation(escalation_id)}));
  return ParseRecordReply<v1::Escalation>(reply, "escalation", escalation_id);
}

absl::StatusOr<EscalationPage> RedisOrderStore::ListEscalations(
    const EscalationQuery& query) {
  if (query.limit < 1 || query.limit > 100) {
    return absl::InvalidArgumentError("page.page_size: must be 1 to 100");
  }
  std::string index;
  switch (query.scope) {
    case EscalationQuery::Scope::kCity:
      index = keys_.Escalations();
      break;
    case EscalationQuery::Scope::kCounty:
      index = keys_.EscalationsByCounty(query.scope_id);
      break;
    case EscalationQuery::Scope::kCommunity:
      index = keys_.EscalationsByCommunity(query.scope_id);
      break;
  }
  const bool include_acknowledged = query.include_acknowledged;
  ASSIGN_OR_RETURN(
      auto page,
      ReadRecordPage<v1::Escalation>(
          redis_, index, query.limit, query.cursor,
          [this](absl::string_view id) { return keys_.Escalation(id); },
          [include_acknowledged](const v1::Escalation& e) {
            return include_acknowledged || !e.acknowledged();
          }));
  return EscalationPage{std::move(page.first), std::move(page.second)};
}

absl::StatusOr<v1::Escalation> RedisOrderStore::UpdateEscalation(
    const RequestKey& request, const v1::Escalation& before,
    const v1::Escalation& after) {
  return CompareAndSet(redis_, keys_, keys_.Escalation(before.id()), request,
                       before, after, options_.request_ttl);
}

}  // namespace kepu
