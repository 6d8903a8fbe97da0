// The record-write protocol's argument, as the Kepu Redis module
// (kepu_module.cc) reads it: decoded and its whole shape checked before the
// write reads or writes anything. Pure: no Redis, no allocation beyond the
// token list, no exceptions (the module is built with -fno-exceptions), so the
// unit tests run it under the sanitizers on any bytes.
//
// The argument is a stream of MessagePack values (no enclosing array): the
// number of tokens that follow, then the tokens. The tokens are sections, each
// a name followed by its values, in this order (all optional but a record and
// its write):
//
//   request  K fingerprint ttl      The request key: if it holds
//                                   "<fingerprint>:<result>", the write was
//                                   applied before and its result is answered
//                                   (or KEPU_REQUEST_REUSED when the
//                                   fingerprint differs).
//   hash     K version state        The record is a hash whose field v must be
//                                   `version` ("0": it must not exist) and,
//                                   unless `state` is false, whose field s
//                                   must be `state`.
//   string   K expected             The record is a string that must hold
//                                   `expected` (false: must not exist).
//   checks   N check...             version K D   the hash's field v must be D
//                                                 (KEPU_CHANGED <n>)
//                                   empty K       the sorted set must be empty
//                                                 (KEPU_NOT_EMPTY <n>)
//                                   absent K      the key must not exist
//                                                 (KEPU_TAKEN <n>)
//                                   capacity K limit R (low high)*R
//                                                 fewer than `limit` members
//                                                 may score in the ranges
//                                                 [low, high) (KEPU_CAPACITY
//                                                 <count>)
//   fields   N (field value)*N      A hash's new fields (N >= 1): HSET.
//   value    V                      A string's new value: SET.
//   links    K since limit exclude tag
//                                   The members of the sorted set scoring
//                                   `since` or more (at most `limit`, lowest
//                                   first, but `exclude`) are appended to the
//                                   record's field r as protobuf string fields
//                                   with the tag bytes `tag`, and answered. A
//                                   hash record only.
//   index    member N (K before after)*N
//                                   For each sorted set the member was in or is
//                                   to be in: its score before (false: it was
//                                   not in the set) and after (false: it leaves
//                                   the set). The member leaves the sets whose
//                                   after is false, and is added where its
//                                   score is new or changed.
//   ops      N op...                set K value | setif K expect value (SET
//                                   only if the key holds `expect`) | zadd K
//                                   score member | zrem K member | hincrby K
//                                   field by | end_sessions K keep (DEL every
//                                   key the sorted set lists but `keep`, false
//                                   for none, and ZREM them; those keys share
//                                   its hash tag)
//   log      K maxlen N (field value)*N
//                                   XADD to the stream (trimmed to about
//                                   `maxlen` unless false; N >= 1).
//   history  K value                With log: RPUSH "<entry id> <value>".
//   enqueue  N (K M (field value)*M)*N
//                                   XADD to each stream (M >= 1).
//   result   value                  What the request key remembers (default:
//                                   the record's field r, or its value).
//
// K is a key's number (1-based, into the command's keys); N, M, R, limit and
// the limit of links are counts (0 to 100,000). These are MessagePack
// integers. Numbers that go to Redis or are compared with what it holds
// (versions, states, scores, ttl, since, low, high, by, maxlen) are decimal
// strings: an optional minus and 1 to 20 characters in all; where Redis takes
// them as 64-bit integers and refuses some after the record's write had they
// got through (a ttl must be positive, a maxlen not negative, an increment
// must fit), at most 18 characters (a ttl at most 10 digits). An index's before
// scores are only compared with its after scores, so any string will do. Texts
// (fields, values, members, the fingerprint) are MessagePack strings. Nothing
// else is part of the protocol: nil, true, floats, binaries, arrays, maps and
// extensions are refused wherever they stand.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace kepu::records_module {

// One MessagePack value of the argument.
struct Token {
  enum class Kind : uint8_t { kText, kInteger, kFalse, kMissing };
  Kind kind = Kind::kMissing;
  int64_t integer = 0;
  std::string_view text;  // into the argument

  bool IsText() const { return kind == Kind::kText; }
  bool IsFalse() const { return kind == Kind::kFalse; }
  bool Is(std::string_view name) const { return IsText() && text == name; }
};

// A decoded and checked write. Token 1 is the count; a section's position is
// where its name stands (0: the section is absent). Every position a check
// passed is inside the token list, so the write reads tokens without bounds
// checks.
struct CheckedWrite {
  std::vector<Token> tokens;  // tokens[0] unused
  int request = 0, record = 0, checks = 0, write = 0, links = 0, index = 0,
      ops = 0, log = 0, history = 0, enqueue = 0, result = 0;

  bool hash() const { return tokens[record].Is("hash"); }
  const Token& operator[](int i) const { return tokens[i]; }
  int64_t Int(int i) const { return tokens[i].integer; }
  std::string_view Text(int i) const { return tokens[i].text; }
};

inline constexpr int64_t kMostCount = 100000;
inline constexpr size_t kMostTokens = 100000;

// Decodes `argument` and checks its shape against `key_count` keys. Answers ""
// with `out` filled, or the error the command answers: "KEPU_MALFORMED
// write[<i>] (<section>): <what>" (i counts the argument's values from 1, the
// count included) or "KEPU_MALFORMED write: <what>".
std::string CheckWrite(std::string_view argument, int key_count,
                       CheckedWrite& out);

// Where field `name` stands among the fields section of `w` (the index of its
// value; 0: none).
int FieldAt(const CheckedWrite& w, std::string_view name);

// The parts one after another. (Error texts are built with it rather than
// with operator+ on a literal, which GCC 12 at -O3 warns about wrongly,
// -Wrestrict, GCC bug 105329.)
std::string Cat(std::initializer_list<std::string_view> parts);

}  // namespace kepu::records_module
