// Ground truth of one batch prepared once per criterion call (model.md §1.4, §9): validated shapes, labels and counts
// in managed arrays, and the GT masks converted to float32 once (shared by the matcher and every mask loss).
using static TorchSharp.torch;

namespace DiMaskDino.Model.Losses;

/// <summary>
/// Per-batch view of the targets used by <see cref="SetCriterion"/>. Build it inside the caller's dispose scope: the
/// float masks it creates belong to that scope; the caller's own tensors are only borrowed.
/// </summary>
internal sealed class BatchTargets
{
    /// <summary>Validates the targets against the batch and class count of <paramref name="reference"/>.</summary>
    public BatchTargets(IReadOnlyList<ImageTarget> targets, PredictionSet reference)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count != reference.BatchSize)
        {
            throw new ArgumentException($"{targets.Count} targets for a batch of {reference.BatchSize} images");
        }

        Labels = new long[targets.Count][];
        Counts = new int[targets.Count];
        long[]? canvas = null;
        for (var b = 0; b < targets.Count; b++)
        {
            var target = targets[b];
            var n = target.Labels.shape[0];
            if (target.Labels.dim() != 1 || target.Labels.dtype != ScalarType.Int64)
            {
                throw new ArgumentException($"image {b}: labels must be [N] int64");
            }

            if (!target.Boxes.shape.SequenceEqual([n, 4]))
            {
                throw new ArgumentException($"image {b}: boxes must be [{n}, 4], got [{string.Join(", ", target.Boxes.shape)}]");
            }

            if (target.Masks.dim() != 3 || target.Masks.shape[0] != n)
            {
                throw new ArgumentException($"image {b}: masks must be [{n}, H, W], got [{string.Join(", ", target.Masks.shape)}]");
            }

            if (n > 0)
            {
                var size = target.Masks.shape[1..];
                canvas ??= size;
                if (!canvas.SequenceEqual(size))
                {
                    throw new ArgumentException(
                        $"image {b}: masks are {size[0]}×{size[1]} but earlier images use {canvas[0]}×{canvas[1]}; " +
                        "all targets of a batch must share the padded canvas");
                }
            }

            Labels[b] = target.Labels.cpu().data<long>().ToArray();
            Counts[b] = (int)n;
            foreach (var label in Labels[b])
            {
                if (label < 0 || label >= reference.Classes)
                {
                    throw new ArgumentException($"image {b}: label {label} outside [0, {reference.Classes})");
                }
            }
        }

        TotalCount = Counts.Sum();
        Boxes = targets.Select(t => t.Boxes).ToArray();
        FloatMasks = targets.Select(t => t.Masks.to_type(ScalarType.Float32)).ToArray();
        ForMatching = targets.Select((t, b) => new ImageTarget(t.Labels, t.Boxes, FloatMasks[b])).ToArray();
    }

    /// <summary>Class of each GT, per image.</summary>
    public long[][] Labels { get; }

    /// <summary>n_b per image.</summary>
    public int[] Counts { get; }

    public int TotalCount { get; }

    /// <summary>[N, 4] cxcywh boxes per image (the caller's tensors).</summary>
    public Tensor[] Boxes { get; }

    /// <summary>[N, H, W] float32 masks per image (converted once, owned by the current dispose scope).</summary>
    public Tensor[] FloatMasks { get; }

    /// <summary>Targets with float masks for the matcher (records over borrowed tensors: never disposed).</summary>
    public IReadOnlyList<ImageTarget> ForMatching { get; }
}
