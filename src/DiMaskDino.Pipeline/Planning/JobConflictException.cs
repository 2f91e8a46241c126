using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Planning;

/// <summary>
/// A submission named a job id that already belongs to a different request. The job is left as it is; the caller
/// picks another id or repeats the job's own request (which is idempotent). HTTP: 409; command line: exit 1 (an
/// <see cref="ArgumentException"/>: the submitted job id is the bad argument).
/// </summary>
public sealed class JobConflictException(string jobId, IReadOnlyList<string> differingFields)
    : ArgumentException(
        $"job {jobId} already exists with a different request ({string.Join(", ", differingFields)} differ): "
        + "choose another job_id, or repeat that job's request")
{
    public string JobId { get; } = jobId;

    /// <summary>The request fields (snake_case, as the API names them) whose values differ.</summary>
    public IReadOnlyList<string> DifferingFields { get; } = differingFields;

    /// <summary>The fields of <paramref name="submitted"/> that differ from <paramref name="existing"/>'s request; empty when the same.</summary>
    public static IReadOnlyList<string> Compare(JobRequest existing, JobRequest submitted)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(submitted);
        var fields = new List<string>();
        Add("dataset", existing.Dataset == submitted.Dataset);
        Add("images_prefix", existing.ImagesPrefix == submitted.ImagesPrefix);
        Add("model", existing.Model == submitted.Model);
        Add("shard_size", existing.ShardSize == submitted.ShardSize);
        Add("thresholds", existing.Thresholds == submitted.Thresholds);
        Add("ground_truth", existing.GroundTruth == submitted.GroundTruth);
        Add("incremental", existing.Incremental == submitted.Incremental);
        return fields;

        void Add(string field, bool same)
        {
            if (!same)
            {
                fields.Add(field);
            }
        }
    }
}
