using DiMaskDino.Pipeline.Checkpoints;
using DiMaskDino.Pipeline.Finalizing;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline;

/// <summary>
/// The one wiring of the pipeline classes, used by the Worker, the Functions and the embedded runner: <see cref="JobStore"/>,
/// <see cref="JobSubmitter"/>, <see cref="FinalizeTrigger"/>, <see cref="EvaluationRunner"/>, <see cref="JobFinalizer"/>,
/// <see cref="DeadLetterSweeper"/>, <see cref="CheckpointEvaluator"/> and <see cref="FinalizeHandler"/>. The caller registers the ports first:
/// <see cref="IBlobStore"/>, <see cref="PipelineOptions"/>, logging and (for <see cref="CheckpointEvaluator"/>)
/// <see cref="EvaluationOptions"/>. Workers add ShardProcessor and ModelCache with DiMaskDino.Pipeline.Processing's
/// <c>AddDiMaskDinoShardProcessing</c>.
/// </summary>
public static class PipelineServices
{
    /// <summary>The hosts' form: the queues are the registered <see cref="WorkQueues"/>.</summary>
    public static IServiceCollection AddDiMaskDinoPipeline(this IServiceCollection services) =>
        services.AddDiMaskDinoPipeline(
            p => p.GetRequiredService<WorkQueues>().Shards,
            p => new FinalizeTrigger(p.GetRequiredService<JobStore>(), p.GetRequiredService<WorkQueues>().Finalize));

    /// <param name="shardQueue">where <see cref="JobSubmitter"/> sends shard messages</param>
    /// <param name="finalizeTrigger">what happens when a job's last shard is done: the hosts send a finalize message;
    /// the embedded runner, which finalizes itself, only takes note (<see cref="FinalizeTrigger.Notifying"/>)</param>
    public static IServiceCollection AddDiMaskDinoPipeline(
        this IServiceCollection services, Func<IServiceProvider, IWorkQueue> shardQueue, Func<IServiceProvider, FinalizeTrigger> finalizeTrigger)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(shardQueue);
        ArgumentNullException.ThrowIfNull(finalizeTrigger);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<JobStore>();
        services.AddSingleton(p => new JobSubmitter(
            p.GetRequiredService<JobStore>(), shardQueue(p), p.GetRequiredService<PipelineOptions>(),
            p.GetRequiredService<TimeProvider>(), p.GetRequiredService<ILogger<JobSubmitter>>()));
        services.AddSingleton(p => finalizeTrigger(p));
        services.AddSingleton<EvaluationRunner>();
        services.AddSingleton<JobFinalizer>();
        services.AddSingleton<DeadLetterSweeper>();
        services.AddSingleton<CheckpointEvaluator>();
        services.AddSingleton<FinalizeHandler>();
        return services;
    }
}
