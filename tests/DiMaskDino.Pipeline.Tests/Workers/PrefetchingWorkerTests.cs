using System.Text.Json;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Fixtures;
using DiMaskDino.Pipeline.Workers;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Pipeline.Tests.Workers;

/// <summary>A prefetching <see cref="QueueWorker"/> over <see cref="ShardProcessor.PrepareAsync"/>: a job of 8 images in 2 shards, real model, local store.</summary>
[Collection(PipelineCollection.Name)]
public sealed class PrefetchingWorkerTests(TinyModel model)
{
    private static readonly QueueWorkerOptions Fast = new() { LockRenewInterval = TimeSpan.FromMilliseconds(100), ReceiveWait = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task The_next_shards_images_download_before_the_current_shards_result_is_written_and_the_results_match_the_plain_path()
    {
        using var harness = new EmbeddedHarness(model);
        var queue = new InProcessWorkQueue("shards", maxDeliveryCount: 5);
        var (jobId, store, processor) = await PlanAsync(harness, queue);
        var secondShardImages = await ImagesAsync(harness, jobId, 1);
        store.HoldWrite(JobPaths.Result(jobId, 0), events => events.Any(e => e.Kind == "read" && secondShardImages.Contains(e.Path)));

        await using (var worker = Prefetching(queue, processor, Fast))
        {
            Assert.True(await worker.ProcessOneAsync());
            Assert.True(await worker.ProcessOneAsync());
            Assert.False(await worker.ProcessOneAsync());
        }

        var events = store.Events.ToList();
        var firstSecondShardRead = events.FindIndex(e => e.Kind == "read" && secondShardImages.Contains(e.Path));
        var firstResultWrite = events.IndexOf(("write", JobPaths.Result(jobId, 0)));
        Assert.True(firstSecondShardRead >= 0 && firstSecondShardRead < firstResultWrite, $"shard 1 read at {firstSecondShardRead}, result 0 written at {firstResultWrite}");
        Assert.Equal(0, queue.ActiveMessageCount);
        await AssertSameAsPlainPathAsync(harness, processor, jobId);
    }

    [Fact]
    public async Task A_prefetched_message_is_abandoned_when_the_worker_is_disposed_and_its_redelivery_is_processed_normally()
    {
        using var harness = new EmbeddedHarness(model);
        var queue = new InProcessWorkQueue("shards", maxDeliveryCount: 5);
        var (jobId, _, processor) = await PlanAsync(harness, queue);

        await using (var worker = Prefetching(queue, processor, Fast))
        {
            Assert.True(await worker.ProcessOneAsync()); // shard 0 done, shard 1 received and preparing
        }

        Assert.Null(await harness.Store.GetPropertiesAsync(JobPaths.Result(jobId, 1)));
        var again = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(5)));
        Assert.Equal(($"{jobId}:1", 2), (again.Id, again.DeliveryCount)); // back at once, not after its lock ran out
        await processor.ProcessAsync(again.Body, CancellationToken.None);
        await again.CompleteAsync();

        Assert.Equal(0, queue.ActiveMessageCount);
        await AssertSameAsPlainPathAsync(harness, processor, jobId);
    }

    [Fact]
    public async Task A_prefetched_message_that_loses_its_lock_is_discarded_unrun_and_processed_on_its_redelivery()
    {
        using var harness = new EmbeddedHarness(model);
        var inner = new InProcessWorkQueue("shards", maxDeliveryCount: 5, lockDuration: TimeSpan.FromSeconds(1.5));
        var (jobId, store, processor) = await PlanAsync(harness, inner);
        var queue = new LockLosingQueue(inner, $"{jobId}:1");
        store.HoldWrite(JobPaths.Result(jobId, 0), _ => queue.Lost.Task.IsCompleted); // shard 0 finishes only after shard 1's lock was lost

        await using (var worker = Prefetching(queue, processor, Fast with { ReceiveWait = TimeSpan.FromSeconds(2) }))
        {
            Assert.True(await worker.ProcessOneAsync()); // shard 0 completed; shard 1 prefetched, then its lock lost
            Assert.True(queue.Lost.Task.IsCompleted);
            Assert.True(await worker.ProcessOneAsync()); // the lost one: dropped, not run, not settled
            Assert.Null(await harness.Store.GetPropertiesAsync(JobPaths.Result(jobId, 1)));
            Assert.True(await worker.ProcessOneAsync()); // its redelivery once the broker's lock ran out
            Assert.False(await worker.ProcessOneAsync());
        }

        Assert.Equal([1, 2], queue.Deliveries.Where(d => d.Id == $"{jobId}:1").Select(d => d.DeliveryCount));
        Assert.Equal(0, inner.ActiveMessageCount);
        await AssertSameAsPlainPathAsync(harness, processor, jobId);
    }

    [Fact]
    public async Task A_prepared_shard_downloads_no_more_than_the_prefetch_byte_cap_ahead_of_the_model()
    {
        using var harness = new EmbeddedHarness(model);
        var queue = new InProcessWorkQueue("shards", maxDeliveryCount: 5);
        var (jobId, store, _) = await PlanAsync(harness, queue);
        var manifest = await harness.Jobs.RequireManifestAsync(jobId, 0);
        var cap = manifest.Images[0].Length + manifest.Images[1].Length; // room for two of the four images
        var options = new PipelineOptions { LockRenewInterval = harness.Options.LockRenewInterval, PrefetchBytes = cap };
        var jobs = new JobStore(store);
        var processor = new ShardProcessor(jobs, harness.Models, new FinalizeTrigger(jobs, finalizeQueue: null), options, NullLogger<ShardProcessor>.Instance);
        var images = await ImagesAsync(harness, jobId, 0);

        await using (var prepared = await processor.PrepareAsync(Body(jobId, 0), CancellationToken.None))
        {
            await Task.Delay(1000); // nothing consumes: the downloads stop at the cap
            Assert.Equal(2, store.Events.Count(e => e.Kind == "read" && images.Contains(e.Path)));
            await prepared.RunAsync();
            Assert.InRange(prepared.PeakHeldBytes, 1, cap);
        }

        Assert.Equal(4, store.Events.Count(e => e.Kind == "read" && images.Contains(e.Path)));
        var result = await harness.Jobs.ReadResultAsync(jobId, 0);
        Assert.Equal(4, result!.Images.Count(i => i.Failure is null));
    }

    private static QueueWorker Prefetching(IWorkQueue queue, ShardProcessor processor, QueueWorkerOptions options) =>
        QueueWorker.Prefetching(queue, async (body, ct) => await processor.PrepareAsync(body, ct), options, NullLogger<QueueWorker>.Instance);

    private static async Task<(string JobId, RecordingBlobStore Store, ShardProcessor Processor)> PlanAsync(EmbeddedHarness harness, IWorkQueue queue)
    {
        SyntheticImages.WriteMany(harness.Input, 8);
        var planned = await new JobSubmitter(harness.Jobs, queue, harness.Options, TimeProvider.System, NullLogger<JobSubmitter>.Instance)
            .SubmitAsync(harness.Request(shardSize: 4));
        Assert.Equal(2, planned.Job.ShardCount);
        var store = new RecordingBlobStore(harness.Store);
        var jobs = new JobStore(store);
        var processor = new ShardProcessor(jobs, harness.Models, new FinalizeTrigger(jobs, finalizeQueue: null), harness.Options, NullLogger<ShardProcessor>.Instance);
        return (planned.Job.JobId, store, processor);
    }

    private static async Task<HashSet<BlobPath>> ImagesAsync(EmbeddedHarness harness, string jobId, int shard) =>
        [.. (await harness.Jobs.RequireManifestAsync(jobId, shard)).Images.Select(i => JobPaths.Image(i.Name))];

    private static BinaryData Body(string jobId, int shard) =>
        BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(new ShardMessage(jobId, shard), PipelineJsonContext.Default.ShardMessage));

    /// <summary>The results written so far must equal what the plain (prepare-and-run-at-once) path writes from scratch.</summary>
    private static async Task AssertSameAsPlainPathAsync(EmbeddedHarness harness, ShardProcessor processor, string jobId)
    {
        var written = new List<string>();
        for (var shard = 0; shard < 2; shard++)
        {
            var content = await harness.Store.ReadAsync(JobPaths.Result(jobId, shard));
            Assert.NotNull(content);
            written.Add(content.Data.ToString());
            Assert.True(await harness.Store.DeleteAsync(JobPaths.Result(jobId, shard)));
        }

        for (var shard = 0; shard < 2; shard++)
        {
            await processor.ProcessAsync(Body(jobId, shard), CancellationToken.None);
            Assert.Equal(written[shard], (await harness.Store.ReadAsync(JobPaths.Result(jobId, shard)))!.Data.ToString());
        }
    }

    /// <summary>The first delivery of one message loses its lock at its first renewal (as a broker does when the lock ran out).</summary>
    private sealed class LockLosingQueue(IWorkQueue inner, string losingId) : IWorkQueue
    {
        private readonly Lock _gate = new();
        private readonly List<(string Id, int DeliveryCount)> _deliveries = [];

        public TaskCompletionSource Lost { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<(string Id, int DeliveryCount)> Deliveries
        {
            get
            {
                lock (_gate)
                {
                    return [.. _deliveries];
                }
            }
        }

        public string Name => inner.Name;

        public int MaxDeliveryCount => inner.MaxDeliveryCount;

        public Task SendAsync(IReadOnlyList<WorkMessage> messages, CancellationToken cancellationToken = default) => inner.SendAsync(messages, cancellationToken);

        public async Task<IReadOnlyList<IReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan maxWait, CancellationToken cancellationToken = default)
        {
            var received = await inner.ReceiveAsync(maxMessages, maxWait, cancellationToken);
            lock (_gate)
            {
                _deliveries.AddRange(received.Select(m => (m.Id, m.DeliveryCount)));
            }

            return [.. received.Select(m => m.Id == losingId && m.DeliveryCount == 1 ? new Losing(m, Lost) : m)];
        }

        public IAsyncEnumerable<DeadLetteredMessage> PeekDeadLettersAsync(CancellationToken cancellationToken = default) => inner.PeekDeadLettersAsync(cancellationToken);

        private sealed class Losing(IReceivedMessage inner, TaskCompletionSource lost) : IReceivedMessage
        {
            public string Id => inner.Id;

            public BinaryData Body => inner.Body;

            public int DeliveryCount => inner.DeliveryCount;

            public DateTimeOffset LockedUntil => inner.LockedUntil;

            public Task CompleteAsync(CancellationToken cancellationToken = default) => throw new InvalidOperationException("a message whose lock was lost must not be completed");

            public Task AbandonAsync(CancellationToken cancellationToken = default) => throw new InvalidOperationException("a message whose lock was lost must not be abandoned");

            public Task DeadLetterAsync(string reason, CancellationToken cancellationToken = default) => throw new InvalidOperationException("a message whose lock was lost must not be dead-lettered");

            public Task RenewLockAsync(CancellationToken cancellationToken = default)
            {
                lost.TrySetResult();
                throw new MessageLockLostException($"the lock on {Id} was lost");
            }
        }
    }
}
