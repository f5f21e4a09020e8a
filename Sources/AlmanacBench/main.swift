// Placeholder while the benchmarks are written (see ops/bench).
print("almanac-bench: not built yet")
