using DiMaskDino.Pipeline.Jobs;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace DiMaskDino.Functions.Jobs;

/// <summary><c>GET /api/jobs/{id}</c>: the job's state, counts and links to its outputs; 404 when there is no such job.</summary>
public sealed class GetJobFunction(JobStore store, JobStatusReader statuses)
{
    public const string Name = "GetJob";

    [Function(Name)]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "jobs/{id}")] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (JobIdErrors(id) is { } errors)
        {
            return ApiResults.Invalid(errors);
        }

        var job = await store.ReadJobAsync(id, cancellationToken);
        return job is null ? ApiResults.NotFound(id) : ApiResults.Status(await statuses.ReadAsync(job, cancellationToken), StatusCodes.Status200OK);
    }

    /// <summary>Errors of a job id taken from the route, keyed <c>id</c>; null when valid.</summary>
    internal static Dictionary<string, string[]>? JobIdErrors(string id)
    {
        try
        {
            JobPaths.CheckId(id);
            return null;
        }
        catch (ArgumentException e)
        {
            return new Dictionary<string, string[]> { ["id"] = [e.Message.Split(" (Parameter", 2)[0]] };
        }
    }
}
