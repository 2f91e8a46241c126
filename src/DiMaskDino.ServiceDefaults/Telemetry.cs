using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DiMaskDino.ServiceDefaults;

/// <summary>
/// OpenTelemetry traces, metrics and logs of every <c>DiMaskDino.*</c> ActivitySource and Meter. Collected always,
/// exported only when configured (eShop): OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, Azure Monitor
/// (Application Insights) when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set.
/// </summary>
public static class Telemetry
{
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ApplicationInsightsSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Every source and meter of ours (one per assembly, named <c>DiMaskDino.&lt;Assembly&gt;</c>).</summary>
    public const string OurSources = "DiMaskDino.*";

    public static IHostApplicationBuilder AddDiMaskDinoTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointSetting]);
        var appInsights = builder.Configuration[ApplicationInsightsSetting];
        var azureMonitor = !string.IsNullOrWhiteSpace(appInsights);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            if (azureMonitor)
            {
                logging.AddAzureMonitorLogExporter(o => o.ConnectionString = appInsights);
            }
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(OurSources);
                if (azureMonitor)
                {
                    metrics.AddAzureMonitorMetricExporter(o => o.ConnectionString = appInsights);
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(OurSources);
                if (azureMonitor)
                {
                    tracing.AddAzureMonitorTraceExporter(o => o.ConnectionString = appInsights);
                }
            });
        if (otlp)
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }
}
