using System.Text.Json;
using DiMaskDino.Pipeline.Planning;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace DiMaskDino.Functions.Jobs;

/// <summary><c>POST /api/jobs</c>: a label or evaluation job (<see cref="SubmitJobBody"/>). 202 with the job's status and
/// <c>Location</c> when work was sent; 200 when the job is already finished or the labels are up to date; 400 with problem
/// details naming each invalid field; 409 when <c>job_id</c> names a job of a different request; 413 when the body is over <see cref="RequestBody.MaxBytes"/>.</summary>
public sealed class SubmitJobFunction(JobSubmissions submissions, JobStatusReader statuses)
{
    public const string Name = "SubmitJob";

    [Function(Name)]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "jobs")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (await RequestBody.ReadAsync(request, cancellationToken) is not { } content)
        {
            return ApiResults.TooLarge(RequestBody.MaxBytes);
        }

        SubmitJobBody body;
        try
        {
            body = ApiJson.Parse(content);
        }
        catch (JsonException e)
        {
            errors[ApiJson.FieldOf(e)] = [e.Message];
            return ApiResults.Invalid(errors);
        }

        Submission? submission;
        try
        {
            submission = await submissions.SubmitAsync(body, errors, cancellationToken);
        }
        catch (JobConflictException e)
        {
            return ApiResults.Conflict("The job id belongs to another request", e.Message);
        }

        if (submission is null)
        {
            return ApiResults.Invalid(errors);
        }

        var status = await statuses.ReadAsync(submission.Job, cancellationToken) with { Submission = JobSubmissions.Name(submission.Outcome) };
        var accepted = submission.Outcome is SubmissionOutcome.Planned or SubmissionOutcome.Resumed;
        request.HttpContext.Response.Headers.Location = status.Links.Self;
        return ApiResults.Status(status, accepted ? StatusCodes.Status202Accepted : StatusCodes.Status200OK);
    }
}
