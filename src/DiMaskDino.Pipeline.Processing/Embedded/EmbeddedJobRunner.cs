using DiMaskDino.Pipeline.Finalizing;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline.Embedded;

/// <summary>What <see cref="EmbeddedJobRunner.RunAsync"/> did.</summary>
public sealed record EmbeddedRunResult(JobRecord Job, JobSummary Summary, SubmissionOutcome Outcome);

/// <summary>
/// The whole pipeline in one process, as <c>dimaskdino label</c> runs it: <see cref="JobSubmitter"/> onto an
/// <see cref="InProcessWorkQueue"/>, N <see cref="QueueWorker"/>s running <see cref="ShardProcessor"/>, dead letters
/// turned into shard failures by <see cref="DeadLetterSweeper"/>, then <see cref="JobFinalizer"/>. The same classes a
/// distributed deployment runs, over whatever <see cref="IBlobStore"/> it is given.
/// </summary>
/// <remarks>
/// Cancellation stops the workers (a shard in progress is abandoned, nothing of it written) and rethrows; shard
/// results already written stay, and running the same request again resumes the job (same deterministic id) with
/// only the shards that have no result. Running it after completion returns the completed job's summary.
/// </remarks>
public sealed class EmbeddedJobRunner(IBlobStore store, ModelCache models, PipelineOptions options, ILoggerFactory loggers, TimeProvider? time = null)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<EmbeddedRunResult> RunAsync(JobRequest request, int workers, IPipelineObserver? observer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        var queue = new InProcessWorkQueue(options.ShardQueue, options.MaxDeliveryCount, lockDuration: options.LockRenewInterval * 3, timeProvider: _time);
        await using var services = Services(queue, observer);
        var jobs = services.GetRequiredService<JobStore>();
        var submitter = services.GetRequiredService<JobSubmitter>();
        var finalizer = services.GetRequiredService<JobFinalizer>();

        var submission = await submitter.SubmitAsync(request, cancellationToken);
        var job = submission.Job;
        if (job.State is JobState.Failed or JobState.Cancelled)
        {
            throw new InvalidOperationException($"job {job.JobId} is {job.State.ToString().ToLowerInvariant()}{(job.Error is null ? "" : ": " + job.Error)}");
        }

        if (job.State == JobState.Running)
        {
            (observer ?? NullObserver.Instance).JobStarted(job, job.ShardCount - submission.MessagesSent);
            await RunWorkersAsync(services, queue, job, workers, cancellationToken);
        }

        var summary = await finalizer.FinalizeAsync(job.JobId, cancellationToken);
        return new EmbeddedRunResult(await jobs.RequireJobAsync(job.JobId, cancellationToken), summary, submission.Outcome);
    }

    /// <summary>
    /// The pipeline's one wiring (<see cref="PipelineServices.AddDiMaskDinoPipeline(IServiceCollection, Func{IServiceProvider, IWorkQueue}, Func{IServiceProvider, IWorkQueue?})"/>)
    /// over this run's queue, without a finalize queue: this runner finalizes itself.
    /// </summary>
    private ServiceProvider Services(InProcessWorkQueue queue, IPipelineObserver? observer)
    {
        var services = new ServiceCollection()
            .AddSingleton(store)
            .AddSingleton(options)
            .AddSingleton(_time)
            .AddSingleton(loggers)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddSingleton(models)
            .AddDiMaskDinoPipeline(_ => queue, _ => null)
            .AddShardProcessor();
        if (observer is not null)
        {
            services.AddSingleton(observer);
        }

        return services.BuildServiceProvider();
    }

    private async Task RunWorkersAsync(ServiceProvider services, InProcessWorkQueue queue, JobRecord job, int workers, CancellationToken cancellationToken)
    {
        var processor = services.GetRequiredService<ShardProcessor>();
        var sweeper = services.GetRequiredService<DeadLetterSweeper>();
        var finalizer = services.GetRequiredService<JobFinalizer>();
        var workerOptions = QueueWorkerOptions.From(options) with { ReceiveWait = PollInterval };

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = Enumerable.Range(0, workers)
            .Select(_ => Task.Run(
                () => new QueueWorker(queue, processor.ProcessAsync, workerOptions, loggers.CreateLogger<QueueWorker>(), _time).RunAsync(stop.Token),
                CancellationToken.None))
            .ToArray();
        try
        {
            while (true)
            {
                if (running.FirstOrDefault(t => t.IsFaulted) is { } faulted)
                {
                    await faulted;
                }

                await sweeper.SweepAsync(queue, cancellationToken);
                if ((await finalizer.MissingShardsAsync(job, cancellationToken)).Count == 0)
                {
                    break;
                }

                await Task.WhenAny(Task.Delay(PollInterval, _time, cancellationToken), Task.WhenAny(running));
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await Task.WhenAll(running);
            }
            catch (OperationCanceledException)
            {
                // The workers were told to stop.
            }
        }
    }
}
