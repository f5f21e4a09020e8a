/// The ticker's index of scheduled jobs by the minute they fire next, so that the jobs due in a
/// minute are found without scanning every job (issue 3: 1,000,000 jobs, 10,000 due in a minute,
/// ≤ 20 ms and ≤ 200 bytes per job).
///
/// Shape: a calendar queue keyed by UTC epoch minute (minutes since 1970-01-01T00:00Z). Each job is
/// a compact ``JobHandle`` that the caller chooses (dense, from 0: storage is an array indexed by
/// it). Jobs firing within ``windowMinutes`` of the cursor sit in one bucket per minute, an
/// intrusive doubly-linked list over one 16-byte record per job; jobs firing later wait in a
/// min-heap and move into their bucket as the cursor comes near. Compiled schedules are shared:
/// jobs whose calendars are equal (same fields, same DST class, same zone) hold one copy.
///
/// ```swift
/// var index = DueIndex(afterEpochMinute: lastCompletedMinute)
/// index.insert(DueIndex.JobHandle(7), schedule: compiled, afterEpochMinute: effectiveFromMinute)
/// let due = index.popDue(atEpochMinute: lastCompletedMinute + 1)  // each advanced to its next fire
/// ```
///
/// Contract: `popDue(atEpochMinute: m)` returns exactly the jobs with
/// `schedule.next(afterEpochMinute: m - 1) == m` that were inserted with `after < m` — what a scan
/// of every job finds (`TickPlanner`'s rule) — as long as minutes are popped in increasing order.
/// Skipping minutes is allowed: the jobs of skipped minutes are moved on to their next fire after
/// them without being returned. A minute at or before the last popped one returns nothing (each
/// minute is popped once), and no job ever fires at or before it.
///
/// Cost: `popDue` is O(due + log(far jobs moved in)) plus one `next` per due job; `insert` and
/// `remove` are O(1) amortised plus one `next`. Memory: 17 bytes per job, plus per distinct
/// calendar one `CompiledSchedule` (~90 bytes, more for expression texts over 15 bytes) and
/// ~8 bytes of lookup table; zone tables are shared by all schedules of a zone.
public struct DueIndex: Sendable {
    /// A job's handle inside the index: a small non-negative integer chosen by the caller, who
    /// maps it to its own key (e.g. `JobKey`). Handles index arrays, so keep them dense.
    public struct JobHandle: Hashable, Comparable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(_ rawValue: Int32) {
            precondition(rawValue >= 0, "DueIndex.JobHandle must be non-negative")
            self.rawValue = rawValue
        }
        public static func < (lhs: JobHandle, rhs: JobHandle) -> Bool { lhs.rawValue < rhs.rawValue }
        public var description: String { "#\(rawValue)" }
    }

    /// Minutes ahead of the cursor kept in per-minute buckets (2^14 ≈ 11.4 days, so daily and
    /// weekly jobs never go through the far heap). A power of two: bucket = minute & (window - 1).
    public static let windowMinutes = 1 << 14

    private enum Location: UInt8 { case absent, bucket, far, dormant }

    /// One job. `next`/`previous` link the bucket list (-1 = none).
    private struct Record {
        var fire: Int32
        var next: Int32
        var previous: Int32
        var schedule: Int32
    }

    private var records: [Record] = []
    private var locations: [Location] = []
    /// Head of each minute's list (-1 = empty), indexed by `minute & (windowMinutes - 1)`.
    private var heads: [Int32]
    /// Min-heap of `farKey(fire, job)` for jobs firing at or after `cursor + windowMinutes`.
    /// Entries are invalidated lazily: valid only while the job is `.far` with that `fire`.
    private var far: [UInt64] = []
    private var farLive = 0
    private var schedules = DueIndexScheduleTable()
    /// The first minute not popped yet; every job in the index fires at or after it.
    private var cursor: Int
    /// Jobs in the index, dormant ones (no further fire time) included.
    public private(set) var count = 0

    /// An empty index whose first poppable minute is `minute + 1` (e.g. the last completed tick).
    public init(afterEpochMinute minute: Int64) {
        cursor = Int(minute) + 1
        heads = Array(repeating: -1, count: Self.windowMinutes)
    }

    /// Distinct compiled schedules held (jobs with equal calendars share one).
    public var distinctScheduleCount: Int { schedules.count }

    /// The first minute `popDue` still answers.
    public var firstUnpoppedEpochMinute: Int64 { Int64(cursor) }

    /// Makes room for handles `0 ..< jobs` and `schedules` distinct calendars without regrowing.
    public mutating func reserveCapacity(jobs: Int, schedules distinct: Int = 0) {
        records.reserveCapacity(jobs)
        locations.reserveCapacity(jobs)
        schedules.reserveCapacity(distinct)
    }

    /// Adds `job`, or replaces its schedule if it is already in: it fires next at
    /// `schedule.next(afterEpochMinute: max(after, last popped minute))`, or never (dormant, kept
    /// until removed) if that is nil.
    ///
    /// - Parameter after: jobs never fire at or before this minute (e.g. the minute the schedule
    ///   took effect, as `TickPlanner`'s `minute > scheduleEffectiveFrom`).
    public mutating func insert(_ job: JobHandle, schedule: CompiledSchedule, afterEpochMinute after: Int64) {
        let h = Int(job.rawValue)
        if h >= records.count {
            // Fill reserved capacity first, then grow by half.
            let grown = h < records.capacity ? records.capacity : max(h + 1, records.count + records.count / 2)
            records.append(contentsOf: repeatElement(Record(fire: 0, next: -1, previous: -1, schedule: -1), count: grown - records.count))
            locations.append(contentsOf: repeatElement(.absent, count: grown - locations.count))
        } else if locations[h] != .absent {
            remove(job)
        }
        let slot = schedules.intern(schedule)
        records[h] = Record(fire: 0, next: -1, previous: -1, schedule: slot)
        count += 1
        place(h, next: schedule.next(afterEpochMinute: max(after, Int64(cursor) - 1)))
    }

    /// Removes `job`. - Returns: whether it was in the index.
    @discardableResult
    public mutating func remove(_ job: JobHandle) -> Bool {
        let h = Int(job.rawValue)
        guard h < locations.count, locations[h] != .absent else { return false }
        switch locations[h] {
        case .bucket: unlink(h)
        case .far: farLive -= 1
        case .dormant, .absent: break
        }
        schedules.release(records[h].schedule)
        locations[h] = .absent
        count -= 1
        if far.count > 1024 && far.count > 2 * farLive { compactFar() }
        return true
    }

    /// Whether `job` is in the index (dormant or not).
    public func contains(_ job: JobHandle) -> Bool {
        Int(job.rawValue) < locations.count && locations[Int(job.rawValue)] != .absent
    }

    /// The minute `job` fires next, or nil if it is not in the index or never fires again.
    public func nextFireEpochMinute(of job: JobHandle) -> Int64? {
        let h = Int(job.rawValue)
        guard h < locations.count, locations[h] == .bucket || locations[h] == .far else { return nil }
        return Int64(records[h].fire)
    }

    /// The schedule `job` runs on: a shared copy with the same calendar and zone, whose `text`
    /// may be another spelling of the one inserted (e.g. `*:00` for `0 * * * *`).
    public func schedule(of job: JobHandle) -> CompiledSchedule? {
        let h = Int(job.rawValue)
        guard h < locations.count, locations[h] != .absent else { return nil }
        return schedules[records[h].schedule]
    }

    /// The jobs that fire at `minute`, in ascending handle order, each advanced to its next fire
    /// after `minute`. Jobs of skipped minutes are advanced past them and not returned; a minute
    /// at or before the last popped one returns `[]`.
    public mutating func popDue(atEpochMinute minute: Int64) -> [JobHandle] {
        let m = Int(minute)
        guard m >= cursor else { return [] }
        if m > cursor { skip(to: m) }
        // Every job fires at or after m = cursor, and bucket m holds exactly those firing at m.
        let bucket = m & (Self.windowMinutes - 1)
        var due: [JobHandle] = []
        var h = heads[bucket]
        heads[bucket] = -1
        while h >= 0 {
            due.append(JobHandle(h))
            h = records[Int(h)].next
        }
        cursor = m + 1
        for job in due {
            let j = Int(job.rawValue)
            place(j, next: schedules[records[j].schedule].next(afterEpochMinute: minute))
        }
        var stale: [Int32] = []
        refill(stale: &stale)
        precondition(stale.isEmpty, "far jobs are never behind the cursor after a pop")
        due.sort()
        return due
    }

    /// Advances the cursor to `m` (> cursor): every job firing before `m` moves to its next fire
    /// at or after `m`.
    private mutating func skip(to m: Int) {
        var stale: [Int32] = []
        for minute in cursor..<min(m, cursor + Self.windowMinutes) {
            let bucket = minute & (Self.windowMinutes - 1)
            var h = heads[bucket]
            heads[bucket] = -1
            while h >= 0 {
                stale.append(h)
                h = records[Int(h)].next
            }
        }
        cursor = m
        refill(stale: &stale)
        for h in stale {
            let j = Int(h)
            place(j, next: schedules[records[j].schedule].next(afterEpochMinute: Int64(m) - 1))
        }
    }

    /// Puts a job (not linked anywhere) at its next fire minute, or makes it dormant.
    private mutating func place(_ h: Int, next: Int64?) {
        guard let next else {
            locations[h] = .dormant
            return
        }
        let fire = Int(next)
        records[h].fire = Int32(fire)
        if fire < cursor + Self.windowMinutes {
            let bucket = fire & (Self.windowMinutes - 1)
            let head = heads[bucket]
            records[h].next = head
            records[h].previous = -1
            if head >= 0 { records[Int(head)].previous = Int32(h) }
            heads[bucket] = Int32(h)
            locations[h] = .bucket
        } else {
            farPush(Self.farKey(fire: fire, job: h))
            locations[h] = .far
            farLive += 1
        }
    }

    private mutating func unlink(_ h: Int) {
        let record = records[h]
        if record.previous >= 0 {
            records[Int(record.previous)].next = record.next
        } else {
            heads[Int(record.fire) & (Self.windowMinutes - 1)] = record.next
        }
        if record.next >= 0 { records[Int(record.next)].previous = record.previous }
    }

    /// Moves far jobs that now fall inside the window into their buckets; those already behind the
    /// cursor (only when minutes were skipped) go to `stale`.
    private mutating func refill(stale: inout [Int32]) {
        let end = cursor + Self.windowMinutes
        while let top = far.first, Self.farFire(top) < end {
            farPop()
            let h = Int(top & 0xFFFF_FFFF)
            let fire = Self.farFire(top)
            guard locations[h] == .far, Int(records[h].fire) == fire else { continue }  // stale entry
            farLive -= 1
            if fire < cursor {
                locations[h] = .dormant
                stale.append(Int32(h))
            } else {
                place(h, next: Int64(fire))
            }
        }
    }

    // MARK: Far heap (binary min-heap of UInt64 keys)

    /// Orders by fire minute, then handle; the fire is biased so that negative minutes sort first.
    private static func farKey(fire: Int, job: Int) -> UInt64 {
        UInt64(UInt32(bitPattern: Int32(fire)) ^ 0x8000_0000) << 32 | UInt64(job)
    }

    private static func farFire(_ key: UInt64) -> Int {
        Int(Int32(bitPattern: UInt32(truncatingIfNeeded: key >> 32) ^ 0x8000_0000))
    }

    private mutating func farPush(_ key: UInt64) {
        far.append(key)
        var child = far.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard far[parent] > key else { break }
            far[child] = far[parent]
            child = parent
        }
        far[child] = key
    }

    private mutating func farPop() {
        let last = far.removeLast()
        guard !far.isEmpty else { return }
        var parent = 0
        while true {
            var child = 2 * parent + 1
            guard child < far.count else { break }
            if child + 1 < far.count && far[child + 1] < far[child] { child += 1 }
            guard far[child] < last else { break }
            far[parent] = far[child]
            parent = child
        }
        far[parent] = last
    }

    /// Drops invalid and duplicate far entries; a sorted array is a valid min-heap.
    private mutating func compactFar() {
        var live = far.filter { key in
            let h = Int(key & 0xFFFF_FFFF)
            return locations[h] == .far && Int(records[h].fire) == Self.farFire(key)
        }
        live.sort()
        var unique: [UInt64] = []
        unique.reserveCapacity(live.count)
        for key in live where unique.last != key { unique.append(key) }
        far = unique
    }

    /// Bytes this index owns, from capacities and strides (excluding the shared zone tables and
    /// malloc overhead): what `almanac-bench due-index` reports as its size estimate.
    public var estimatedMemoryBytes: Int {
        records.capacity * MemoryLayout<Record>.stride + locations.capacity + heads.capacity * 4
            + far.capacity * 8 + schedules.estimatedMemoryBytes
    }
}

/// Distinct compiled schedules with reference counts, found by calendar through an
/// open-addressing (linear probing) table of slot numbers.
private struct DueIndexScheduleTable: Sendable {
    private var schedules: [CompiledSchedule] = []
    private var references: [Int32] = []
    private var freeSlots: [Int32] = []
    /// Slot + 1, or 0 for empty; the capacity is a power of two, at most half full.
    private var table: [Int32] = Array(repeating: 0, count: 64)
    private(set) var count = 0

    subscript(slot: Int32) -> CompiledSchedule { schedules[Int(slot)] }

    /// The slot of a schedule with `schedule`'s calendar, added if new; takes one reference.
    mutating func intern(_ schedule: CompiledSchedule) -> Int32 {
        let mask = table.count - 1
        var index = Self.hash(schedule) & mask
        while table[index] != 0 {
            let slot = table[index] - 1
            if Self.sameCalendar(schedules[Int(slot)], schedule) {
                references[Int(slot)] += 1
                return slot
            }
            index = (index + 1) & mask
        }
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            schedules[Int(slot)] = schedule
            references[Int(slot)] = 1
        } else {
            slot = Int32(schedules.count)
            schedules.append(schedule)
            references.append(1)
        }
        table[index] = slot + 1
        count += 1
        if count * 2 > table.count { rehash(capacity: table.count * 2) }
        return slot
    }

    mutating func reserveCapacity(_ distinct: Int) {
        schedules.reserveCapacity(distinct)
        references.reserveCapacity(distinct)
        var capacity = table.count
        while capacity < 2 * distinct { capacity *= 2 }
        if capacity > table.count { rehash(capacity: capacity) }
    }

    /// Drops one reference; the last one frees the slot (its schedule stays until reused).
    mutating func release(_ slot: Int32) {
        references[Int(slot)] -= 1
        guard references[Int(slot)] == 0 else { return }
        let mask = table.count - 1
        var hole = Self.hash(schedules[Int(slot)]) & mask
        while table[hole] != slot + 1 { hole = (hole + 1) & mask }
        table[hole] = 0
        // Backward-shift deletion: move later entries of the probe run into the hole.
        var index = hole
        while true {
            index = (index + 1) & mask
            guard table[index] != 0 else { break }
            let home = Self.hash(schedules[Int(table[index] - 1)]) & mask
            let distanceToHole = (index - hole) & mask
            let distanceFromHome = (index - home) & mask
            if distanceFromHome >= distanceToHole {
                table[hole] = table[index]
                table[index] = 0
                hole = index
            }
        }
        freeSlots.append(slot)
        count -= 1
    }

    private mutating func rehash(capacity: Int) {
        table = Array(repeating: 0, count: capacity)
        let mask = capacity - 1
        for slot in schedules.indices where references[slot] > 0 {
            var index = Self.hash(schedules[slot]) & mask
            while table[index] != 0 { index = (index + 1) & mask }
            table[index] = Int32(slot) + 1
        }
    }

    /// `next` depends only on the fields, the DST class and the zone table (shared per zone).
    private static func sameCalendar(_ a: CompiledSchedule, _ b: CompiledSchedule) -> Bool {
        a.zone === b.zone && a.expression.isInterval == b.expression.isInterval && a.expression.fields == b.expression.fields
    }

    private static func hash(_ schedule: CompiledSchedule) -> Int {
        var hasher = Hasher()
        hasher.combine(ObjectIdentifier(schedule.zone))
        hasher.combine(schedule.expression.isInterval)
        hasher.combine(schedule.expression.fields)
        return hasher.finalize()
    }

    var estimatedMemoryBytes: Int {
        var textBytes = 0
        for slot in schedules.indices where references[slot] > 0 {
            let length = schedules[slot].expression.text.utf8.count
            if length > 15 { textBytes += 32 + (length + 16) & ~15 }  // native string storage
        }
        return schedules.capacity * MemoryLayout<CompiledSchedule>.stride + references.capacity * 4
            + freeSlots.capacity * 4 + table.capacity * 4 + textBytes
    }
}
