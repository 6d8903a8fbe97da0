// What the gateway's transcoding costs per call, beside its baseline from the
// same run: the same request and answer handled as binary protobuf (what a
// gRPC client's call costs the server for the same messages). The request is
// the README walkthrough's CreateOrderRequest; the answer an Order with 100
// possible duplicates (3.8 KB of JSON, as gateway_bench.sh's steady state).
//
//   build/test-release/tests/bench/gateway_transcode_bench
#include <string>

#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "kepu/v1/orders.pb.h"
#include "services/core/ids.h"
#include "services/core/time_util.h"
#include "services/gateway/method_table.h"
#include "tests/support/people.h"

namespace kepu::gateway {
namespace {

const MethodTable& Table() {
  static const MethodTable* const table = [] {
    (void)v1::CreateOrderRequest::descriptor();  // linked in
    return new MethodTable(*MethodTable::ForServices({"kepu.v1.OrderService"}));
  }();
  return *table;
}

v1::CreateOrderRequest Request() {
  v1::CreateOrderRequest request;
  request.set_request_id("bench-request-0001");
  *request.mutable_draft() = testing::SmallJiningDraft(absl::Now());
  return request;
}

v1::Order Answer() {
  v1::Order order;
  order.set_id("01M8MHTQYBEQHMVKRFX3BJ9V57");
  order.set_state(v1::ORDER_STATE_SUBMITTED);
  order.set_version(1);
  *order.mutable_draft() = testing::SmallJiningDraft(absl::Now());
  order.set_resident_id("01M8MHRARVNFDGY7764JDCD66H");
  order.set_county_id("rencheng");
  order.set_program_id("elderly");
  *order.mutable_created_at() = ToProto(absl::Now());
  for (int i = 0; i < 100; ++i) {
    order.add_possible_duplicate_ids(
        absl::StrCat("01M8MHTQYBEQHMVKRFX3BJ", 1000 + i));
  }
  return order;
}

void BM_RequestFromJson(benchmark::State& state) {
  const RpcMethod& method = *Table().Find("/kepu.v1.OrderService/CreateOrder");
  std::string json = ToJson(Request());
  for (auto _ : state) {
    absl::StatusOr<grpc::ByteBuffer> bytes = RequestFromJson(method, json);
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(state.iterations() * json.size());
}
BENCHMARK(BM_RequestFromJson);

void BM_RequestFromBinary_Baseline(benchmark::State& state) {
  const RpcMethod& method = *Table().Find("/kepu.v1.OrderService/CreateOrder");
  std::string bytes = Request().SerializeAsString();
  for (auto _ : state) {
    absl::StatusOr<grpc::ByteBuffer> buffer = RequestFromBinary(method, bytes);
    benchmark::DoNotOptimize(buffer);
  }
  state.SetBytesProcessed(state.iterations() * bytes.size());
}
BENCHMARK(BM_RequestFromBinary_Baseline);

void BM_AnswerToJson(benchmark::State& state) {
  const RpcMethod& method = *Table().Find("/kepu.v1.OrderService/CreateOrder");
  grpc::ByteBuffer answer = ToByteBuffer(Answer());
  for (auto _ : state) {
    absl::StatusOr<std::string> body = ResponseBody(method, answer, false);
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_AnswerToJson);

void BM_AnswerParseAndSerialize_Baseline(benchmark::State& state) {
  // What a gRPC round trip costs for the same answer: serialize on the
  // server, parse on the client.
  const v1::Order order = Answer();
  for (auto _ : state) {
    std::string bytes = order.SerializeAsString();
    v1::Order parsed;
    benchmark::DoNotOptimize(parsed.ParseFromString(bytes));
  }
}
BENCHMARK(BM_AnswerParseAndSerialize_Baseline);

}  // namespace
}  // namespace kepu::gateway

BENCHMARK_MAIN();
