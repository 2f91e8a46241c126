using DiMaskDino.Functions.Janitor;
using DiMaskDino.Functions.Jobs;
using DiMaskDino.Pipeline;
using DiMaskDino.Pipeline.Checkpoints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DiMaskDino.Functions;

/// <summary>The control plane's services on top of <c>AddDiMaskDinoDefaults</c>: the pipeline (without shard processing) and its own.</summary>
public static class FunctionsExtensions
{
    public static IHostApplicationBuilder AddDiMaskDinoFunctions(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<JanitorOptions>().BindConfiguration(JanitorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EvaluationOptions>()
            .Validate(o => !string.IsNullOrWhiteSpace(o.Dataset), "Evaluation:Dataset is required: new checkpoints are evaluated on it")
            .ValidateOnStart();
        services.AddSingleton(p => p.GetRequiredService<IOptions<JanitorOptions>>().Value);
        services.AddDiMaskDinoPipeline();
        services.AddSingleton<JobRequestValidator>();
        services.AddSingleton<JobStatusReader>();
        services.AddSingleton<JobSubmissions>();
        services.AddSingleton<JobJanitor>();
        return builder;
    }
}
