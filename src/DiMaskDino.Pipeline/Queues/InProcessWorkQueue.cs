using System.Runtime.CompilerServices;

namespace DiMaskDino.Pipeline.Queues;

/// <summary>
/// <see cref="IWorkQueue"/> inside one process, with the delivery rules of a Service Bus queue in peek-lock mode: a
/// received message is locked for <see cref="LockDuration"/>; completing removes it, abandoning or letting the lock
/// run out makes it available again at its original position with its delivery count kept; once a message has been
/// delivered <see cref="MaxDeliveryCount"/> times and comes back, it is dead-lettered with
/// <see cref="DeadLetterReasons.MaxDeliveryCountExceeded"/>. A message whose id was sent within
/// <see cref="DuplicateDetectionWindow"/> is dropped. Time comes from a <see cref="TimeProvider"/> so tests can move it.
/// Thread-safe; one lock guards all state.
/// </summary>
public sealed class InProcessWorkQueue : IWorkQueue
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly SortedDictionary<long, Entry> _available = [];
    private readonly Dictionary<long, Entry> _locked = [];
    private readonly List<DeadLetteredMessage> _deadLetters = [];
    private readonly Dictionary<string, DateTimeOffset> _recentIds = new(StringComparer.Ordinal);
    private readonly Queue<(DateTimeOffset SentAt, string Id)> _recentOrder = new();
    private TaskCompletionSource _changed = NewSignal();
    private long _nextSequence;
    private long _nextLockToken;

    public InProcessWorkQueue(
        string name,
        int maxDeliveryCount,
        TimeSpan? lockDuration = null,
        TimeSpan? duplicateDetectionWindow = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDeliveryCount, 1);
        Name = name;
        MaxDeliveryCount = maxDeliveryCount;
        LockDuration = lockDuration ?? TimeSpan.FromMinutes(1);
        DuplicateDetectionWindow = duplicateDetectionWindow ?? TimeSpan.FromMinutes(10);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LockDuration, TimeSpan.Zero, nameof(lockDuration));
        ArgumentOutOfRangeException.ThrowIfLessThan(DuplicateDetectionWindow, TimeSpan.Zero, nameof(duplicateDetectionWindow));
        _time = timeProvider ?? TimeProvider.System;
    }

    public string Name { get; }

    public int MaxDeliveryCount { get; }

    /// <summary>How long a delivery stays locked unless renewed (Service Bus's default is one minute).</summary>
    public TimeSpan LockDuration { get; }

    /// <summary>How long a sent id is remembered for duplicate detection (Service Bus's default is ten minutes).</summary>
    public TimeSpan DuplicateDetectionWindow { get; }

    /// <summary>Messages waiting or locked, for progress displays.</summary>
    public int ActiveMessageCount
    {
        get
        {
            lock (_gate)
            {
                return _available.Count + _locked.Count;
            }
        }
    }

    public Task SendAsync(IReadOnlyList<WorkMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            ForgetOldIds(now);
            foreach (var message in messages)
            {
                ArgumentNullException.ThrowIfNull(message);
                if (!_recentIds.TryAdd(message.Id, now))
                {
                    continue;
                }

                _recentOrder.Enqueue((now, message.Id));
                var sequence = _nextSequence++;
                _available.Add(sequence, new Entry(message.Id, message.Body, sequence));
            }

            Signal();
        }

        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<IReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWait, TimeSpan.Zero);
        var deadline = _time.GetUtcNow() + maxWait;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task changed;
            TimeSpan wait;
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                ExpireLocks(now);
                if (_available.Count > 0)
                {
                    return TakeAvailable(maxMessages, now);
                }

                if (now >= deadline)
                {
                    return [];
                }

                // Sleep until something is sent or abandoned, the next lock runs out, or the wait is over.
                changed = _changed.Task;
                wait = deadline - now;
                foreach (var entry in _locked.Values)
                {
                    wait = entry.LockedUntil - now < wait ? entry.LockedUntil - now : wait;
                }
            }

            using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(wait, _time, stopWaiting.Token);
            await Task.WhenAny(changed, delay);
            await stopWaiting.CancelAsync();
        }
    }

    public async IAsyncEnumerable<DeadLetteredMessage> PeekDeadLettersAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        DeadLetteredMessage[] snapshot;
        lock (_gate)
        {
            ExpireLocks(_time.GetUtcNow());
            snapshot = [.. _deadLetters];
        }

        foreach (var message in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return message;
        }
    }

    private List<IReceivedMessage> TakeAvailable(int maxMessages, DateTimeOffset now)
    {
        var taken = new List<IReceivedMessage>(Math.Min(maxMessages, _available.Count));
        while (taken.Count < maxMessages && _available.Count > 0)
        {
            var entry = _available.First().Value;
            _available.Remove(entry.Sequence);
            entry.DeliveryCount++;
            entry.LockToken = ++_nextLockToken;
            entry.LockedUntil = now + LockDuration;
            _locked.Add(entry.LockToken, entry);
            taken.Add(new Delivery(this, entry, entry.LockToken));
        }

        return taken;
    }

    private void ExpireLocks(DateTimeOffset now)
    {
        List<Entry>? expired = null;
        foreach (var entry in _locked.Values)
        {
            if (entry.LockedUntil <= now)
            {
                (expired ??= []).Add(entry);
            }
        }

        foreach (var entry in expired ?? [])
        {
            _locked.Remove(entry.LockToken);
            Release(entry);
        }
    }

    /// <summary>Back in line, or to the dead letters once it has used up its deliveries.</summary>
    private void Release(Entry entry)
    {
        if (entry.DeliveryCount >= MaxDeliveryCount)
        {
            _deadLetters.Add(new DeadLetteredMessage(entry.Id, entry.Body, entry.DeliveryCount, DeadLetterReasons.MaxDeliveryCountExceeded));
            return;
        }

        _available.Add(entry.Sequence, entry);
        Signal();
    }

    private void ForgetOldIds(DateTimeOffset now)
    {
        while (_recentOrder.TryPeek(out var oldest) && oldest.SentAt + DuplicateDetectionWindow <= now)
        {
            _recentOrder.Dequeue();
            _recentIds.Remove(oldest.Id);
        }
    }

    private void Signal()
    {
        _changed.TrySetResult();
        _changed = NewSignal();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Runs <paramref name="action"/> on the entry when the delivery still holds its lock; returns the lock's end.</summary>
    private DateTimeOffset WhileLocked(Entry entry, long lockToken, Action<Entry, DateTimeOffset> action)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            ExpireLocks(now);
            if (!_locked.TryGetValue(lockToken, out var held) || !ReferenceEquals(held, entry))
            {
                throw new MessageLockLostException(
                    $"the lock on message \"{entry.Id}\" in queue \"{Name}\" expired or the message was already settled; it may be delivered again");
            }

            action(entry, now);
            return entry.LockedUntil;
        }
    }

    private sealed class Entry(string id, BinaryData body, long sequence)
    {
        public string Id { get; } = id;

        public BinaryData Body { get; } = body;

        public long Sequence { get; } = sequence;

        public int DeliveryCount { get; set; }

        public long LockToken { get; set; }

        public DateTimeOffset LockedUntil { get; set; }
    }

    private sealed class Delivery(InProcessWorkQueue queue, Entry entry, long lockToken) : IReceivedMessage
    {
        public string Id => entry.Id;

        public BinaryData Body => entry.Body;

        public int DeliveryCount { get; } = entry.DeliveryCount;

        public DateTimeOffset LockedUntil { get; private set; } = entry.LockedUntil;

        public Task CompleteAsync(CancellationToken cancellationToken = default) =>
            Run(cancellationToken, (e, _) => queue._locked.Remove(e.LockToken));

        public Task AbandonAsync(CancellationToken cancellationToken = default) =>
            Run(cancellationToken, (e, _) =>
            {
                queue._locked.Remove(e.LockToken);
                queue.Release(e);
            });

        public Task DeadLetterAsync(string reason, CancellationToken cancellationToken = default)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(reason);
            return Run(cancellationToken, (e, _) =>
            {
                queue._locked.Remove(e.LockToken);
                queue._deadLetters.Add(new DeadLetteredMessage(e.Id, e.Body, e.DeliveryCount, reason));
            });
        }

        public Task RenewLockAsync(CancellationToken cancellationToken = default) =>
            Run(cancellationToken, (e, now) => e.LockedUntil = now + queue.LockDuration);

        private Task Run(CancellationToken cancellationToken, Action<Entry, DateTimeOffset> action)
        {
            cancellationToken.ThrowIfCancellationRequested();
            LockedUntil = queue.WhileLocked(entry, lockToken, action);
            return Task.CompletedTask;
        }
    }
}
