namespace DiMaskDino.ServiceDefaults;

/// <summary>The Service Bus namespace (configuration section <see cref="SectionName"/>), used when <c>Pipeline:QueueKind</c> is <c>ServiceBus</c>.</summary>
public sealed class ServiceBusOptions
{
    public const string SectionName = "ServiceBus";

    /// <summary><c>{namespace}.servicebus.windows.net</c>.</summary>
    public string? FullyQualifiedNamespace { get; set; }

    /// <summary>Client id of the user-assigned identity (null: the system-assigned or developer identity).</summary>
    public string? ClientId { get; set; }
}
