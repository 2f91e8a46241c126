using Azure.Storage.Blobs;
using DiMaskDino.Pipeline.Checkpoints;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Functions.Triggers;

/// <summary>
/// <c>models/{name}.onnx</c> → an evaluation job of that model (at its current ETag) on <c>Evaluation:Dataset</c>; the
/// worker that finalizes it writes the comparison with the best model and the verdict into <c>reports/{jobId}/</c>.
/// The same model (same ETag) arriving again maps to the same job, so nothing is evaluated twice. The blob is bound
/// as a client only (deferred binding): the function never downloads the model.
/// </summary>
public sealed partial class CheckpointTrigger(CheckpointEvaluator checkpoints, ILogger<CheckpointTrigger> logger)
{
    public const string Name = "CheckpointEvaluation";
    public const string BlobPattern = "models/{name}.onnx";

    [Function(Name)]
    public async Task RunAsync(
        [BlobTrigger(BlobPattern, Connection = "Storage", Source = BlobTriggerSource.EventGrid)] BlobClient blob,
        string name,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var submission = await checkpoints.SubmitAsync($"{name}.onnx", cancellationToken);
        LogEvaluation(logger, blob.Name, submission.Job.JobId, submission.Outcome.ToString());
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "New checkpoint models/{Blob}: evaluation job {JobId} ({Outcome})")]
    private static partial void LogEvaluation(ILogger logger, string blob, string jobId, string outcome);
}
