using System.Globalization;
using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Pipeline.Jobs;

/// <summary>
/// The storage layout of jobs (system.md): <c>jobs/{jobId}/job.json</c>, <c>shards/{n}.json</c>,
/// <c>results/{n}.json</c>; outputs in <c>labels/{dataset}/{jobId}/</c>, the dataset's last completed job in
/// <c>labels/{dataset}/latest.json</c>, reports in <c>reports/{jobId}/</c>.
/// </summary>
public static class JobPaths
{
    public const string AnnotationsFile = "annotations.json";
    public const string FailuresFile = "failures.json";
    public const string SummaryFile = "summary.json";

    public static BlobPath Job(string jobId) => new(Containers.Jobs, $"{CheckId(jobId)}/job.json");

    public static BlobPath ShardsFolder(string jobId) => new(Containers.Jobs, $"{CheckId(jobId)}/shards/");

    public static BlobPath Shard(string jobId, int shard) => new(Containers.Jobs, $"{CheckId(jobId)}/shards/{CheckShard(shard)}.json");

    public static BlobPath ResultsFolder(string jobId) => new(Containers.Jobs, $"{CheckId(jobId)}/results/");

    public static BlobPath Result(string jobId, int shard) => new(Containers.Jobs, $"{CheckId(jobId)}/results/{CheckShard(shard)}.json");

    public static BlobPath Result(ShardAddress shard) => Result(shard.JobId, shard.Shard);

    /// <summary>A hint for the finalize trigger: a number n such that shards 0 … n−1 are known to have results.</summary>
    public static BlobPath FinishedBelow(string jobId) => new(Containers.Jobs, $"{CheckId(jobId)}/finished-below.txt");

    /// <summary>The shard number of a blob listed under <see cref="ResultsFolder"/>, or null for anything else.</summary>
    public static int? ShardOfResult(BlobPath path)
    {
        var slash = path.Name.LastIndexOf('/');
        var file = path.Name[(slash + 1)..];
        return file.EndsWith(".json", StringComparison.Ordinal)
            && int.TryParse(file.AsSpan(0, file.Length - 5), NumberStyles.None, CultureInfo.InvariantCulture, out var shard)
            ? shard
            : null;
    }

    public static BlobPath LabelsFolder(string dataset, string jobId) => new(Containers.Labels, $"{CheckDataset(dataset)}/{CheckId(jobId)}/");

    public static BlobPath Output(string dataset, string jobId, string file) => LabelsFolder(dataset, jobId).Child(file);

    public static BlobPath Latest(string dataset) => new(Containers.Labels, $"{CheckDataset(dataset)}/latest.json");

    public static BlobPath ReportFolder(string jobId) => new(Containers.Reports, $"{CheckId(jobId)}/");

    public static BlobPath Image(string name) => new(Containers.Images, name);

    public static BlobPath ImagesPrefix(string prefix) => new(Containers.Images, prefix);

    public static BlobPath Model(string name) => new(Containers.Models, name);

    public static BlobPath GroundTruth(string name) => new(Containers.Datasets, name);

    /// <summary>Job ids are 1-64 of [a-z0-9-_.] (they become blob-name segments and message ids).</summary>
    public static string CheckId(string jobId)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        if (jobId.Length is 0 or > 64 || jobId is "." or ".." || !jobId.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.'))
        {
            throw new ArgumentException($"job id \"{jobId}\" must be 1-64 characters of a-z, 0-9, '-', '_', '.'", nameof(jobId));
        }

        return jobId;
    }

    /// <summary>Dataset names are one blob-name segment: 1-128 of letters, digits, '-', '_', '.'.</summary>
    public static string CheckDataset(string dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Length is 0 or > 128 || dataset is "." or ".." || !dataset.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"dataset name \"{dataset}\" must be 1-128 characters of letters, digits, '-', '_', '.'", nameof(dataset));
        }

        return dataset;
    }

    private static string CheckShard(int shard)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        return shard.ToString(CultureInfo.InvariantCulture);
    }
}
