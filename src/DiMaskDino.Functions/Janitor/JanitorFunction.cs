using Microsoft.Azure.Functions.Worker;

namespace DiMaskDino.Functions.Janitor;

/// <summary>The janitor every five minutes (<see cref="JobJanitor"/>).</summary>
public sealed class JanitorFunction(JobJanitor janitor)
{
    public const string Name = "Janitor";
    public const string Schedule = "0 */5 * * * *";

    [Function(Name)]
    public Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken) => janitor.RunAsync(cancellationToken);
}
