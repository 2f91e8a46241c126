using System.Text.Json;
using DiMaskDino.Functions.Jobs;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Functions.Triggers;

/// <summary>
/// <c>images/{dataset}/_label.json</c> → a label job of the images under <c>images/{dataset}/</c>. The file holds the
/// same fields as <c>POST /api/jobs</c> (<see cref="SubmitJobBody"/>) except the dataset, which is the folder. The
/// outcome — job id, or the errors by field — is written next to it as <c>_label.status.json</c> (not an image, so
/// not part of the dataset). A bad request is answered there and not retried; storage errors are (the host retries).
/// </summary>
public sealed partial class LabelRequestTrigger(JobSubmissions submissions, IBlobStore blobs, ILogger<LabelRequestTrigger> logger)
{
    public const string Name = "LabelRequest";
    public const string BlobPattern = "images/{dataset}/_label.json";
    public const string StatusFile = "_label.status.json";

    /// <summary>Blob triggers on Flex Consumption need the Event Grid source (an Event Grid subscription on the account).</summary>
    [Function(Name)]
    public async Task RunAsync(
        [BlobTrigger(BlobPattern, Connection = "Storage", Source = BlobTriggerSource.EventGrid)] string content,
        string dataset,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        string? jobId = null, outcome = null;
        try
        {
            var body = ApiJson.Parse(BinaryData.FromString(string.IsNullOrWhiteSpace(content) ? "{}" : content));
            if (body.Dataset is not null && body.Dataset != dataset)
            {
                errors["dataset"] = [$"is the folder of _label.json (\"{dataset}\"); leave it out"];
            }
            else if (await submissions.SubmitAsync(body with { Kind = JobKind.Label, Dataset = dataset }, errors, cancellationToken) is { } submission)
            {
                (jobId, outcome) = (submission.Job.JobId, JobSubmissions.Name(submission.Outcome));
            }
        }
        catch (JsonException e)
        {
            errors[ApiJson.FieldOf(e)] = [e.Message];
        }
        catch (JobConflictException e)
        {
            errors["job_id"] = [e.Message];
        }

        if (errors.Count > 0)
        {
            LogRejected(logger, dataset, string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
        }
        else
        {
            LogSubmitted(logger, dataset, jobId!, outcome!);
        }

        if (StatusPath(dataset) is { } path)
        {
            var status = new LabelRequestStatus(jobId, outcome, errors.Count > 0 ? errors : null);
            await blobs.WriteAsync(path, BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(status, ApiJson.Default.LabelRequestStatus)), WriteMode.Overwrite, cancellationToken);
        }
    }

    /// <summary><c>images/{dataset}/_label.status.json</c>, or null when the folder name cannot be a blob path.</summary>
    public static BlobPath? StatusPath(string dataset)
    {
        try
        {
            return JobPaths.Image($"{dataset}/{StatusFile}");
        }
        catch (ArgumentException)
        {
            return null; // the folder name itself was the problem; the log says so
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Label request images/{Dataset}/_label.json: job {JobId} {Outcome}")]
    private static partial void LogSubmitted(ILogger logger, string dataset, string jobId, string outcome);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Label request images/{Dataset}/_label.json rejected: {Errors}")]
    private static partial void LogRejected(ILogger logger, string dataset, string errors);
}
