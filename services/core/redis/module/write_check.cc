#include "services/core/redis/module/write_check.h"

#include <string>

namespace kepu::records_module {
namespace {

using Kind = Token::Kind;

// The bytes of a big-endian unsigned number of `width` bytes at `p`.
uint64_t BigEndian(const unsigned char* p, size_t width) {
  uint64_t v = 0;
  for (size_t j = 0; j < width; ++j) v = (v << 8) | p[j];
  return v;
}

// Decodes the MessagePack stream into tokens[1..]. Answers "" or what is
// wrong.
std::string Decode(std::string_view argument, std::vector<Token>& tokens) {
  const auto* s = reinterpret_cast<const unsigned char*>(argument.data());
  const size_t size = argument.size();
  size_t at = 0;
  while (at < size) {
    if (tokens.size() > kMostTokens) return "write: has too many values";
    const size_t number = tokens.size();
    auto cut = [number] {
      return Cat({"write[", std::to_string(number), "]: is cut short"});
    };
    const unsigned char c = s[at++];
    Token t;
    size_t text_length = 0;
    if (c <= 0x7f) {  // positive fixint
      t.kind = Kind::kInteger;
      t.integer = c;
    } else if (c >= 0xe0) {  // negative fixint
      t.kind = Kind::kInteger;
      t.integer = static_cast<int8_t>(c);
    } else if (c >= 0xa0 && c <= 0xbf) {  // fixstr
      t.kind = Kind::kText;
      text_length = c - 0xa0;
    } else if (c >= 0xd9 && c <= 0xdb) {  // str 8, 16, 32
      const size_t width = size_t{1} << (c - 0xd9);
      if (size - at < width) return cut();
      t.kind = Kind::kText;
      text_length = BigEndian(s + at, width);
      at += width;
    } else if (c >= 0xcc && c <= 0xd3) {  // uint 8..64, int 8..64
      const size_t width = size_t{1} << ((c - 0xcc) % 4);
      if (size - at < width) return cut();
      const uint64_t v = BigEndian(s + at, width);
      at += width;
      t.kind = Kind::kInteger;
      if (c <= 0xcf) {
        if (v > static_cast<uint64_t>(INT64_MAX)) t.kind = Kind::kMissing;
        t.integer = static_cast<int64_t>(v);
      } else {
        // Sign-extend from `width` bytes.
        const int shift = 64 - 8 * static_cast<int>(width);
        t.integer = static_cast<int64_t>(v << shift) >> shift;
      }
      if (t.kind == Kind::kMissing) {
        return Cat({"write[", std::to_string(number), "]: is out of range"});
      }
    } else if (c == 0xc2) {
      t.kind = Kind::kFalse;
    } else {
      // nil, true, floats, binaries, arrays, maps, extensions: no write holds
      // them.
      return Cat({"write[", std::to_string(number),
                  "]: holds a value of the wrong kind"});
    }
    if (t.kind == Kind::kText) {
      if (size - at < text_length) return cut();
      t.text = argument.substr(at, text_length);
      at += text_length;
    }
    tokens.push_back(t);
  }
  return "";
}

// The rank of each section: they come in this order, each at most once (a
// record is a hash or a string, written by fields or a value).
int Rank(const Token& t) {
  if (!t.IsText()) return 0;
  static constexpr std::pair<std::string_view, int> kRanks[] = {
      {"request", 1}, {"hash", 2},  {"string", 2},  {"checks", 3},
      {"fields", 4},  {"value", 4}, {"links", 5},   {"index", 6},
      {"ops", 7},     {"log", 8},   {"history", 9}, {"enqueue", 10},
      {"result", 11}};
  for (const auto& [name, rank] : kRanks) {
    if (t.text == name) return rank;
  }
  return 0;
}

bool IsDecimal(const Token& t, size_t most) {
  if (!t.IsText() || t.text.empty() || t.text.size() > most) return false;
  size_t j = t.text[0] == '-' ? 1 : 0;
  if (j == t.text.size()) return false;
  for (; j < t.text.size(); ++j) {
    if (t.text[j] < '0' || t.text[j] > '9') return false;
  }
  return true;
}

// The checker of one argument: each check answers false after recording what
// is wrong, and the caller returns at once.
class Checker {
 public:
  Checker(CheckedWrite& w, int key_count) : w_(w), key_count_(key_count) {}

  std::string Check();

 private:
  // The token at i (a missing one past the end).
  const Token& At(int i) const {
    static const Token kMissing;
    return i >= 1 && static_cast<size_t>(i) < w_.tokens.size() ? w_.tokens[i]
                                                               : kMissing;
  }
  bool Bad(int i, std::string_view what) {
    error_ = Cat({"KEPU_MALFORMED write[", std::to_string(i), "] (", section_,
                  "): ", what});
    return false;
  }
  bool Key(int i) {
    const Token& t = At(i);
    if (t.kind == Kind::kInteger && t.integer >= 1 && t.integer <= key_count_) {
      return true;
    }
    return Bad(i, "is not the number of a key");
  }
  bool Count(int i, int& count) {
    const Token& t = At(i);
    if (t.kind != Kind::kInteger || t.integer < 0 || t.integer > kMostCount) {
      return Bad(i, "is not a count");
    }
    count = static_cast<int>(t.integer);
    return true;
  }
  bool Text(int i) { return At(i).IsText() || Bad(i, "is not a string"); }
  bool TextOrFalse(int i) { return At(i).IsFalse() || Text(i); }
  bool Decimal(int i) {
    return IsDecimal(At(i), 20) || Bad(i, "is not a decimal integer");
  }
  bool DecimalOrFalse(int i) { return At(i).IsFalse() || Decimal(i); }
  // A decimal Redis takes as a 64-bit integer: at most `most` characters (18:
  // it fits), and positive or not negative where Redis refuses others.
  enum class Sign { kAny, kNatural, kPositive };
  bool Integer(int i, Sign sign, size_t most = 18) {
    const Token& t = At(i);
    bool ok = IsDecimal(t, most);
    if (ok && sign != Sign::kAny) {
      ok = t.text[0] != '-' && !(sign == Sign::kPositive && t.text[0] == '0');
    }
    return ok || Bad(i, "is out of range");
  }
  // N (field value)*N from i (N >= 1: Redis's HSET and XADD take no empty
  // list); `next` is the index after them.
  bool Pairs(int i, int& next) {
    int count = 0;
    if (!Count(i, count)) return false;
    if (count == 0) return Bad(i, "is empty");
    for (int j = i + 1; j <= i + 2 * count; ++j) {
      if (!Text(j)) return false;
    }
    next = i + 2 * count + 1;
    return true;
  }

  bool Section(int& i);
  bool Checks(int& i);
  bool Ops(int& i);

  CheckedWrite& w_;
  const int key_count_;
  std::string_view section_ = "write";
  std::string error_;
};

bool Checker::Checks(int& i) {
  int count = 0;
  if (!Count(i + 1, count)) return false;
  i += 2;
  for (int c = 0; c < count; ++c) {
    const Token& kind = At(i);
    if (kind.Is("version")) {
      if (!Key(i + 1) || !Decimal(i + 2)) return false;
      i += 3;
    } else if (kind.Is("empty") || kind.Is("absent")) {
      if (!Key(i + 1)) return false;
      i += 2;
    } else if (kind.Is("capacity")) {
      int limit = 0, ranges = 0;
      if (!Key(i + 1) || !Count(i + 2, limit) || !Count(i + 3, ranges)) {
        return false;
      }
      for (int j = i + 4; j <= i + 3 + 2 * ranges; ++j) {
        if (!Decimal(j)) return false;
      }
      i += 4 + 2 * ranges;
    } else {
      return Bad(i, "is not a check");
    }
  }
  return true;
}

bool Checker::Ops(int& i) {
  int count = 0;
  if (!Count(i + 1, count)) return false;
  i += 2;
  for (int c = 0; c < count; ++c) {
    const Token& op = At(i);
    bool ok = true;
    if (op.Is("set") || op.Is("zrem")) {
      ok = Key(i + 1) && Text(i + 2);
      i += 3;
    } else if (op.Is("setif")) {
      ok = Key(i + 1) && Text(i + 2) && Text(i + 3);
      i += 4;
    } else if (op.Is("zadd")) {
      ok = Key(i + 1) && Decimal(i + 2) && Text(i + 3);
      i += 4;
    } else if (op.Is("hincrby")) {
      ok = Key(i + 1) && Text(i + 2) && Integer(i + 3, Sign::kAny);
      i += 4;
    } else if (op.Is("end_sessions")) {
      ok = Key(i + 1) && TextOrFalse(i + 2);
      i += 3;
    } else {
      return Bad(i, "is not an op");
    }
    if (!ok) return false;
  }
  return true;
}

// Checks the section whose name stands at i, and moves i past it.
bool Checker::Section(int& i) {
  const Token& name = At(i);
  if (name.Is("request")) {
    w_.request = i;
    if (!Key(i + 1)) return false;
    if (!At(i + 2).IsText() || At(i + 2).text.size() != 32) {
      return Bad(i + 2, "is not a fingerprint");
    }
    // SET EX refuses seconds that overflow once made milliseconds and added
    // to the time: at most 10 digits (317 years).
    if (!Integer(i + 3, Sign::kPositive, 10)) return false;
    i += 4;
  } else if (name.Is("hash")) {
    w_.record = i;
    if (!Key(i + 1) || !Decimal(i + 2) || !DecimalOrFalse(i + 3)) return false;
    i += 4;
  } else if (name.Is("string")) {
    w_.record = i;
    if (!Key(i + 1) || !TextOrFalse(i + 2)) return false;
    i += 3;
  } else if (name.Is("checks")) {
    w_.checks = i;
    if (!Checks(i)) return false;
  } else if (name.Is("fields")) {
    w_.write = i;
    if (!Pairs(i + 1, i)) return false;
  } else if (name.Is("value")) {
    w_.write = i;
    if (!Text(i + 1)) return false;
    i += 2;
  } else if (name.Is("links")) {
    w_.links = i;
    int limit = 0;
    if (!Key(i + 1) || !Decimal(i + 2) || !Count(i + 3, limit) ||
        !Text(i + 4) || !Text(i + 5)) {
      return false;
    }
    i += 6;
  } else if (name.Is("index")) {
    w_.index = i;
    int count = 0;
    if (!Text(i + 1) || !Count(i + 2, count)) return false;
    for (int j = i + 3; j <= i + 2 + 3 * count; j += 3) {
      if (!Key(j) || !TextOrFalse(j + 1) || !DecimalOrFalse(j + 2)) {
        return false;
      }
    }
    i += 3 + 3 * count;
  } else if (name.Is("ops")) {
    w_.ops = i;
    if (!Ops(i)) return false;
  } else if (name.Is("log")) {
    w_.log = i;
    if (!Key(i + 1)) return false;
    if (!At(i + 2).IsFalse() && !Integer(i + 2, Sign::kNatural)) return false;
    if (!Pairs(i + 3, i)) return false;
  } else if (name.Is("history")) {
    w_.history = i;
    if (!Key(i + 1) || !Text(i + 2)) return false;
    i += 3;
  } else if (name.Is("enqueue")) {
    w_.enqueue = i;
    int count = 0;
    if (!Count(i + 1, count)) return false;
    i += 2;
    for (int q = 0; q < count; ++q) {
      if (!Key(i) || !Pairs(i + 1, i)) return false;
    }
  } else {  // result
    w_.result = i;
    if (!Text(i + 1)) return false;
    i += 2;
  }
  return true;
}

std::string Checker::Check() {
  const int n = static_cast<int>(w_.tokens.size()) - 1;
  int i = 2, last = 0;
  while (i <= n) {
    section_ = "write";
    const int rank = Rank(At(i));
    if (rank == 0) {
      Bad(i, "is not a section");
      return error_;
    }
    section_ = At(i).text;
    if (rank <= last) {
      Bad(i, "is repeated or out of order");
      return error_;
    }
    last = rank;
    if (!Section(i)) return error_;
  }
  // A section whose last values are missing reads past the end, where every
  // check fails: i is n + 1 now.
  if (w_.record == 0)
    return "KEPU_MALFORMED write: has no record (hash or string)";
  if (w_.write == 0) return "KEPU_MALFORMED write: has no fields or value";
  section_ = At(w_.write).text;
  if (w_.hash() != At(w_.write).Is("fields")) {
    Bad(w_.write, Cat({"does not write a ", At(w_.record).text, " record"}));
    return error_;
  }
  if (w_.links != 0 && !w_.hash()) {
    section_ = "links";
    Bad(w_.links, "needs a hash record");
    return error_;
  }
  if (w_.history != 0 && w_.log == 0) {
    section_ = "history";
    Bad(w_.history, "needs a log");
    return error_;
  }
  return "";
}

}  // namespace

std::string CheckWrite(std::string_view argument, int key_count,
                       CheckedWrite& out) {
  // A fresh write that keeps the token list's memory (the module reuses one).
  std::vector<Token> tokens = std::move(out.tokens);
  tokens.clear();
  out = CheckedWrite();
  out.tokens = std::move(tokens);
  out.tokens.reserve(128);
  out.tokens.emplace_back();  // tokens[0] unused: positions count from 1
  std::string error = Decode(argument, out.tokens);
  if (!error.empty()) return Cat({"KEPU_MALFORMED ", error});
  // The count makes a write cut short, or two writes run together,
  // malformed, even where the cut falls between two sections.
  const int64_t n = static_cast<int64_t>(out.tokens.size()) - 1;
  if (n < 1 || out.tokens[1].kind != Kind::kInteger ||
      out.tokens[1].integer != n - 1) {
    return Cat(
        {"KEPU_MALFORMED write: does not start with the number of its "
         "tokens (",
         std::to_string(n - 1), ")"});
  }
  return Checker(out, key_count).Check();
}

std::string Cat(std::initializer_list<std::string_view> parts) {
  size_t size = 0;
  for (std::string_view part : parts) size += part.size();
  std::string out;
  out.reserve(size);
  for (std::string_view part : parts) out.append(part);
  return out;
}

int FieldAt(const CheckedWrite& w, std::string_view name) {
  const int last = w.write + 1 + 2 * static_cast<int>(w.Int(w.write + 1));
  for (int j = w.write + 2; j <= last; j += 2) {
    if (w[j].text == name) return j + 1;
  }
  return 0;
}

}  // namespace kepu::records_module
