using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace DiMaskDino.Functions.Jobs;

/// <summary>The HTTP answers: job status as snake_case JSON, errors as RFC 9457 problem details.</summary>
internal static class ApiResults
{
    private static readonly JsonSerializerOptions StatusOptions = new(ApiJson.Default.Options);

    public static JsonResult Status(JobStatus status, int statusCode) => new(status, StatusOptions) { StatusCode = statusCode, ContentType = "application/json" };

    /// <summary>400 with <c>errors</c> keyed by field name (snake_case, dotted for nested fields).</summary>
    public static ObjectResult Invalid(Dictionary<string, string[]> errors) =>
        Problem(new ValidationProblemDetails(errors)
        {
            Title = "The job request is invalid",
            Status = StatusCodes.Status400BadRequest,
            Detail = string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")),
        });

    public static ObjectResult NotFound(string jobId) =>
        Problem(new ProblemDetails { Title = "No such job", Status = StatusCodes.Status404NotFound, Detail = $"job {jobId} does not exist" });

    public static ObjectResult TooLarge(int maxBytes) =>
        Problem(new ProblemDetails
        {
            Title = "The request body is too large",
            Status = StatusCodes.Status413PayloadTooLarge,
            Detail = $"a job request is a JSON object of at most {maxBytes} bytes",
        });

    public static ObjectResult Conflict(string title, string detail) =>
        Problem(new ProblemDetails { Title = title, Status = StatusCodes.Status409Conflict, Detail = detail });

    private static ObjectResult Problem(ProblemDetails problem)
    {
        var result = new ObjectResult(problem) { StatusCode = problem.Status };
        result.ContentTypes.Add("application/problem+json");
        return result;
    }
}
