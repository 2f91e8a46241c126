using DiMaskDino.Pipeline.Checkpoints;
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
/// turned into shard failures by <see cref="DeadLetterSweeper"/> (every 200 ms), until the <see cref="FinalizeTrigger"/>
/// of the last shard says the job is ready; then <see cref="FinalizeHandler"/>. The same classes a distributed
/// deployment runs, over whatever <see cref="IBlobStore"/> it is given.
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
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var services = Services(queue, ready, observer);
        var jobs = services.GetRequiredService<JobStore>();
        var trigger = services.GetRequiredService<FinalizeTrigger>();

        var submission = await services.GetRequiredService<JobSubmitter>().SubmitAsync(request, cancellationToken);
        var job = submission.Job;
        if (job.State is JobState.Failed or JobState.Cancelled)
        {
            throw new InvalidOperationException($"job {job.JobId} is {job.State.ToString().ToLowerInvariant()}{(job.Error is null ? "" : ": " + job.Error)}");
        }

        if (job.State == JobState.Running)
        {
            (observer ?? NullObserver.Instance).JobStarted(job, job.ShardCount - submission.MessagesSent);

            // A resumed job whose shards all have results gets no message: this check is its only signal.
            if (!await trigger.CheckAsync(job, cancellationToken))
            {
                await RunWorkersAsync(services, queue, ready.Task, workers, cancellationToken);
            }
        }

        var summary = await services.GetRequiredService<FinalizeHandler>().FinalizeAsync(job.JobId, cancellationToken);
        return new EmbeddedRunResult(await jobs.RequireJobAsync(job.JobId, cancellationToken), summary, submission.Outcome);
    }

    /// <summary>
    /// The pipeline's one wiring (<see cref="PipelineServices.AddDiMaskDinoPipeline(IServiceCollection, Func{IServiceProvider, IWorkQueue}, Func{IServiceProvider, FinalizeTrigger})"/>)
    /// over this run's queue, with a trigger that completes <paramref name="ready"/> instead of sending a finalize message:
    /// this runner finalizes itself.
    /// </summary>
    private ServiceProvider Services(InProcessWorkQueue queue, TaskCompletionSource ready, IPipelineObserver? observer)
    {
        var services = new ServiceCollection()
            .AddSingleton(store)
            .AddSingleton(options)
            .AddSingleton(new EvaluationOptions())
            .AddSingleton(_time)
            .AddSingleton(loggers)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddSingleton(models)
            .AddDiMaskDinoPipeline(
                _ => queue,
                p => FinalizeTrigger.Notifying(p.GetRequiredService<JobStore>(), (_, _) => { ready.TrySetResult(); return Task.CompletedTask; }))
            .AddShardProcessor();
        if (observer is not null)
        {
            services.AddSingleton(observer);
        }

        return services.BuildServiceProvider();
    }

    /// <summary>Runs the workers until <paramref name="ready"/> (the trigger found every shard done), sweeping dead letters meanwhile.</summary>
    private async Task RunWorkersAsync(ServiceProvider services, InProcessWorkQueue queue, Task ready, int workers, CancellationToken cancellationToken)
    {
        var processor = services.GetRequiredService<ShardProcessor>();
        var sweeper = services.GetRequiredService<DeadLetterSweeper>();
        var workerOptions = QueueWorkerOptions.From(options) with { ReceiveWait = PollInterval };

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = Enumerable.Range(0, workers)
            .Select(_ => Task.Run(
                () => new QueueWorker(queue, processor.ProcessAsync, workerOptions, loggers.CreateLogger<QueueWorker>(), _time).RunAsync(stop.Token),
                CancellationToken.None))
            .ToArray();
        try
        {
            while (!ready.IsCompleted)
            {
                if (running.FirstOrDefault(t => t.IsFaulted) is { } faulted)
                {
                    await faulted;
                }

                await sweeper.SweepAsync(queue, cancellationToken);
                await Task.WhenAny(ready, Task.Delay(PollInterval, _time, cancellationToken), Task.WhenAny(running));
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
