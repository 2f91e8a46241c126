using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DiMaskDino.Pipeline.Jobs;

/// <summary>
/// Deterministic job ids: the same request against the same base job always gets the same id, so re-submitting
/// (or re-running the CLI after Ctrl-C) finds the job already there and resumes it instead of starting another.
/// </summary>
public static class JobIds
{
    /// <summary><c>{dataset, lowercased, up to 24 chars}-{16 hex of SHA-256 over the request's identity and the base job}</c>.</summary>
    public static string Derive(JobRequest request, string? baseJobId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var identity = string.Join(
            '\n',
            request.Dataset,
            request.ImagesPrefix,
            request.Model.Location,
            request.Model.Name,
            request.Model.Version,
            request.ShardSize.ToString(CultureInfo.InvariantCulture),
            Thresholds(request.Thresholds),
            request.GroundTruth ?? "",
            string.Join(',', ExportFormats(request)),
            request.Incremental ? "incremental" : "full",
            baseJobId ?? "");
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..16];
        var prefix = new string([.. request.Dataset.ToLowerInvariant().Where(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-').Take(24)]);
        return prefix.Length == 0 ? hash : $"{prefix}-{hash}";
    }

    /// <summary>Whether labels made with <paramref name="pointer"/>'s settings can be reused by <paramref name="request"/>.</summary>
    public static bool CanReuse(DatasetPointer pointer, JobRequest request) =>
        pointer.ImagesPrefix == request.ImagesPrefix && pointer.Model == request.Model && pointer.Thresholds == request.Thresholds;

    /// <summary>The request's export formats, distinct and in order (the same set of formats is the same request).</summary>
    public static IEnumerable<Exports.ExportFormat> ExportFormats(JobRequest request) => (request.Formats ?? []).Distinct().Order();

    private static string Thresholds(LabelingThresholds t) => string.Create(
        CultureInfo.InvariantCulture,
        $"{t.ScoreThreshold:R};{t.DetectionsPerImage};{t.MaskLogitThreshold:R};{t.PostProcess};{t.DuplicateMaskIou:R};{t.MinSpeckArea};{t.Box}");
}
