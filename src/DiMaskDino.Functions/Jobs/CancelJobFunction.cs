using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace DiMaskDino.Functions.Jobs;

/// <summary>
/// <c>POST /api/jobs/{id}/cancel</c>: marks a planning or running job cancelled (workers then settle its remaining shard
/// messages without work). 200 with the status (also for a job already cancelled); 409 for a completed or failed
/// job; 404 when there is no such job.
/// </summary>
public sealed class CancelJobFunction(JobStore store, JobSubmitter submitter, JobStatusReader statuses)
{
    public const string Name = "CancelJob";

    [Function(Name)]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "jobs/{id}/cancel")] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (GetJobFunction.JobIdErrors(id) is { } errors)
        {
            return ApiResults.Invalid(errors);
        }

        var job = await store.ReadJobAsync(id, cancellationToken);
        if (job is null)
        {
            return ApiResults.NotFound(id);
        }

        if (job.State is JobState.Completed or JobState.Failed)
        {
            return ApiResults.Conflict("The job cannot be cancelled", $"job {id} is already {job.State.ToString().ToLowerInvariant()}");
        }

        job = await submitter.CancelAsync(id, cancellationToken);
        return ApiResults.Status(await statuses.ReadAsync(job, cancellationToken), StatusCodes.Status200OK);
    }
}
