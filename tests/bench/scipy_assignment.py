#!/usr/bin/env python3
"""Times scipy.optimize.linear_sum_assignment for matching_bench.

Usage: scipy_assignment.py FILE ROWS COLS [REPEAT]

FILE holds ROWS x COLS costs as raw float64 (row-major). Times only the
linear_sum_assignment call, best of REPEAT (default 5), and prints one line:
"<cost of the assignment> <best seconds>".
"""
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment


def main():
    path, rows, cols = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    cost = np.fromfile(path, dtype=np.float64).reshape(rows, cols)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        row_ind, col_ind = linear_sum_assignment(cost)
        best = min(best, time.perf_counter() - start)
    print(f"{cost[row_ind, col_ind].sum():.17g} {best:.9f}")


if __name__ == "__main__":
    main()
