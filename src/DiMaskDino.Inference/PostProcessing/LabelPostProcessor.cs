// The labels mode (docs/labels.md): pre-labels a person can accept, made from the official instances.

using DiMaskDino.Contracts.Labels;

namespace DiMaskDino.Inference.PostProcessing;

/// <summary>
/// Turns the official instances of one image (<see cref="InstancePostProcessor"/>'s output, any score threshold) into
/// labels, one rule after another: (1) score at least <see cref="LabelPostProcessorOptions.ScoreThreshold"/>;
/// (2) one class per query (<see cref="OneClassPerQuery"/>); (3) every mask the image's size, cleaned of specks
/// (<see cref="MaskSpecks"/>), and dropped when empty; (4) the box from the mask or the model, inside the image,
/// dropped when of zero size (<see cref="LabelBoxes"/>); (5) duplicates across queries removed by mask IoU
/// (<see cref="DuplicateMasks"/>). Pure and thread-safe.
/// </summary>
public sealed class LabelPostProcessor
{
    public LabelPostProcessor(LabelPostProcessorOptions? options = null)
    {
        Options = options ?? new LabelPostProcessorOptions();
        Options.Validate();
    }

    public LabelPostProcessorOptions Options { get; }

    /// <param name="official">The official instances of one image, best first.</param>
    /// <param name="width">The image's width (the masks' width).</param>
    /// <param name="height">The image's height (the masks' height).</param>
    /// <returns>The labels, best score first.</returns>
    public IReadOnlyList<InstancePrediction> Process(IReadOnlyList<InstancePrediction> official, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(official);
        var scored = official.Where(i => i.Score >= Options.ScoreThreshold).ToList();
        var labels = new List<InstancePrediction>(scored.Count);
        foreach (var instance in OneClassPerQuery.Apply(scored))
        {
            if (instance.Mask.Width != width || instance.Mask.Height != height)
            {
                throw new ArgumentException(
                    $"query {instance.Query}: a {instance.Mask.Width}x{instance.Mask.Height} mask for a {width}x{height} image", nameof(official));
            }

            var mask = MaskSpecks.Remove(instance.Mask, Options.MinSpeckArea);
            if (mask.Area > 0 && LabelBoxes.Apply(instance with { Mask = mask }, Options.Box, width, height) is { } labeled)
            {
                labels.Add(labeled);
            }
        }

        return DuplicateMasks.Remove(labels, Options.DuplicateMaskIou);
    }
}
