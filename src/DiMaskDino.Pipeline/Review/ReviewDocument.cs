using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Review;

/// <summary>
/// review.json: every labeled image of a job, most in need of a person first (score descending, ties by file name in
/// ordinal order), and the failed images apart.
/// </summary>
public sealed record ReviewDocument(
    string JobId, string Dataset, double ScoreThreshold, ReviewOptions Scoring, IReadOnlyList<ReviewedImage> Images, IReadOnlyList<FailureEntry> Failures);

/// <summary>One labeled image in the queue.</summary>
/// <param name="Rank">1 for the image to look at first.</param>
/// <param name="FileName">As in annotations.json (relative to the input folder).</param>
/// <param name="Instances">Annotations of the image in annotations.json.</param>
/// <param name="Score">Review score in [0, 1], rounded to 6 decimals (see <see cref="ReviewOptions"/>); 0 when no reason fires.</param>
/// <param name="Reasons">Largest contribution first.</param>
public sealed record ReviewedImage(
    int Rank, string FileName, long ImageId, int Width, int Height, int Instances, double Score, IReadOnlyList<ReviewReason> Reasons);

/// <summary>One reason found in an image.</summary>
/// <param name="Instance">Index of the instance among the image's annotations in annotations.json (0 = first); null for <see cref="ReviewReasonKind.NoInstance"/>.</param>
/// <param name="CategoryId">The instance's category; null for <see cref="ReviewReasonKind.NoInstance"/>.</param>
/// <param name="Value">What was measured: the class margin, the score, the box–mask IoU, the number of parts, or 0 instances.</param>
/// <param name="Severity">How far past its limit, in [0, 1].</param>
/// <param name="Contribution">weight × severity.</param>
/// <param name="Text">The reason in words.</param>
public sealed record ReviewReason(
    ReviewReasonKind Kind, int? Instance, int? CategoryId, double Value, double Severity, double Contribution, string Text);
