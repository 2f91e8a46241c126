using DiMaskDino.Inference;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline.Processing;

/// <summary>
/// The data plane's wiring on top of <c>AddDiMaskDinoPipeline</c>: <see cref="ModelCache"/> over the process's
/// <see cref="ModelSessionCache"/>, and <see cref="ShardProcessor"/> (with the registered <see cref="IPipelineObserver"/>, if any).
/// </summary>
public static class ProcessingServices
{
    /// <param name="options">the model cache's settings, from the host's configuration</param>
    public static IServiceCollection AddDiMaskDinoShardProcessing(this IServiceCollection services, Func<IServiceProvider, ModelCacheOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddDiMaskDinoInference(); // the process's ModelSessionCache: one session per model URI + version
        services.AddSingleton(p => new ModelCache(
            p.GetRequiredService<IBlobStore>(), options(p), p.GetRequiredService<ILoggerFactory>(), p.GetRequiredService<ModelSessionCache>()));
        return services.AddShardProcessor();
    }

    /// <summary><see cref="ShardProcessor"/> over a <see cref="ModelCache"/> the caller registered.</summary>
    public static IServiceCollection AddShardProcessor(this IServiceCollection services) =>
        services.AddSingleton(p => new ShardProcessor(
            p.GetRequiredService<JobStore>(), p.GetRequiredService<ModelCache>(), p.GetRequiredService<FinalizeTrigger>(),
            p.GetRequiredService<PipelineOptions>(), p.GetRequiredService<ILogger<ShardProcessor>>(), p.GetService<IPipelineObserver>()));
}
