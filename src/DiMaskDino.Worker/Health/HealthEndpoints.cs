namespace DiMaskDino.Worker.Health;

/// <summary>Container probes: <c>/healthz</c> (the process serves requests) and <c>/readyz</c> (the queues are reachable and the worker is not stopping).</summary>
public static class HealthEndpoints
{
    public const string Liveness = "/healthz";
    public const string Readiness = "/readyz";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(Liveness, () => Results.Text("ok\n"));
        endpoints.MapGet(Readiness, (ReadinessState state) =>
            state.NotReadyReason() is { } reason
                ? Results.Text($"not ready: {reason}\n", statusCode: StatusCodes.Status503ServiceUnavailable)
                : Results.Text("ready\n"));
    }
}
