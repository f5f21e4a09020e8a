/// The Levenshtein distance between two strings: the fewest single-character insertions,
/// deletions and substitutions that turn one into the other, counted on `Character`s
/// (grapheme clusters), case-sensitive.
///
/// ```swift
/// EditDistance.levenshtein("overlp", "overlap")   // 1
/// ```
///
/// Cost: O(a·b) time, O(min(a, b)) memory. Source: Wagner–Fischer's dynamic programme.
public enum EditDistance {
    public static func levenshtein(_ a: String, _ b: String) -> Int {
        var (long, short) = (Array(a), Array(b))
        if long.count < short.count { swap(&long, &short) }
        if short.isEmpty { return long.count }
        var previous = Array(0...short.count)
        var current = [Int](repeating: 0, count: short.count + 1)
        for (i, x) in long.enumerated() {
            current[0] = i + 1
            for (j, y) in short.enumerated() {
                current[j + 1] = Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[short.count]
    }
}
