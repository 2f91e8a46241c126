using DiMaskDino.Inference.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DiMaskDino.Inference;

/// <summary>Registers the inference services a host needs.</summary>
public static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// Adds the process-wide <see cref="ModelSessionCache"/> singleton, built from <c>IOptions&lt;InferenceOptions&gt;</c>.
    /// The host binds the options, e.g.
    /// <c>AddOptions&lt;InferenceOptions&gt;().BindConfiguration(InferenceOptions.SectionName).ValidateDataAnnotations().ValidateOnStart()</c>;
    /// without that the defaults apply. Logs go to the registered <see cref="ILoggerFactory"/>, if any.
    /// </summary>
    public static IServiceCollection AddDiMaskDinoInference(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<InferenceOptions>();
        services.TryAddSingleton(provider => new ModelSessionCache(
            provider.GetRequiredService<IOptions<InferenceOptions>>().Value,
            provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        return services;
    }
}
