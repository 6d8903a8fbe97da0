// RETURN_IF_ERROR and ASSIGN_OR_RETURN: Debian's Abseil 20220623 has neither.
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns the status of `expr` from the enclosing function when it is not OK.
#define RETURN_IF_ERROR(expr)                                     \
  do {                                                            \
    if (::absl::Status kepu_status_ = (expr); !kepu_status_.ok()) \
      return kepu_status_;                                        \
  } while (false)

#define KEPU_CONCAT_INNER_(a, b) a##b
#define KEPU_CONCAT_(a, b) KEPU_CONCAT_INNER_(a, b)

// ASSIGN_OR_RETURN(lhs, expr): evaluates `expr` (an absl::StatusOr<T>); returns
// its status from the enclosing function when not OK, else assigns (or
// declares, e.g. `auto x`) `lhs` with the value.
#define ASSIGN_OR_RETURN(lhs, expr) \
  KEPU_ASSIGN_OR_RETURN_IMPL_(KEPU_CONCAT_(kepu_statusor_, __LINE__), lhs, expr)

#define KEPU_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr)   \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = *std::move(statusor)
