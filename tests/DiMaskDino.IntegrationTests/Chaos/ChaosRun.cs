using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DiMaskDino.IntegrationTests.Pipeline;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Tests.Fixtures;
using DiMaskDino.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.IntegrationTests.Chaos;

/// <summary>
/// The chaos run (issue 14): one labeling job through <see cref="ChaosOptions.Workers"/> real <c>DiMaskDino.Worker</c>
/// processes on Storage queues of a private Azurite, first quietly, then the same request again while, at seeded
/// moments, workers are SIGKILLed and restarted, Azurite is stopped and restarted, and shard messages are sent twice.
/// Used by <see cref="ChaosTests"/> (short, in CI) and its <c>bench chaos</c> run (long, docs/benchmarks.md).
/// </summary>
internal sealed class ChaosRun(TinyModel model, ChaosOptions options, Action<string> log)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public async Task<ChaosReport> RunAsync(CancellationToken cancellationToken = default)
    {
        using var workspace = new TemporaryDirectory("dimaskdino-chaos-");
        using var azurite = await ChaosAzurite.StartAsync(workspace.Path, cancellationToken);
        using var pipeline = await AzuritePipeline.CreateAsync(azurite.Account, model, options.Images, options.ImageSize);
        log($"{options.Images} images of {options.ImageSize} px uploaded; shards of {options.ShardSize}, {options.Workers} workers, seed {options.Seed}");

        var quiet = await RunJobAsync(pipeline, azurite, $"quiet-{pipeline.Suffix}", [], cancellationToken);
        log($"quiet run: {quiet.Elapsed.TotalSeconds:F1} s");
        var plan = ChaosPlan.Create(options, quiet.Elapsed);
        var chaos = await RunJobAsync(pipeline, azurite, $"chaos-{pipeline.Suffix}", plan, cancellationToken);
        log($"chaos run: {chaos.Elapsed.TotalSeconds:F1} s, faults {string.Join(", ", chaos.Faults.GroupBy(f => f.Kind).Select(g => $"{g.Key} ×{g.Count()}"))}");

        return new ChaosReport(
            options, quiet.Elapsed, chaos.Elapsed, plan.Count, chaos.Faults, chaos.RedundantShardRuns, chaos.Summary,
            await ImageNamesAsync(pipeline, chaos), pipeline.ImageNames, quiet.Annotations, chaos.Annotations);
    }

    private async Task<JobRun> RunJobAsync(AzuritePipeline pipeline, ChaosAzurite azurite, string dataset, IReadOnlyList<Fault> plan, CancellationToken cancellationToken)
    {
        var settings = pipeline.WorkerSettings(options.MaxDeliveryCount, options.LockDuration);
        var shardQueue = pipeline.Queue(pipeline.ShardQueueName, options.MaxDeliveryCount, options.LockDuration);
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, options.Workers).Select(_ => WorkerProcess.Start(settings)).ToArray();
        var retired = new List<WorkerProcess>();
        string Logs() => string.Join("\n---\n", workers.Select(w => w.Log()));
        try
        {
            var submission = await new JobSubmitter(pipeline.Jobs, shardQueue, pipeline.Options(options.MaxDeliveryCount), TimeProvider.System, NullLogger<JobSubmitter>.Instance)
                .SubmitAsync(pipeline.Request(options.ShardSize, dataset), cancellationToken);
            var job = submission.Job;
            var done = new List<Fault>();
            var paused = TimeSpan.Zero; // the job stands still while storage is down: later faults move on by as much
            foreach (var fault in plan)
            {
                if (!await WaitUntilAsync(pipeline, job.JobId, clock, fault.At + paused, cancellationToken))
                {
                    break; // the job completed before this fault's moment
                }

                var at = clock.Elapsed;
                var outage = TimeSpan.Zero;
                string what;
                switch (fault.Kind)
                {
                    case FaultKind.WorkerKill:
                        var slot = fault.Pick % workers.Length;
                        workers[slot].Kill();
                        retired.Add(workers[slot]);
                        workers[slot] = WorkerProcess.Start(settings);
                        what = $"worker {slot} SIGKILLed and restarted";
                        break;
                    case FaultKind.AzuriteOutage:
                        outage = await azurite.OutageAsync(fault.Outage, cancellationToken);
                        paused += outage;
                        what = string.Create(CultureInfo.InvariantCulture, $"Azurite stopped, restarted after {fault.Outage.TotalSeconds:F1} s, answering again after {outage.TotalSeconds:F1} s");
                        break;
                    default:
                        var message = new ShardMessage(job.JobId, fault.Pick % job.ShardCount);
                        await shardQueue.SendAsync(
                            [new WorkMessage(message.MessageId, BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(message, PipelineJsonContext.Default.ShardMessage)))],
                            cancellationToken);
                        what = $"shard {message.Shard}'s message sent again";
                        break;
                }

                done.Add(fault with { At = at, Outage = outage });
                log(string.Create(CultureInfo.InvariantCulture, $"{at.TotalSeconds,6:F1} s: {what}"));
            }

            var summary = await pipeline.WaitForCompletionAsync(job.JobId, options.Patience, Logs);
            var elapsed = clock.Elapsed;
            // A shard labeled again whose result was already there: the cost of redeliveries and duplicates.
            var redundant = workers.Concat(retired).Sum(w => w.Lines.Count(l => l.Contains($"Job {job.JobId} shard ", StringComparison.Ordinal) && l.Contains("result written: False", StringComparison.Ordinal)));
            return new JobRun(job.JobId, dataset, elapsed, done, redundant, summary, await pipeline.AnnotationsAsync(dataset, job.JobId));
        }
        finally
        {
            foreach (var worker in workers.Concat(retired))
            {
                worker.Dispose();
            }
        }
    }

    /// <returns>false when the job completed before <paramref name="moment"/></returns>
    private static async Task<bool> WaitUntilAsync(AzuritePipeline pipeline, string jobId, Stopwatch clock, TimeSpan moment, CancellationToken cancellationToken)
    {
        while (clock.Elapsed < moment)
        {
            if ((await pipeline.Jobs.RequireJobAsync(jobId, cancellationToken)).State == JobState.Completed)
            {
                return false;
            }

            await Task.Delay(PollInterval, cancellationToken);
        }

        return true;
    }

    private static async Task<IReadOnlyList<string>> ImageNamesAsync(AzuritePipeline pipeline, JobRun run)
    {
        var file = pipeline.TempFile($"{run.Dataset}-annotations.json");
        await File.WriteAllBytesAsync(file, run.Annotations);
        var dataset = DiMaskDino.Coco.CocoFiles.ReadDataset(file);
        if (!dataset.Images.Select(i => i.Id).SequenceEqual(Enumerable.Range(1, dataset.Images.Count).Select(i => (long)i)))
        {
            throw new InvalidDataException($"annotations.json of job {run.JobId} does not number its images 1..{dataset.Images.Count}");
        }

        return [.. dataset.Images.Select(i => i.FileName)];
    }

    private sealed record JobRun(
        string JobId, string Dataset, TimeSpan Elapsed, IReadOnlyList<Fault> Faults, int RedundantShardRuns, JobSummary Summary, byte[] Annotations);
}
