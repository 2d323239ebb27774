import Foundation

/// The batches of one epoch, produced on a background thread into a bounded queue.
///
/// `next()` returns batches in order, rethrows the first error the producer met (after
/// which it returns nil), and returns nil at the end. Releasing the iterator or calling
/// `stop()` cancels the producer and waits for its thread to exit.
public final class BatchIterator {
    private let queue: BatchQueue
    let lifetime = ProducerLifetime()
    private let exited = DispatchSemaphore(value: 0)
    private var joined = false

    init(plan: [(slice: Int, indices: [Int])], capacity: Int,
         produce: @escaping @Sendable (Int, [Int]) throws -> Batch) {
        let queue = BatchQueue(capacity: capacity)
        self.queue = queue
        let exited = exited
        let lifetime = lifetime
        lifetime.set(true)
        // The thread references the queue, never the iterator, so that releasing the iterator
        // runs its deinit, which cancels the thread.
        let thread = Thread {
            defer {
                lifetime.set(false)
                exited.signal()
            }
            for (slice, indices) in plan {
                if queue.isCancelled { break }
                let result = Result { try produce(slice, indices) }
                guard queue.push(result) else { break }
                if case .failure = result { break }
            }
            queue.finish()
        }
        thread.name = "gda data loader"
        thread.stackSize = 8 << 20
        thread.start()
    }

    deinit {
        stop()
    }

    /// Returns the next batch, or nil after the last one.
    public func next() throws -> Batch? {
        try queue.pop()?.get()
    }

    /// Cancels the producer and waits for its thread to exit. Batches not yet read are dropped.
    public func stop() {
        guard !joined else { return }
        joined = true
        queue.cancel()
        exited.wait()
    }
}

/// A bounded first-in, first-out queue between one producer thread and one consumer.
private final class BatchQueue: @unchecked Sendable {
    // Every field below is guarded by `condition`.
    private let condition = NSCondition()
    private var items: [Result<Batch, any Error>] = []
    private var finished = false
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// Waits for room and appends `item`; returns false when the queue was cancelled.
    func push(_ item: Result<Batch, any Error>) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Waits for an item; returns nil once the producer has finished and the queue is empty.
    func pop() -> Result<Batch, any Error>? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !finished && !cancelled { condition.wait() }
        guard !items.isEmpty else { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}

/// Whether a producer thread is alive; tests read it to check that stopping early ends the
/// thread.
final class ProducerLifetime: @unchecked Sendable {
    private let lock = NSLock()
    private var running = false

    var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    func set(_ value: Bool) {
        lock.lock()
        running = value
        lock.unlock()
    }
}
